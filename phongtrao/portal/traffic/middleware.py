"""Counts portal page views as visits, cheaply: a browser is known by a small cookie of its
own (no Django session is created for guests) and touches the database at most once a
minute; robots are known by user agent and address."""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from phongtrao.batched import CountBuffer, batching
from phongtrao.busy import write_or_drop
from phongtrao.portal.traffic.bots import is_bot
from phongtrao.portal.traffic.models import VisitorKind
from phongtrao.portal.traffic.services import visit_record, visit_window, visits_record

VISITOR_COOKIE = "pt_visitor"
# The visits of this process's requests, written in batches (phongtrao.batched).
VISITS: CountBuffer[tuple[str, VisitorKind, datetime]] = CountBuffer(
    lambda visits: visits_record(visits=visits), what="visits"
)

# token.seconds-since-epoch-of-the-last-write.kind
_VISITOR_VALUE = re.compile(r"([A-Za-z0-9_-]{22})\.(\d{1,12})\.([1-3])")
# Pages of the reporting side and technical paths are not portal pages.
DEFAULT_EXCLUDED_PREFIXES = (
    "/admin/",
    "/cms/",
    "/api/",
    "/static/",
    "/media/",
    "/phien/",
    "/lien-ket/",
    "/nhap-lieu/",
    "/bao-cao/",
    "/thi-dua/",
    "/dang-nhap/",
    "/dang-xuat/",
    "/tai-khoan/",
)


def counted_page(request: HttpRequest, response: HttpResponse) -> bool:
    """A portal page read successfully: GET, 200, HTML, outside the excluded paths."""
    if request.method != "GET" or response.status_code != 200:
        return False
    if not response.get("Content-Type", "").startswith("text/html"):
        return False
    excluded = getattr(settings, "TRAFFIC_EXCLUDED_PREFIXES", DEFAULT_EXCLUDED_PREFIXES)
    return not request.path_info.startswith(tuple(excluded))


def _kind(request: HttpRequest) -> VisitorKind:
    # Without a session cookie the visitor is a guest: no need to load the user.
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return VisitorKind.GUEST
    return VisitorKind.MEMBER if request.user.is_authenticated else VisitorKind.GUEST


def visit_count(request: HttpRequest, response: HttpResponse) -> None:
    """Record the request's visitor; refresh the browser's cookie when the database was told."""
    user_agent = request.META.get("HTTP_USER_AGENT", "")
    if is_bot(user_agent):
        address = request.META.get("REMOTE_ADDR", "")
        digest = hashlib.blake2b(f"{user_agent}|{address}".encode(), digest_size=16).hexdigest()
        _robot_record(f"b{digest}")
        return
    kind, now = _kind(request), int(time.time())
    found = _VISITOR_VALUE.fullmatch(request.COOKIES.get(VISITOR_COOKIE, ""))
    touch = getattr(settings, "TRAFFIC_TOUCH_SECONDS", 60)
    if found and int(found[3]) == kind and 0 <= now - int(found[2]) < touch:
        return  # seen less than a minute ago: "đang truy cập" is still true
    token = found[1] if found else secrets.token_urlsafe(16)
    if batching():
        VISITS.add((f"v{token}", kind, timezone.now()))
    elif write_or_drop(lambda: visit_record(key=f"v{token}", kind=kind), what="a visit") is None:
        return  # the database is busy: counted on a later page
    response.set_cookie(
        VISITOR_COOKIE,
        f"{token}.{now}.{int(kind)}",
        max_age=int(visit_window().total_seconds()),
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def _robot_record(key: str) -> None:
    """Robots keep no cookie: the cache remembers that the database was told about this one,
    so that a crawler's burst writes once a minute, as a browser does."""
    if not cache.add(f"traffic:robot:{key}", 1, getattr(settings, "TRAFFIC_TOUCH_SECONDS", 60)):
        return
    if batching():
        VISITS.add((key, VisitorKind.BOT, timezone.now()))
    else:
        write_or_drop(lambda: visit_record(key=key, kind=VisitorKind.BOT), what="a robot's visit")


class VisitCountingMiddleware:
    """After the view: count the visit when the response is a portal page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if counted_page(request, response):
            visit_count(request, response)
        return response
