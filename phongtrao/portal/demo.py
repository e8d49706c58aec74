"""The portal's demo content: the site, its categories, the seed article and a few others.

`portal_demo_load()` is idempotent: what exists already (found by its address) is kept.
The seed article ("HỘI LIÊN HIỆP PHỤ NỮ TỈNH BÌNH PHƯỚC NHẬN BẰNG KHEN...") is published at
20/03/2024 11:23 under "Tin tức - Sự kiện" > "Hoạt động Hội cơ sở", with its source line and
photo caption, the province's 2023 report attached as a PDF. Pictures are drawn with Pillow.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.core.files.images import ImageFile
from django.db import transaction
from django.utils.html import escape
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont
from wagtail.images.models import Image
from wagtail.models import Page, Site

from phongtrao import periods
from phongtrao.accounts.models import Membership
from phongtrao.actors import DEMO
from phongtrao.portal.models import ArticlePage, ArticleStats, CategoryPage, HomePage
from phongtrao.portal.services import report_document_create, vn_slug
from phongtrao.vn import VIETNAM_TZ

CONTENT_DIR = Path(__file__).resolve().parent / "demo_content"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
HOME_TITLE = "Hội Liên hiệp Phụ nữ tỉnh Bình Phước"
SEED_PUBLISHED = dt.datetime(2024, 3, 20, 11, 23, tzinfo=VIETNAM_TZ)
SEED_VIEWS = 71  # what the seed page showed
SEED_SLUG = "hoi-lhpn-tinh-binh-phuoc-nhan-bang-khen-cua-doan-chu-tich-hoi-lhpn-viet-nam-2023"

# (title, children): the category tree under the home page.
CATEGORIES: list[tuple[str, list[str]]] = [
    ("Tin tức - Sự kiện", ["Hoạt động Hội cơ sở", "Tin trong tỉnh"]),
    ("Phụ nữ khởi nghiệp", []),
    ("Gia đình - Xã hội", []),
    ("Gương điển hình", []),
]


@dataclass(frozen=True)
class DemoArticle:
    category: str
    title: str
    published: dt.datetime
    summary: str
    paragraphs: list[str]
    caption: str
    colours: tuple[str, str]
    tags: list[str] = field(default_factory=list)
    source: str = ""


def _at(day: str, time: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=VIETNAM_TZ)


OTHER_ARTICLES = [
    DemoArticle(
        "Hoạt động Hội cơ sở",
        "Hội LHPN xã Lộc Thái ra mắt mô hình “Chi hội phụ nữ 5 không, 3 sạch”",
        _at("2024-02-27", "08:45"),
        "Sáng 26/02, Hội LHPN xã Lộc Thái tổ chức ra mắt mô hình “Chi hội phụ nữ 5 không, "
        "3 sạch” tại ấp 3 với sự tham gia của 85 hội viên.",
        [
            "Mô hình hướng đến xây dựng gia đình không đói nghèo, không vi phạm pháp luật, "
            "không bạo lực gia đình, không sinh con thứ ba trở lên, không có trẻ suy dinh "
            "dưỡng; sạch nhà, sạch bếp, sạch ngõ.",
            "Tại buổi ra mắt, các hội viên đã cùng ký cam kết thực hiện và trồng 120 cây "
            "xanh dọc tuyến đường liên ấp.",
        ],
        "Hội viên chi hội ấp 3 ký cam kết thực hiện mô hình",
        ("#2e7d32", "#a5d6a7"),
        ["5 không 3 sạch", "Lộc Ninh"],
        "THU HÀ - Hội LHPN xã Lộc Thái",
    ),
    DemoArticle(
        "Hoạt động Hội cơ sở",
        "Hội LHPN huyện Lộc Ninh tập huấn kỹ năng cho cán bộ chi hội",
        _at("2024-03-08", "15:10"),
        "Ngày 07/3, Hội LHPN huyện Lộc Ninh tổ chức lớp tập huấn nâng cao năng lực cho "
        "120 chi hội trưởng phụ nữ trên địa bàn huyện.",
        [
            "Các học viên được trang bị kỹ năng tổ chức sinh hoạt chi hội, ứng dụng công "
            "nghệ thông tin trong công tác Hội và kỹ năng tuyên truyền trên mạng xã hội.",
            "Lớp tập huấn góp phần thực hiện chủ đề năm “Tập trung xây dựng cơ sở Hội, "
            "trọng tâm là nâng cao năng lực cán bộ Hội cơ sở”.",
        ],
        "Cán bộ chi hội trao đổi kinh nghiệm tại lớp tập huấn",
        ("#1565c0", "#90caf9"),
        ["tập huấn", "cán bộ Hội"],
    ),
    DemoArticle(
        "Hoạt động Hội cơ sở",
        "Phụ nữ phường Tân Phú ra quân “Ngày chủ nhật xanh”",
        _at("2024-04-07", "09:30"),
        "Hưởng ứng phong trào “Phụ nữ với phong trào xây dựng khu dân cư sạch mọi nơi, "
        "đẹp mọi chỗ”, hơn 150 hội viên phường Tân Phú ra quân dọn vệ sinh môi trường.",
        [
            "Các hội viên đã thu gom rác thải, phát quang bụi rậm trên 3 km đường và trồng "
            "hoa tại các tuyến đường tự quản của chi hội.",
        ],
        "Hội viên phụ nữ phường Tân Phú dọn vệ sinh tuyến đường tự quản",
        ("#00838f", "#80deea"),
        ["môi trường"],
    ),
    DemoArticle(
        "Hoạt động Hội cơ sở",
        "Trao 5 mái ấm tình thương cho hội viên khó khăn huyện Bù Đốp",
        _at("2024-05-16", "10:05"),
        "Hội LHPN huyện Bù Đốp phối hợp các nhà hảo tâm trao 5 mái ấm tình thương, "
        "mỗi căn trị giá 80 triệu đồng, cho hội viên có hoàn cảnh khó khăn.",
        [
            "Đây là hoạt động thiết thực hưởng ứng Chương trình “Triệu phần quà san sẻ yêu "
            "thương” của Trung ương Hội LHPN Việt Nam.",
        ],
        "Trao mái ấm tình thương cho hội viên xã Thanh Hòa",
        ("#c62828", "#ef9a9a"),
        ["mái ấm tình thương", "an sinh xã hội"],
    ),
    DemoArticle(
        "Tin trong tỉnh",
        "Hội nghị tổng kết công tác Hội và phong trào phụ nữ năm 2023",
        _at("2024-01-12", "14:00"),
        "Hội LHPN tỉnh tổ chức hội nghị tổng kết công tác Hội và phong trào phụ nữ năm "
        "2023, triển khai nhiệm vụ năm 2024.",
        [
            "Năm 2023, toàn tỉnh phát triển mới 4.094 hội viên, đạt 195% so với chỉ tiêu; "
            "tổ chức 1.633 đợt tuyên truyền với 116.572 lượt hội viên, phụ nữ tham dự.",
        ],
        "Quang cảnh hội nghị tổng kết",
        ("#6a1b9a", "#ce93d8"),
        ["tổng kết", "năm 2023"],
    ),
    DemoArticle(
        "Phụ nữ khởi nghiệp",
        "Trao giải Cuộc thi Phụ nữ khởi nghiệp năm 2023",
        _at("2023-11-24", "16:20"),
        "15 dự án xuất sắc được trao giải tại Cuộc thi Phụ nữ khởi nghiệp năm 2023 với chủ "
        "đề “Phụ nữ khởi nghiệp, phát huy tài nguyên bản địa”.",
        [
            "Cuộc thi thu hút hơn 200 người tham dự; các dự án tập trung vào nông sản sạch, "
            "chế biến hạt điều và du lịch cộng đồng.",
        ],
        "Ban tổ chức trao giải cho các dự án đạt giải",
        ("#ef6c00", "#ffcc80"),
        ["khởi nghiệp"],
    ),
    DemoArticle(
        "Gương điển hình",
        "Chị Điểu Thị Hồng: người phụ nữ S'tiêng làm giàu từ cây điều",
        _at("2024-03-02", "07:50"),
        "Từ 2 ha điều được vay vốn Ngân hàng Chính sách xã hội qua kênh Hội, chị Điểu Thị "
        "Hồng đã vươn lên thoát nghèo và giúp đỡ nhiều chị em trong ấp.",
        [
            "Chị hiện là tổ trưởng Tổ liên kết sản xuất điều hữu cơ với 18 thành viên, thu "
            "nhập bình quân mỗi hộ trên 120 triệu đồng một năm.",
        ],
        "Chị Điểu Thị Hồng bên vườn điều của gia đình",
        ("#558b2f", "#dce775"),
        ["gương điển hình", "giảm nghèo"],
    ),
]


# ---------------------------------------------------------------------------------------------
# Pictures


def _font(size: int, bold: bool = False) -> Any:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    try:
        return ImageFont.truetype(str(FONT_DIR / name), size)
    except OSError:
        return ImageFont.load_default(size)


def _picture(seed: str, colours: tuple[str, str], banner: str = "") -> bytes:
    """A 1200x675 picture: a stage with a banner and a row of people in áo dài."""
    rnd = random.Random(seed)  # noqa: S311 - decoration, not security
    width, height = 1200, 675
    picture = PILImage.new("RGB", (width, height), colours[0])
    draw = ImageDraw.Draw(picture)
    top, bottom = PILImage.new("RGB", (1, 1), colours[0]), PILImage.new("RGB", (1, 1), colours[1])
    for y in range(height):  # a vertical gradient
        t = y / height
        a, b = top.getpixel((0, 0)), bottom.getpixel((0, 0))
        assert isinstance(a, tuple) and isinstance(b, tuple)
        draw.line([(0, y), (width, y)], fill=tuple(int(a[i] + (b[i] - a[i]) * t) for i in range(3)))
    # The backdrop and its banner.
    draw.rectangle([80, 60, width - 80, 300], fill="#b71c1c", outline="#ffd54f", width=6)
    if banner:
        font = _font(44, bold=True)
        box = draw.textbbox((0, 0), banner, font=font)
        draw.text(((width - (box[2] - box[0])) / 2, 150), banner, font=font, fill="#ffeb3b")
    draw.rectangle([0, 520, width, height], fill="#5d4037")  # the stage floor
    palette = ["#e91e63", "#f06292", "#ffffff", "#7986cb", "#ffb74d", "#4db6ac", "#ba68c8"]
    people = 11
    for i in range(people):
        x = 90 + i * (width - 180) / (people - 1)
        tall = rnd.randint(-15, 15)
        colour = rnd.choice(palette)
        draw.polygon(
            [(x - 32, 560), (x + 32, 560), (x + 22, 395 + tall), (x - 22, 395 + tall)],
            fill=colour,
        )
        draw.ellipse([x - 20, 345 + tall, x + 20, 390 + tall], fill="#f1c9a5")
        draw.pieslice([x - 22, 340 + tall, x + 22, 384 + tall], 180, 360, fill="#2b1d16")
    if banner:  # the certificate held up in the middle
        draw.rectangle([560, 420, 640, 480], fill="#fff8e1", outline="#c62828", width=3)
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=85)
    return out.getvalue()


def _image(title: str, data: bytes, filename: str) -> Image:
    existing = Image.objects.filter(title=title).first()
    if existing is not None:
        return existing
    image = Image(title=title)
    image.file = ImageFile(io.BytesIO(data), name=filename)
    image.save()
    return image


# ---------------------------------------------------------------------------------------------
# Pages


def _home() -> HomePage:
    home: HomePage | None = HomePage.objects.first()
    if home is None:
        root = Page.get_first_root_node()
        # Wagtail's "Welcome" placeholder goes: the portal's home replaces it.
        for page in root.get_children():
            if page.specific_class is Page:
                page.delete()
        home = HomePage(title=HOME_TITLE, slug="trang-chu")
        root.add_child(instance=home)
        home.save_revision().publish()
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(
            hostname="localhost",
            port=80,
            root_page=home,
            is_default_site=True,
            site_name=HOME_TITLE,
        )
    elif site.root_page_id != home.pk:
        site.root_page = home
        site.site_name = HOME_TITLE
        site.save()
    return home


def _child(parent: Page, page: Page) -> Page:
    """The child of `parent` with `page`'s slug, created and published if missing."""
    found = parent.get_children().filter(slug=page.slug).first()
    if found is not None:
        return found.specific
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def _publish_at(article: ArticlePage, when: dt.datetime) -> None:
    article.first_published_at = when
    article.save(update_fields=["first_published_at"])


def _body(paragraphs: list[str], image: Image | None, caption: str) -> list[tuple[str, Any]]:
    body: list[tuple[str, Any]] = []
    if image is not None:
        body.append(("image", {"image": image, "caption": caption}))
    body += [("paragraph", f"<p>{escape(p)}</p>") for p in paragraphs]
    return body


@dataclass(frozen=True)
class SeedArticle:
    title: str
    summary: str
    caption: str
    source: str
    body: list[tuple[str, str]]  # ("heading" | "paragraph", text)


def seed_article() -> SeedArticle:
    """The seed page's article, from demo_content/seed_article.txt."""
    title = summary = caption = source = ""
    body: list[tuple[str, str]] = []
    for line in (CONTENT_DIR / "seed_article.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            title = line[2:]
        elif line.startswith("> "):
            summary = line[2:]
        elif line.startswith("! "):
            caption = line[2:]
        elif line.startswith("@ "):
            source = line[2:]
        elif line.startswith("## "):
            body.append(("heading", line[3:]))
        elif line.strip():
            body.append(("paragraph", line))
    return SeedArticle(title, summary, caption, source, body)


def _seed(category: CategoryPage) -> ArticlePage:
    found = category.get_children().filter(slug=SEED_SLUG).first()
    if found is not None:
        return found.specific  # type: ignore[no-any-return]
    from phongtrao.demo.binh_phuoc import demo_province

    seed = seed_article()
    province = demo_province()
    _, document = report_document_create(
        unit=province, period=periods.parse("2023"), actor=DEMO, private=False
    )
    photo = _image(
        "Hội LHPN tỉnh Bình Phước nhận Bằng khen năm 2023",
        _picture("seed", ("#0d47a1", "#64b5f6"), banner="BẰNG KHEN"),
        "bang-khen-2023.jpg",
    )
    body: list[tuple[str, Any]] = [("image", {"image": photo, "caption": seed.caption})]
    for kind, text in seed.body:
        body.append((kind, text if kind == "heading" else f"<p>{escape(text)}</p>"))
    article = ArticlePage(
        title=seed.title,
        slug=SEED_SLUG,
        summary=seed.summary,
        body=body,
        published_at=SEED_PUBLISHED,
        source=seed.source,
        feed_image=photo,
        attachment=document,
        report_unit=province,
        report_period="2023",
    )
    category.add_child(instance=article)
    article.tags.add("Bằng khen", "Hội LHPN tỉnh", "năm 2023")
    article.save()
    article.save_revision().publish()
    _publish_at(article, SEED_PUBLISHED)
    ArticleStats.objects.update_or_create(article=article, defaults={"views": SEED_VIEWS})
    return article


# What an editor (role biên tập) manages in the CMS beside pages, images and documents:
# readers' comments (moderation) and the "Liên kết" block's banners and links.
EDITOR_PERMISSIONS = {
    "portal": ["view_comment", "change_comment", "delete_comment"],
    "traffic": ["view_link", "add_link", "change_link", "delete_link"],
}


def editor_group_ensure() -> Group | None:
    """Wagtail's Moderators group with the editors' permissions on comments and links."""
    moderators = Group.objects.filter(name="Moderators").first()
    if moderators is None:
        return None
    for app_label, codenames in EDITOR_PERMISSIONS.items():
        moderators.permissions.add(
            *Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
        )
    return moderators


def _editor_ensure() -> None:
    """Editors (role biên tập) get Wagtail's admin: the Moderators group (pages, comments,
    banners and links)."""
    moderators = editor_group_ensure()
    if moderators is None:
        return
    for membership in Membership.objects.filter(is_editor=True).select_related("user"):
        membership.user.groups.add(moderators)


@transaction.atomic
def portal_demo_load() -> list[str]:
    """The demo portal; returns the addresses of its articles (seed article first)."""
    home = _home()
    categories: dict[str, CategoryPage] = {}
    for title, children in CATEGORIES:
        top = _child(home, CategoryPage(title=title, slug=vn_slug(title), show_in_menus=True))
        categories[title] = top
        for child_title in children:
            categories[child_title] = _child(
                top, CategoryPage(title=child_title, slug=vn_slug(child_title), show_in_menus=True)
            )
    seed = _seed(categories["Hoạt động Hội cơ sở"])
    urls = [seed.url]
    for item in OTHER_ARTICLES:
        category = categories[item.category]
        slug = vn_slug(item.title)
        found = category.get_children().filter(slug=slug).first()
        if found is None:
            image = _image(item.caption, _picture(slug, item.colours), f"{slug[:40]}.jpg")
            article = ArticlePage(
                title=item.title,
                slug=slug,
                summary=item.summary,
                body=_body(item.paragraphs, image, item.caption),
                published_at=item.published,
                source=item.source,
                feed_image=image,
            )
            category.add_child(instance=article)
            article.tags.add(*item.tags)
            article.save()
            article.save_revision().publish()
            _publish_at(article, item.published)
            ArticleStats.objects.get_or_create(article=article)
            found = article
        urls.append(found.url)
    _editor_ensure()
    return urls
