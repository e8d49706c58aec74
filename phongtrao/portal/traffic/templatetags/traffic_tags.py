"""Template tags of the portal's side blocks and of the session notice."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.shortcuts import resolve_url
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import SafeString

from phongtrao.portal.traffic.models import LinkPlacement
from phongtrao.portal.traffic.selectors import (
    SIDEBAR_CACHE_KEY,
    LinkItem,
    TrafficStats,
    links_active,
    traffic_stats,
)
from phongtrao.vn import format_number

register = template.Library()


# Stands for the side blocks in a page kept by the portal's page cache (filled per request).
SIDEBAR_PLACEHOLDER = "<!--@@TRAFFIC_SIDEBAR@@-->"


def sidebar_cached() -> str | None:
    """The side blocks when their cache has them (None otherwise: nothing rendered)."""
    html: str | None = cache.get(SIDEBAR_CACHE_KEY)
    return html


def sidebar_html() -> str:
    """The side blocks, rendered once per few seconds for everyone."""
    html: str | None = cache.get(SIDEBAR_CACHE_KEY)
    if html is None:
        html = render_to_string("traffic/blocks.html")
        cache.set(SIDEBAR_CACHE_KEY, html, getattr(settings, "TRAFFIC_STATS_CACHE_SECONDS", 5))
    return html


@register.simple_tag(takes_context=True)
def traffic_sidebar(context: template.Context) -> SafeString:
    """`{% traffic_sidebar %}`: the side blocks; a placeholder in a page rendered for the
    portal's page cache, whose blocks have their own, shorter, cache."""
    request = context.get("request")
    if getattr(request, "_portal_fill_later", False):
        return SafeString(SIDEBAR_PLACEHOLDER)
    return SafeString(sidebar_html())


@register.simple_tag(name="traffic_stats")
def traffic_stats_tag() -> TrafficStats:
    """`{% traffic_stats as stats %}`: the "Thống kê truy cập" figures (cached)."""
    return traffic_stats()


@register.simple_tag(name="traffic_links")
def traffic_links_tag() -> dict[str, list[LinkItem]]:
    """`{% traffic_links as links %}`: `links.banners` and `links.links`, in order (cached)."""
    items = links_active()
    return {
        "banners": [i for i in items if i.placement == LinkPlacement.BANNER],
        "links": [i for i in items if i.placement != LinkPlacement.BANNER],
    }


@register.filter
def vn_number(value: int) -> str:
    """1257142 → "1.257.142"."""
    return format_number(value)


def session_warning_seconds() -> int:
    return int(getattr(settings, "SESSION_WARNING_SECONDS", 60))


@register.simple_tag(takes_context=True)
def session_notice(context: template.Context) -> dict[str, Any] | None:
    """What the session notice's script needs, for a signed-in user (None otherwise)."""
    request: HttpRequest | None = context.get("request")
    if request is None or not request.user.is_authenticated:
        return None
    login_url = resolve_url(settings.LOGIN_URL)
    return {
        "expires_in": request.session.get_expiry_age(),
        "warning": min(session_warning_seconds(), settings.SESSION_COOKIE_AGE),
        "extend_url": reverse("traffic:session_extend"),
        "end_url": reverse("traffic:session_end"),
        "login_url": f"{login_url}?{urlencode({'next': request.get_full_path()})}",
        "csrf_token": get_token(request),
    }
