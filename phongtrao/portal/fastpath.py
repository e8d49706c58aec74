"""Guests' cache hits answered before the middleware chain, URL resolving and the view.

A guest's page served from the guests' page cache (`pagecache`) costs little in the view, but
the request first goes through 15 middlewares and Django's URL resolving, and its response
back through them: most of a hit's time. `GuestHitsMiddleware`, first in MIDDLEWARE, keeps
per address what the slow path last served from the cache (or kept there): the page's parts,
its final headers (every middleware's, Content-Security-Policy included, its nonce marked),
and what the slow path checked to serve it (`pagecache.Conditions`). The next guest GET of
the address is answered at once when every memo the slow path would read is fresh and
agrees, with no query:

- the pages' generation (`pagecache.generation_known`), and the cache still holding the page
  under it (so that clearing or expiring the cache, or a publication, reaches the fast path);
- for a page of the tree, the request's site as kept under that generation, with no view
  restriction anywhere (`views.sites_known`), and the page at that address still no article;
- for an article, the article at that address and its counters as this process knows them
  (`models.article_known`, `counters_known`), under the same published version and approved
  comments as the page kept;
- the side blocks in their own cache.

The page is filled for the request as the slow path fills it (its counters, CSRF token,
script nonce, side blocks); the article's view and the visit are counted by the same
functions, the "seen" and visitor cookies set by them, and the CSRF cookie sent as
CsrfViewMiddleware sends it. Anything else (a session or message cookie, another method, a
body, an address not served from the cache yet, a memo out of date) goes the usual way, which
refreshes the memos.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.middleware.csrf import CsrfViewMiddleware

from phongtrao.portal import pagecache, views
from phongtrao.portal.models import ArticlePage, Counters, article_known, counters_known
from phongtrao.portal.traffic.middleware import VISITOR_COOKIE, counted_page, visit_count
from phongtrao.portal.traffic.templatetags.traffic_tags import SIDEBAR_PLACEHOLDER, sidebar_cached

# Where the request's script nonce stood in a kept header (CSP): no header value holds it.
NONCE_MARK = "\x00nonce\x00"
# The cookies the slow path may set on a guest's page: the fast path sets them the same way.
_OWN_COOKIES = frozenset({VISITOR_COOKIE, views.SEEN_COOKIE})
# Headers of the slow path's response that are the request's own.
_NOT_KEPT = frozenset({"content-length", "x-portal-cache"})
# Addresses kept per process (each with its page): beyond, the oldest is dropped.
KEPT_MAX = 256


@dataclass(frozen=True, slots=True)
class Remembered:
    """What the slow path served at one address, and under what."""

    served: pagecache.Served
    content_type: str
    headers: list[tuple[str, str]]  # the final ones, the nonce marked (NONCE_MARK)
    nonce: bool  # the page or a header carries the script nonce
    csrf: bool  # the page carries a CSRF token
    sidebar: bool  # the page carries the side blocks


_pages: dict[tuple[str, str, str], Remembered] = {}


def forget() -> None:
    """Forget every address kept by this process."""
    _pages.clear()


def _address(request: HttpRequest) -> tuple[str, str, str]:
    return str(request.scheme), request.get_host(), request.get_full_path()


def _plain_guest_get(request: HttpRequest) -> bool:
    """A guest's GET the guests' cache would answer (see `pagecache.guest_cacheable`), with
    no body."""
    meta = request.META
    return (
        request.method == "GET"
        and meta.get("CONTENT_LENGTH", "") in ("", "0")
        and "HTTP_TRANSFER_ENCODING" not in meta
        and pagecache.guest_cacheable(request)
    )


def remember(request: HttpRequest, response: HttpResponseBase) -> None:
    """Keep what the slow path just served from the guests' cache for this address."""
    served = pagecache.served(request)
    if (
        served is None
        or not isinstance(response, HttpResponse)
        or response.status_code != 200
        or not set(response.cookies) <= _OWN_COOKIES | {settings.CSRF_COOKIE_NAME}
        or not _plain_guest_get(request)
    ):
        return
    nonce = str(getattr(request, "_csp_nonce", None) or "")
    headers = [
        (name, value.replace(nonce, NONCE_MARK) if nonce else value)
        for name, value in response.items()
        if name.lower() not in _NOT_KEPT
    ]
    parts = served.parts
    placeholders = set(parts[1::2])
    page = Remembered(
        served=served,
        content_type=response["Content-Type"],
        headers=headers,
        nonce=pagecache.NONCE_PLACEHOLDER in placeholders
        or any(NONCE_MARK in value for _, value in headers),
        csrf=pagecache.CSRF_PLACEHOLDER in placeholders,
        sidebar=SIDEBAR_PLACEHOLDER in placeholders,
    )
    address = _address(request)
    if address not in _pages and len(_pages) >= KEPT_MAX:
        try:
            del _pages[next(iter(_pages))]
        except (KeyError, RuntimeError, StopIteration):  # another thread got there first
            pass
    _pages[address] = page


def _csrf_middleware(request: HttpRequest) -> HttpResponse:
    raise AssertionError("only its process_request and process_response are called")


_CSRF = CsrfViewMiddleware(_csrf_middleware)


def hit(request: HttpRequest) -> HttpResponse | None:
    """The guest's page of this request from what the slow path served at its address, or
    None when the slow path must answer (see the module's description)."""
    if not _plain_guest_get(request):
        return None
    page = _pages.get(_address(request))
    if page is None:
        return None
    served = page.served
    generation = pagecache.generation_known(request)
    if generation is None or generation != served.generation:
        return None
    kind, url_path, extra = served.conditions
    article = counters = None
    if kind == "page":
        if not views.sites_known(request, generation):
            return None
        if url_path and article_known(url_path, generation) != (True, None):
            return None
    elif kind == "article":
        known, article = article_known(url_path, generation)
        if not known or article is None or not views.sites_known(request, generation):
            return None
        counters = counters_known(article.pk)
        if counters is None or views.article_extra(article, counters) != extra:
            return None
    if not pagecache.page_cache().has_key(served.key):
        return None
    sidebar = sidebar_cached() if page.sidebar else None
    if page.sidebar and sidebar is None:
        return None
    return _response(request, page, article, counters, sidebar)


def _response(
    request: HttpRequest,
    page: Remembered,
    article: ArticlePage | None,
    counters: Counters | None,
    sidebar: str | None,
) -> HttpResponse:
    request._portal_fast = True  # type: ignore[attr-defined]  # for the tests
    values = None
    if article is not None:
        counters = views.article_count_view(request, article, counters)
        values = views.article_values(counters)
    nonce = ""
    if page.nonce:
        # As django-csp makes it (CSPMiddleware._make_nonce).
        nonce = base64.b64encode(os.urandom(16)).decode("ascii")
        request._csp_nonce = nonce  # type: ignore[attr-defined]
        request.csp_nonce = nonce  # type: ignore[attr-defined]
    if page.csrf:
        _CSRF.process_request(request)
    response = HttpResponse(
        pagecache.fill(page.served.parts, request, values, sidebar),
        content_type=page.content_type,
    )
    for name, value in page.headers:
        response[name] = value.replace(NONCE_MARK, nonce) if nonce else value
    response["X-Portal-Cache"] = "hit"
    response["Content-Length"] = str(len(response.content))
    if article is not None:
        views.article_remember_seen(request, response, article)
    if counted_page(request, response):
        visit_count(request, response)
    if page.csrf:
        _CSRF.process_response(request, response)
    return response


class GuestHitsMiddleware:
    """First in MIDDLEWARE: a guest's cache hit answered at once (`hit`); otherwise the
    usual way, whose page, when it came from the guests' cache, is kept for the next
    (`remember`)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response: HttpResponseBase | None = hit(request)
        if response is not None:
            return response
        response = self.get_response(request)
        remember(request, response)
        return response
