"""The small portal the portal's tests read: home, "Tin tức - Sự kiện" > "Hoạt động Hội cơ
sở", "Phụ nữ khởi nghiệp", and four articles (the seed page's among them)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from wagtail.models import Page, Site

from phongtrao.jobs.worker import tasks_run_pending
from phongtrao.portal.models import ArticlePage, CategoryPage, HomePage
from phongtrao.vn import VIETNAM_TZ

SEED_AT = dt.datetime(2024, 3, 20, 11, 23, tzinfo=VIETNAM_TZ)
BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120 Safari/537.36"


def publish(parent: Page, page: Page) -> Any:
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def article(parent: Page, title: str, when: dt.datetime, **fields: Any) -> Any:
    fields.setdefault("slug", f"bai-{when:%Y%m%d%H%M}")
    return publish(parent, ArticlePage(title=title, published_at=when, **fields))


def portal_build() -> dict[str, Any]:
    """The pages, published, indexed for search, and the default site on them; by name."""
    root = Page.get_first_root_node()
    home = HomePage(title="Hội LHPN tỉnh Thử", slug="trang-chu")
    root.add_child(instance=home)
    home.save_revision().publish()
    Site.objects.update_or_create(
        is_default_site=True, defaults={"hostname": "localhost", "root_page": home}
    )
    news = publish(home, CategoryPage(title="Tin tức - Sự kiện", slug="tin-tuc-su-kien"))
    base = publish(news, CategoryPage(title="Hoạt động Hội cơ sở", slug="hoat-dong-hoi-co-so"))
    other = publish(home, CategoryPage(title="Phụ nữ khởi nghiệp", slug="phu-nu-khoi-nghiep"))
    seed = article(
        base,
        "HỘI LIÊN HIỆP PHỤ NỮ TỈNH THỬ NHẬN BẰNG KHEN",
        SEED_AT,
        summary="Trong năm 2023, Hội Liên hiệp Phụ nữ tỉnh luôn nhận được sự quan tâm.",
        body=[
            ("heading", "Kết quả thực hiện nhiệm vụ thường xuyên"),
            ("paragraph", "<p>Kết quả: đã tuyên truyền 1.633 đợt với 116.572 hội viên.</p>"),
        ],
        source="KHÁNH LIÊN -BDVTU",
    )
    older = article(base, "Tin cũ hơn trong chuyên mục", SEED_AT - dt.timedelta(days=20))
    newer = article(base, "Tin mới hơn trong chuyên mục", SEED_AT + dt.timedelta(days=5))
    elsewhere = article(
        other,
        "Trao giải cuộc thi khởi nghiệp",
        SEED_AT - dt.timedelta(days=3),
        summary="Dự án chế biến hạt điều đoạt giải nhất.",
    )
    # Wagtail indexes pages for search through tasks on the queue (a worker in production).
    tasks_run_pending()
    return {
        "home": home,
        "news": news,
        "base": base,
        "other": other,
        "seed": seed,
        "older": older,
        "newer": newer,
        "elsewhere": elsewhere,
    }


def portal_read(pks: dict[str, int]) -> dict[str, Any]:
    """The pages of `portal_build` read afresh, by the names it gave them."""
    pages = {page.pk: page for page in Page.objects.filter(pk__in=pks.values()).specific()}
    return {name: pages[pk] for name, pk in pks.items()}
