"""RSS per category, sitemap.xml, search, the print view."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_rss_per_category(client, portal):
    response = client.get(f"/rss/{portal['base'].pk}/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    xml = response.content.decode()
    assert "HỘI LIÊN HIỆP PHỤ NỮ TỈNH THỬ NHẬN BẰNG KHEN" in xml
    assert "Trao giải cuộc thi khởi nghiệp" not in xml
    assert xml.index("Tin mới hơn") < xml.index("Tin cũ hơn")  # newest first
    whole = client.get("/rss/").content.decode()
    assert "Trao giải cuộc thi khởi nghiệp" in whole
    assert client.get("/rss/999999/").status_code == 404
    assert client.get(f"/rss/{portal['seed'].pk}/").status_code == 404  # not a category


def test_sitemap_lists_the_published_pages(client, portal):
    draft = portal["older"]
    draft.unpublish()
    xml = client.get("/sitemap.xml").content.decode()
    assert portal["seed"].url in xml
    assert portal["base"].url in xml
    assert "tin-cu-hon" not in xml and draft.url_path.split("/")[-2] not in xml


def test_search_finds_articles_by_their_words(client, portal):
    response = client.get("/tim-kiem/", {"q": "hạt điều"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Trao giải cuộc thi khởi nghiệp" in html
    assert "NHẬN BẰNG KHEN" not in html
    assert "Không tìm thấy" in client.get("/tim-kiem/", {"q": "xyzxyz"}).content.decode()
    assert "Nhập từ khóa" in client.get("/tim-kiem/").content.decode()


def test_print_view_is_clean(client, portal):
    seed = portal["seed"]
    response = client.get(f"/bai-viet/{seed.pk}/in/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Thứ tư - 20/03/2024 11:23" in html and "1.633 đợt" in html
    assert "traffic" not in html and "comment-form" not in html
    seed.unpublish()
    assert Client().get(f"/bai-viet/{seed.pk}/in/").status_code == 404


@pytest.mark.parametrize("q", ["%01%02%1F", "b%C3%A1o%09c%C3%A1o%7F"])
def test_search_with_control_characters_is_no_server_error(client, portal, q):
    """The issue's failure 7: `GET /tim-kiem/?q=%00` answered 500."""
    response = client.get(f"/tim-kiem/?q={q}")

    assert response.status_code == 200


@pytest.mark.parametrize("q", ["%00", "b%C3%A1o%00c%C3%A1o", '"%00"'])
def test_search_with_a_nul_is_refused_with_a_message(client, portal, q):
    """A NUL (no keyboard types it) is refused for every address before any view
    (config/limits.py): 400 and a message, not a server error."""
    response = client.get(f"/tim-kiem/?q={q}")

    assert response.status_code == 400
    assert "ký tự NUL" in response.content.decode()


def test_sitemap_and_rss_use_the_address_and_title_set_in_the_cms(client, portal):
    from wagtail.models import Site

    from phongtrao.portal.models import PortalSettings

    xml = client.get("/sitemap.xml").content.decode()
    assert "http://testserver" + portal["seed"].url in xml and "localhost" not in xml
    site = Site.objects.get(is_default_site=True)
    site.site_name = "Hội LHPN tỉnh Thử"
    site.save()
    PortalSettings.objects.update_or_create(
        site=site,
        defaults={
            "base_url": "https://phunu.tinhthu.gov.vn/",
            "rss_title": "Tin Hội LHPN tỉnh Thử",
        },
    )
    xml = client.get("/sitemap.xml").content.decode()
    assert "<loc>https://phunu.tinhthu.gov.vn" + portal["seed"].url + "</loc>" in xml
    rss = client.get("/rss/").content.decode()
    assert "<title>Tin Hội LHPN tỉnh Thử</title>" in rss
    assert "<link>https://phunu.tinhthu.gov.vn" + portal["seed"].url + "</link>" in rss
    assert "Hội LHPN tỉnh Thử" in client.get("/").content.decode()


@pytest.mark.parametrize(
    "q", ["bang khen", "BANG KHEN", "bằng khen", "Bằng Khen", "tuyen truyen hoi vien"]
)
def test_search_forgives_missing_diacritics_and_case(client, portal, q):
    html = client.get("/tim-kiem/", {"q": q}).content.decode()

    assert "Tìm thấy 1 bài viết" in html
    assert "PHỤ NỮ TỈNH THỬ NHẬN" in html
    assert "Trao giải cuộc thi khởi nghiệp" not in html


def test_search_needs_every_word_and_marks_them(client, portal):
    html = client.get("/tim-kiem/", {"q": "hat dieu"}).content.decode()

    assert "Trao giải cuộc thi khởi nghiệp" in html
    assert "chế biến <mark>hạt</mark> <mark>điều</mark> đoạt" in html
    assert "NHẬN BẰNG KHEN" not in html
    assert "Không tìm thấy" in client.get("/tim-kiem/", {"q": "bang xyzxyz"}).content.decode()


def test_search_marks_the_words_in_the_title(client, portal):
    html = client.get("/tim-kiem/", {"q": "bang khen"}).content.decode()

    assert "<mark>BẰNG</mark> <mark>KHEN</mark>" in html
