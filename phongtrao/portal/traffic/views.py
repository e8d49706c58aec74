"""The link redirect that counts clicks, and the session notice's two endpoints."""

from __future__ import annotations

import re
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, resolve_url
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from phongtrao.busy import write_or_drop
from phongtrao.portal.traffic.bots import is_bot
from phongtrao.portal.traffic.models import Link
from phongtrao.portal.traffic.services import link_click_record

LINKS_COOKIE = "pt_links"
_LINKS_VALUE = re.compile(r"\d{1,12}(?:\.\d{1,12}){0,99}")
LINKS_REMEMBERED = 100


def _clicked(request: HttpRequest) -> list[str]:
    value = request.COOKIES.get(LINKS_COOKIE, "")
    return value.split(".") if _LINKS_VALUE.fullmatch(value) else []


@require_safe
def link_follow(request: HttpRequest, link_id: int) -> HttpResponse:
    """Go to a link of the "Liên kết" block; its first click from this browser counts."""
    link = get_object_or_404(Link, pk=link_id, active=True)
    response = HttpResponseRedirect(link.url)
    clicked = _clicked(request)
    if request.method != "GET" or str(link.pk) in clicked:
        return response
    if is_bot(request.META.get("HTTP_USER_AGENT", "")):
        return response
    write_or_drop(lambda: link_click_record(link=link), what="a link click")
    clicked = [*clicked, str(link.pk)][-LINKS_REMEMBERED:]
    response.set_cookie(
        LINKS_COOKIE,
        ".".join(clicked),
        max_age=365 * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


def _signed_out() -> JsonResponse:
    return JsonResponse(
        {"signed_in": False, "login_url": resolve_url(settings.LOGIN_URL)}, status=401
    )


@require_POST
def session_extend(request: HttpRequest) -> JsonResponse:
    """Keep a signed-in user's session: its expiry moves on the server, not only in the page."""
    if not request.user.is_authenticated:
        return _signed_out()
    request.session.modified = True  # saved with a new expiry by the session middleware
    age = request.session.get_expiry_age()
    expires_at = timezone.localtime(timezone.now() + timedelta(seconds=age))
    return JsonResponse(
        {"signed_in": True, "expires_in": age, "expires_at": expires_at.isoformat()}
    )


@require_POST
def session_end(request: HttpRequest) -> JsonResponse:
    """Sign the user out on the server when the notice's countdown reaches zero."""
    logout(request)
    return JsonResponse({"signed_in": False, "login_url": resolve_url(settings.LOGIN_URL)})
