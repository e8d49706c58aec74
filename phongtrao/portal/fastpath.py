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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler, get_script_name
from django.core.signals import request_finished, request_started
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.middleware.csrf import CsrfViewMiddleware
from django.urls import set_script_prefix

from phongtrao.batched import BUFFERS, batching
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
    # The page's text encoded once (even items), its placeholders' names between (odd items).
    chunks: tuple[bytes | str, ...]
    charset: str
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
    charset = response.charset
    page = Remembered(
        served=served,
        chunks=tuple(
            part if index % 2 else part.encode(charset) for index, part in enumerate(parts)
        ),
        charset=charset,
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


@dataclass(frozen=True, slots=True)
class Found:
    """A page the fast path may answer with, and the article's state it was checked under."""

    page: Remembered
    article: ArticlePage | None
    counters: Counters | None
    sidebar: str | None


def hit(request: HttpRequest) -> HttpResponse | None:
    """The guest's page of this request from what the slow path served at its address, or
    None when the slow path must answer (see the module's description)."""
    found = find(request)
    return None if found is None else answer(request, found)


def find(request: HttpRequest) -> Found | None:
    """What `hit` answers with, checked and nothing done yet (no count, no cookie)."""
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
    return Found(page, article, counters, sidebar)


def answer(request: HttpRequest, found: Found) -> HttpResponse:
    """The page `find` found, filled for this request, its view and visit counted."""
    page, article, counters = found.page, found.article, found.counters
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
    body = _filled(page, request, values, found.sidebar, nonce)
    response = HttpResponse(body, content_type=page.content_type)
    for name, value in page.headers:
        response[name] = value.replace(NONCE_MARK, nonce) if nonce else value
    response["X-Portal-Cache"] = "hit"
    response["Content-Length"] = str(len(body))
    if article is not None:
        views.article_remember_seen(request, response, article)
    if counted_page(request, response):
        visit_count(request, response)
    if page.csrf:
        _CSRF.process_response(request, response)
    return response


# The side blocks' text last encoded by this process, and its bytes.
_sidebar_encoded: list[tuple[str, bytes]] = [("", b"")]


def _filled(
    page: Remembered,
    request: HttpRequest,
    values: dict[str, str] | None,
    sidebar: str | None,
    nonce: str,
) -> bytes:
    """The page's bytes with this request's bits in its placeholders, as `pagecache.fill`
    fills its text: the article's counters, one CSRF token, the script nonce, the side blocks."""
    chunks = list(page.chunks)
    charset = page.charset
    token = b""
    for index in range(1, len(chunks), 2):
        name = chunks[index]
        if name == SIDEBAR_PLACEHOLDER:
            text, encoded = _sidebar_encoded[0]
            if text != sidebar:
                text, encoded = str(sidebar), str(sidebar).encode(charset)
                _sidebar_encoded[0] = (text, encoded)
            chunks[index] = encoded
        elif name == pagecache.CSRF_PLACEHOLDER:
            token = token or pagecache.csrf_token(request).encode(charset)
            chunks[index] = token
        elif name == pagecache.NONCE_PLACEHOLDER:
            chunks[index] = nonce.encode(charset)
        else:
            chunks[index] = (values or {}).get(str(name), "").encode(charset)
    return b"".join(chunks)  # type: ignore[arg-type]


class GuestHitsMiddleware:
    """First in MIDDLEWARE: a guest's cache hit answered at once (`hit`), unless the handler
    tried already; otherwise the usual way, whose page, when it came from the guests' cache,
    is kept for the next (`remember`)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not getattr(request, "_portal_fast_tried", False):
            answered: HttpResponseBase | None = hit(request)
            if answered is not None:
                return answered
        response = self.get_response(request)
        remember(request, response)
        return response


class _Answer:
    """A hit's body for the server when a batch of counts is due: when the server closes it,
    Django's `request_finished` is sent, which writes the batch, as the slow path's would."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def __iter__(self) -> Iterator[bytes]:
        return iter((self.body,))

    def close(self) -> None:
        request_finished.send(sender=GuestHitsHandler)


class GuestHitsHandler(WSGIHandler):
    """Django's WSGI handler, answering a guest's cache hit before anything else: before
    `request_started` (the connections' checks) and the middleware chain, since a hit runs no
    query when counts are written in batches (`phongtrao.batched`; with COUNTS_FLUSH_SECONDS
    0 a hit writes its counts, and is answered by `GuestHitsMiddleware` instead)."""

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if not batching() or environ.get("REQUEST_METHOD") != "GET":
            return super().__call__(environ, start_response)
        set_script_prefix(get_script_name(environ))
        request = self.request_class(environ)
        try:
            found = find(request)
        except Exception:  # noqa: BLE001  # the usual way answers it (a host not allowed: 400)
            found = None
        if found is None:
            request._portal_fast_tried = True  # type: ignore[attr-defined]
            return self._usual(request, environ, start_response)
        response = answer(request, found)
        start_response(
            f"{response.status_code} {response.reason_phrase}",
            [
                *response.items(),
                *(("Set-Cookie", c.output(header="")) for c in response.cookies.values()),
            ],
        )
        if any(buffer.due() for buffer in BUFFERS):
            return _Answer(response.content)
        # A list: the server sends it at once (granian's bytes response, no iteration).
        return [response.content]

    def _usual(
        self, request: HttpRequest, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Any:
        """WSGIHandler.__call__ with the request already made."""
        request_started.send(sender=self.__class__, environ=environ)
        response = self.get_response(request)
        response._handler_class = self.__class__  # type: ignore[attr-defined]
        start_response(
            f"{response.status_code} {response.reason_phrase}",
            [
                *response.items(),
                *(("Set-Cookie", c.output(header="")) for c in response.cookies.values()),
            ],
        )
        if getattr(response, "file_to_stream", None) is not None and environ.get(
            "wsgi.file_wrapper"
        ):
            # As Django does: the server closes the wrapper, which closes the response.
            response.file_to_stream.close = response.close  # type: ignore[attr-defined]
            return environ["wsgi.file_wrapper"](response.file_to_stream, response.block_size)  # type: ignore[attr-defined]
        return response
