"""The guests' page cache: every page a guest reads, rendered once and served from the cache.

A guest's plain GET (no session, no message waiting, not a preview) gets the same page as
every other guest but for a few bits that change per request: the article's counters, the
CSRF token of its forms, the script nonce of the Content-Security-Policy, and the side blocks
(visitor statistics, links; they have their own few seconds' cache). Such a page is rendered
once with placeholders for those bits (`request._portal_fill_later` tells the templates),
kept in Django's cache cut at its placeholders, and filled per request (`fill`).

Invalidation is by generation: every cached page's key carries the generation read when the
request began, and publishing, unpublishing, editing, moving or deleting a page, or changing
the site's settings, moves the generation (`pages_invalidate`, after the commit). Where the
cache named by `PORTAL_CACHE` (default "default") is shared by the app servers (Redis), the
generation lives there and a change is seen at once by every server. Where each process keeps
its own cache in memory (no PHONGTRAO_CACHE_URL), the generation lives in the database
(`PagesGeneration`), which each process reads at most once per PORTAL_GENERATION_SECONDS
(1 s): a change is seen at once by the process that made it, within that second by the others.

With a streaming replica, a page rendered right after a change may have read the replica
before the change reached it: a page rendered less than REPLICA_MAX_LAG_SECONDS after the
generation moved is served but not kept.

A page whose address has a query string (search results, a category's further pages, or any
made-up parameter) is kept only when asked twice within a page's lifetime: the first asking
leaves a mark of a few bytes, so random addresses cannot push the site's pages out.

The page is the same for a desktop and a mobile browser (one responsive template), so the
user agent is not part of the key; the response varies on Cookie, which says signed in or not.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import DEFAULT_DB_ALIAS, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
from django.template.response import SimpleTemplateResponse
from django.utils.cache import patch_vary_headers

from phongtrao.portal.models import PagesGeneration
from phongtrao.portal.traffic.templatetags.traffic_tags import SIDEBAR_PLACEHOLDER, sidebar_html

GENERATION_KEY = "portal:pages:generation"
QUERY_MAX = 256  # longer query strings are served, not cached
CSRF_PLACEHOLDER = "@@CSRF@@"
NONCE_PLACEHOLDER = "@@NONCE@@"
# The article's own placeholders, filled by the article view from its counters.
ARTICLE_PLACEHOLDERS = ("@@VIEWS@@", "@@COMMENTS@@", "@@RATING@@", "@@PERCENT@@")
_PLACEHOLDERS = re.compile(
    "("
    + "|".join(
        re.escape(p)
        for p in (*ARTICLE_PLACEHOLDERS, CSRF_PLACEHOLDER, NONCE_PLACEHOLDER, SIDEBAR_PLACEHOLDER)
    )
    + ")"
)
# Response headers of a cached page that are the request's own, set again on every request.
_OWN_HEADERS = {"set-cookie", "vary", "content-length"}


def page_cache() -> BaseCache:
    """The cache that keeps the guests' pages and their generation (PORTAL_CACHE)."""
    return caches[settings.PORTAL_CACHE]


def page_seconds() -> int:
    """How long a page is kept at most (PORTAL_PAGE_CACHE_SECONDS, default 60; 0: no cache)."""
    return int(settings.PORTAL_PAGE_CACHE_SECONDS)


def shared(cache: BaseCache) -> bool:
    """Whether every app process reads and writes the same cache (Redis), rather than its own."""
    return not isinstance(cache, LocMemCache | DummyCache)


def generation_seconds() -> float:
    """How long a process trusts the generation it last read from the database (without a
    shared cache): PORTAL_GENERATION_SECONDS, default 1; 0 reads it on every request."""
    return float(settings.PORTAL_GENERATION_SECONDS)


def new_generation(*, moved: bool = True) -> str:
    """A fresh generation: a random token and the time the pages changed (for `settled`);
    0 for a first generation, which follows no change."""
    return f"{secrets.token_hex(6)}.{time.time() if moved else 0:.3f}"


# The generation this process last read from the database, and when (monotonic seconds).
_database_generation: dict[str, tuple[float, str]] = {}


def generation_from_database() -> str:
    """The generation's row, read at most once per `generation_seconds()` by this process; made
    when missing (a database just flushed)."""
    now = time.monotonic()
    known = _database_generation.get("value")
    if known is not None and now - known[0] < generation_seconds():
        return known[1]
    rows = PagesGeneration.objects.using(DEFAULT_DB_ALIAS)
    token = rows.filter(pk=1).values_list("token", flat=True).first()
    if token is None:
        token = rows.get_or_create(pk=1, defaults={"token": new_generation(moved=False)})[0].token
    _database_generation["value"] = (now, token)
    return token


def generation_known(request: HttpRequest) -> str | None:
    """The pages' generation as `generation(request)` would give it, or None where that would
    run a query (this process's reading of the database's row is older than
    `generation_seconds()`): the fast path (`phongtrao.portal.fastpath`) runs none."""
    known: str | None = getattr(request, "_portal_generation", None)
    if known is not None:
        return known
    if not shared(page_cache()):
        read = _database_generation.get("value")
        if read is None or time.monotonic() - read[0] >= generation_seconds():
            return None
    return generation(request)


def generation(request: HttpRequest | None = None) -> str:
    """The pages' current generation; read once per request when `request` is given."""
    known: str | None = getattr(request, "_portal_generation", None)
    if known is not None:
        return known
    cache = page_cache()
    if shared(cache):
        value = cache.get(GENERATION_KEY)
        if value is None:
            # Evicted or never set: start one (another process may have just done so).
            cache.add(GENERATION_KEY, new_generation(moved=False), None)
            value = cache.get(GENERATION_KEY) or "0"
    else:
        value = generation_from_database()
    if request is not None:
        request._portal_generation = str(value)  # type: ignore[attr-defined]
    return str(value)


def settled(value: str) -> bool:
    """Whether a page rendered under this generation may be kept: always without replica
    reads; with them, once REPLICA_MAX_LAG_SECONDS have passed since the generation moved (the
    replica has had time to receive the change)."""
    if "replica" not in settings.DATABASES or not settings.REPLICA_READS:
        return True
    _, _, made = value.partition(".")
    try:
        return time.time() - float(made) >= float(settings.REPLICA_MAX_LAG_SECONDS)
    except ValueError:
        return True


def pages_invalidate() -> None:
    """Move the generation: every guest page cached so far is rendered again when next read,
    on every app server sharing the cache (by every process within `generation_seconds()`
    when each keeps its own)."""
    value = new_generation()
    cache = page_cache()
    if shared(cache):
        cache.set(GENERATION_KEY, value, None)
    else:
        PagesGeneration.objects.using(DEFAULT_DB_ALIAS).update_or_create(
            pk=1, defaults={"token": value}
        )
        _database_generation["value"] = (time.monotonic(), value)


def pages_invalidate_on_commit() -> None:
    """Move the generation now and again once the current transaction commits: a request
    that read the old content between the two would have kept it under the first new
    generation."""
    pages_invalidate()
    transaction.on_commit(pages_invalidate)


def generation_forget() -> None:
    """Forget the generation this process read from the database (as a new process would)."""
    _database_generation.clear()


def guest_cacheable(request: HttpRequest) -> bool:
    """A guest's plain GET with no session and no message waiting: the page is the same for
    every such reader but for its placeholders."""
    return (
        request.method == "GET"
        and page_seconds() > 0
        and not getattr(request, "is_preview", False)
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
        and len(request.META.get("QUERY_STRING", "")) <= QUERY_MAX
    )


def _address_digest(request: HttpRequest) -> str:
    address = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    return hashlib.blake2b(address.encode(), digest_size=16).hexdigest()


def page_key(request: HttpRequest, extra: str = "") -> str:
    """The cache key of the request's page in the current generation."""
    return f"portal:page:{generation(request)}:{_address_digest(request)}:{extra}"


def parts_of(html: str) -> list[str]:
    """The page cut at its placeholders: text, placeholder, text, ... (odd items)."""
    return _PLACEHOLDERS.split(html)


_CSRF_INDEX = {char: index for index, char in enumerate(CSRF_ALLOWED_CHARS)}
_CSRF_BASE = len(CSRF_ALLOWED_CHARS)  # 62
_CSRF_BYTES_BELOW = 256 - 256 % _CSRF_BASE  # 248: the bytes that fall evenly modulo 62


def _random_chars(count: int) -> str:
    """`count` characters drawn uniformly from CSRF_ALLOWED_CHARS from the system's random
    source, as Django's get_random_string draws them, but in one read rather than one per
    character: a byte below 248 taken modulo 62, the others left out."""
    chars, base, below = CSRF_ALLOWED_CHARS, _CSRF_BASE, _CSRF_BYTES_BELOW
    drawn: list[str] = []
    while len(drawn) < count:
        drawn += [chars[byte % base] for byte in os.urandom(count + 8) if byte < below]
    return "".join(drawn[:count])


def csrf_token(request: HttpRequest) -> str:
    """Django's get_token(request): the browser's CSRF secret (a new one when it has none),
    sent again by CsrfViewMiddleware, masked with a new mask as Django masks it. Drawing the
    64 random characters one by one (get_random_string) was a third of a guest's hit."""
    meta = request.META
    secret = meta.get("CSRF_COOKIE")
    if secret is None:
        secret = _random_chars(CSRF_SECRET_LENGTH)
        meta["CSRF_COOKIE"] = secret
    meta["CSRF_COOKIE_NEEDS_UPDATE"] = True
    mask = _random_chars(CSRF_SECRET_LENGTH)
    chars, index, base = CSRF_ALLOWED_CHARS, _CSRF_INDEX, _CSRF_BASE
    pairs = zip(secret, mask, strict=True)
    return mask + "".join(chars[(index[s] + index[m]) % base] for s, m in pairs)


def fill(
    parts: list[str],
    request: HttpRequest,
    values: Mapping[str, str] | None = None,
    sidebar: str | None = None,
) -> str:
    """The page with this request's bits in its placeholders; `values` has the article's,
    `sidebar` the side blocks when the caller has them already."""
    filled = parts.copy()
    token = ""
    for index in range(1, len(filled), 2):
        name = filled[index]
        if name == SIDEBAR_PLACEHOLDER:
            filled[index] = sidebar if sidebar is not None else sidebar_html()
        elif name == CSRF_PLACEHOLDER:
            # One masked token for the page's forms (each masking draws 32 random characters).
            token = token or csrf_token(request)
            filled[index] = token
        elif name == NONCE_PLACEHOLDER:
            filled[index] = str(getattr(request, "csp_nonce", ""))
        else:
            filled[index] = (values or {}).get(name, "")
    return "".join(filled)


Kept = tuple[list[tuple[str, str]], list[str]]  # a cached page: its headers, its parts

# What the fast path (`phongtrao.portal.fastpath`) must find unchanged in this process's memos
# before it serves a page again: (kind, url_path, extra). "view": a view of the portal's own
# (search, RSS, sitemap, print); "page": a page of the tree at `url_path` ("" for a site's
# home) that is no article; "article": the article at `url_path`, kept under `extra`.
Conditions = tuple[str, str, str]
VIEW: Conditions = ("view", "", "")


@dataclass(frozen=True, slots=True)
class Served:
    """A guest's page as this request's slow path served it from the guests' cache (or kept
    it there): for the fast path to serve the next request of the address the same way."""

    key: str
    generation: str
    parts: list[str]
    conditions: Conditions


def served(request: HttpRequest) -> Served | None:
    """What the guests' cache gave this request, if it gave it anything."""
    return getattr(request, "_portal_served", None)


def _note_served(
    request: HttpRequest, key: str, parts: list[str], conditions: Conditions | None
) -> None:
    if conditions is not None:
        request._portal_served = Served(  # type: ignore[attr-defined]
            key, generation(request), parts, conditions
        )


def cached(request: HttpRequest, extra: str = "") -> Kept | None:
    """The guests' cached page of the request (see guest_cacheable), or None."""
    kept: Kept | None = page_cache().get(page_key(request, extra))
    return kept


def response_from(
    kept: Kept,
    request: HttpRequest,
    values: Mapping[str, str] | None = None,
    *,
    extra: str = "",
    conditions: Conditions | None = None,
) -> HttpResponse:
    """The response of a cached page, filled for this request."""
    headers, parts = kept
    response = HttpResponse(fill(parts, request, values))
    for name, value in headers:
        response[name] = value
    response["X-Portal-Cache"] = "hit"
    patch_vary_headers(response, ["Cookie"])
    _note_served(request, page_key(request, extra), parts, conditions)
    return response


def for_guest(
    request: HttpRequest,
    render: Callable[[], HttpResponseBase],
    *,
    extra: str = "",
    values: Mapping[str, str] | None = None,
    conditions: Conditions | None = VIEW,
) -> HttpResponseBase:
    """The response of `render()`, from the guests' page cache when the request is a guest's
    (see guest_cacheable); rendered and kept there when missing. Any response rendered with
    placeholders is filled before it leaves; only a 200 page is kept. `conditions`: what the
    fast path must check before it serves the page again (None: it does not)."""
    if not guest_cacheable(request):
        return render()
    kept = cached(request, extra)
    if kept is not None:
        return response_from(kept, request, values, extra=extra, conditions=conditions)
    cache = page_cache()
    key = page_key(request, extra)
    # Only this rendering leaves placeholders: not an error page rendered after it.
    request._portal_fill_later = True  # type: ignore[attr-defined]
    try:
        response = render()
        if isinstance(response, SimpleTemplateResponse):
            response.render()
    finally:
        request._portal_fill_later = False  # type: ignore[attr-defined]
    if response.streaming or not isinstance(response, HttpResponse):
        return response
    parts = parts_of(response.content.decode(response.charset))
    if (
        response.status_code == 200
        and not response.cookies
        and settled(generation(request))
        and asked_before(request, cache)
    ):
        headers = [(k, v) for k, v in response.items() if k.lower() not in _OWN_HEADERS]
        cache.set(key, (headers, parts), page_seconds())
        asked_again(request, cache)
        _note_served(request, key, parts, conditions)
    response.content = fill(parts, request, values).encode(response.charset)
    response["X-Portal-Cache"] = "miss"
    patch_vary_headers(response, ["Cookie"])
    return response


def _asked_key(request: HttpRequest) -> str:
    # Whatever the generation: whether an address is asked for is not the pages' content.
    return f"portal:asked:{_address_digest(request)}"


def asked_before(request: HttpRequest, cache: BaseCache) -> bool:
    """Whether a page may be kept: always without a query string; with one, when the same
    address was asked earlier in the page's lifetime (the first asking leaves a mark), or
    was kept in the lifetime before (`asked_again`)."""
    if not request.META.get("QUERY_STRING"):
        return True
    return not cache.add(_asked_key(request), 1, page_seconds())


def asked_again(request: HttpRequest, cache: BaseCache) -> None:
    """A page with a query string just kept: its mark outlives it by a lifetime, so that the
    page is kept again on the first asking after it expires or after a publication (the
    mark had expired with the page: each such page was rendered twice a lifetime)."""
    if request.META.get("QUERY_STRING"):
        cache.set(_asked_key(request), 1, 2 * page_seconds())


def cached_for_guests(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """A view (or a callable view object, such as a feed) served through the guests' cache."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return for_guest(request, lambda: view(request, *args, **kwargs))

    return wrapped
