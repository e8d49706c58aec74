"""Template helpers of the portal: the menu, Vietnamese dates and numbers, search marks."""

from __future__ import annotations

import datetime as dt
import unicodedata

from django import template
from django.conf import settings
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from phongtrao.portal import selectors
from phongtrao.portal.models import portal_site_name
from phongtrao.portal.pagecache import NONCE_PLACEHOLDER
from phongtrao.vn import format_date_short, format_dateline, format_number
from phongtrao.vn.text import match_spans

register = template.Library()


@register.simple_tag
def portal_menu() -> list[selectors.MenuItem]:
    return selectors.portal_menu()


@register.simple_tag
def portal_latest() -> list[selectors.ArticleLink]:
    return selectors.latest_links()


@register.simple_tag(takes_context=True)
def portal_name(context: template.Context) -> str:
    """The Wagtail site's name ("Hội Liên hiệp Phụ nữ tỉnh Bình Phước"), else the setting."""
    request = context.get("request")
    if request is None:
        return str(settings.WAGTAIL_SITE_NAME)
    return portal_site_name(request)


@register.simple_tag(takes_context=True)
def portal_nonce(context: template.Context) -> str:
    """The request's script nonce (Content-Security-Policy); a placeholder in a page rendered
    for the guests' page cache, filled per request."""
    request = context.get("request")
    if getattr(request, "_portal_fill_later", False):
        return NONCE_PLACEHOLDER
    return str(getattr(request, "csp_nonce", ""))


@register.filter
def dateline(value: dt.datetime | None) -> str:
    """ "Thứ tư - 20/03/2024 11:23"."""
    return format_dateline(value) if value else ""


@register.filter
def date_vn(value: dt.datetime | None) -> str:
    """ "20/03/2024"."""
    return format_date_short(value) if value else ""


@register.filter
def number_vn(value: int | None) -> str:
    """ "1.633"."""
    return format_number(value or 0)


@register.filter
def highlight(text: str | None, query: str) -> SafeString:
    """`text` escaped, with the words of `query` (diacritics and case aside) in <mark>."""
    text = unicodedata.normalize("NFC", str(text or ""))
    parts: list[str] = []
    last = 0
    for start, end in match_spans(text, query or ""):
        parts += [escape(text[last:start]), "<mark>", escape(text[start:end]), "</mark>"]
        last = end
    parts.append(escape(text[last:]))
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text is escaped above
