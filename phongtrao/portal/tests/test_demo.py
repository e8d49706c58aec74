"""The demo portal: the seed article as the seed page shows it, built once (idempotent)."""

from __future__ import annotations

import pytest
from django.test import Client

from phongtrao.portal.models import ArticlePage, ArticleStats
from phongtrao.portal.tests.site import BROWSER_UA

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def media_root():
    """The demo keeps the media directory it was loaded with (see `full_demo`)."""


@pytest.fixture
def demo(full_demo) -> list[str]:
    """The portal's demo as `load_demo` loads it, on the shared units and demo
    (conftest.py's `full_demo`): the addresses of its articles."""
    articles: list[str] = full_demo.articles
    return articles


def test_the_demo_ships_the_seed_article(demo):
    from phongtrao.portal.demo import portal_demo_load

    assert len(demo) == 8
    html = Client(HTTP_USER_AGENT=BROWSER_UA).get(demo[0]).content.decode()
    assert "Thứ tư - 20/03/2024 11:23" in html
    assert "HỘI LIÊN HIỆP PHỤ NỮ TỈNH BÌNH PHƯỚC NHẬN BẰNG KHEN" in html
    assert "Nguồn tin: <strong>KHÁNH LIÊN -BDVTU</strong>" in html
    assert "đứng thứ 7 từ bên trái qua" in html  # the photo's caption
    assert "1.633 đợt với sự tham gia của 116.572 hội viên" in html
    assert 'class="article-views">72<' in html  # the seed's 71, and this view
    assert "Những tin mới hơn" in html and "Những tin cũ hơn" in html
    seed = ArticlePage.objects.get(
        url_path__endswith="/hoat-dong-hoi-co-so/" + demo[0].split("/")[-2] + "/"
    )
    assert seed.report_unit is not None and seed.report_period == "2023"
    assert seed.attachment.file.read(5) == b"%PDF-"
    assert portal_demo_load() == demo  # idempotent
    assert ArticlePage.objects.count() == 8
    assert ArticleStats.objects.get(article=seed).views == 72
    home = Client().get("/").content.decode()
    assert "Tin tức - Sự kiện" in home and "Phụ nữ khởi nghiệp" in home


def test_the_editor_reaches_the_wagtail_admin(demo):
    from django.contrib.auth import get_user_model

    editor = get_user_model().objects.get(username="canbo_tinh")
    assert editor.membership.is_editor
    client = Client()
    client.force_login(editor)
    dashboard = client.get("/cms/")
    assert dashboard.status_code == 200 and "Bình luận chờ duyệt" in dashboard.content.decode()
    assert client.get("/cms/snippets/portal/comment/").status_code == 200
    # Banners and links ("Liên kết"), as the demo's text says.
    assert client.get("/cms/snippets/traffic/link/").status_code == 200
    assert client.get("/cms/snippets/traffic/link/add/").status_code == 200
    assert editor.has_perm("traffic.change_link") and editor.has_perm("portal.change_comment")
