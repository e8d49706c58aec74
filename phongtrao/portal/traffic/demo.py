"""Demo links of the "Liên kết" block, with images drawn here (no files shipped)."""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO

from django.core.files.images import ImageFile
from django.db import transaction
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont
from wagtail.images import get_image_model

from phongtrao.portal.traffic.models import Link, LinkPlacement
from phongtrao.portal.traffic.selectors import links_cache_clear


@dataclass(frozen=True)
class DemoLink:
    title: str
    url: str
    placement: str
    colour: tuple[int, int, int]


DEMO_LINKS = (
    DemoLink("Hội LHPN Việt Nam", "https://hoilhpn.org.vn/", LinkPlacement.BANNER, (138, 21, 56)),
    DemoLink("Báo Phụ nữ Việt Nam", "https://phunuvietnam.vn/", LinkPlacement.BANNER, (0, 94, 150)),
    DemoLink(
        "Cổng thông tin tỉnh", "https://www.binhphuoc.gov.vn/", LinkPlacement.LINK, (0, 120, 80)
    ),
    DemoLink(
        "Cổng Dịch vụ công quốc gia", "https://dichvucong.gov.vn/", LinkPlacement.LINK, (180, 95, 0)
    ),
)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in (
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    ):
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default(size)


def _picture(demo: DemoLink) -> ImageFile:
    """A plain coloured banner with the link's title written on it, as PNG."""
    size = (600, 200) if demo.placement == LinkPlacement.BANNER else (300, 150)
    picture = PILImage.new("RGB", size, demo.colour)
    draw = ImageDraw.Draw(picture)
    font = _font(36 if demo.placement == LinkPlacement.BANNER else 24)
    words, lines = demo.title.split(), [""]
    for word in words:  # wrap to the width
        candidate = f"{lines[-1]} {word}".strip()
        if draw.textlength(candidate, font=font) > size[0] - 40 and lines[-1]:
            lines.append(word)
        else:
            lines[-1] = candidate
    text = "\n".join(lines)
    draw.multiline_text(
        (size[0] / 2, size[1] / 2), text, font=font, fill="white", anchor="mm", align="center"
    )
    buffer = BytesIO()
    picture.save(buffer, format="PNG")
    slug = "".join(c if c.isalnum() else "-" for c in demo.url.split("//")[1].strip("/"))
    return ImageFile(buffer, name=f"lien-ket-{slug}.png")


@transaction.atomic
def traffic_demo_load() -> int:
    """Create the demo links that do not exist yet (found by title); returns how many."""
    image_model = get_image_model()
    created = 0
    for order, demo in enumerate(DEMO_LINKS, start=1):
        if Link.objects.filter(title=demo.title).exists():
            continue
        image = image_model(title=f"Liên kết: {demo.title}", file=_picture(demo))
        image.save()
        Link.objects.create(
            title=demo.title,
            url=demo.url,
            image=image,
            placement=demo.placement,
            sort_order=order,
        )
        created += 1
    links_cache_clear()
    return created
