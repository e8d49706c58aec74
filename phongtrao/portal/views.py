"""The portal's views: the article page's counting and context, rating, comments, print, search.

Anonymous readers get no database session: the articles already counted in this browser
session are kept in a signed session cookie, and the reader's identity for rating and the
comment rate limit is a random id in another signed session cookie.
"""

from __future__ import annotations

import math
import re
import secrets
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import replace
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.http.request import split_domain_port
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST
from wagtail import hooks
from wagtail.models import Page, Site
from wagtail.wagtail_hooks import check_view_restrictions

from phongtrao.accounts.access import access_unit
from phongtrao.batched import CountBuffer, batching
from phongtrao.busy import write_or_drop
from phongtrao.portal import pagecache, selectors, services
from phongtrao.portal.forms import CommentForm
from phongtrao.portal.models import ArticlePage, Comment, Counters, article_at, state_seconds
from phongtrao.portal.services import PortalError
from phongtrao.portal.traffic.bots import is_bot
from phongtrao.vn import format_dateline, format_number

SEEN_COOKIE = "pt_seen"
# The articles' views of this process's requests, written in batches (phongtrao.batched).
VIEWS: CountBuffer[int] = CountBuffer(
    lambda article_ids: services.article_views_add(article_ids=article_ids), what="views"
)
READER_COOKIE = "pt_reader"
SEEN_KEEP = 100  # the most recent articles remembered per browser session
_SALT = "phongtrao.portal"


# ---------------------------------------------------------------------------------------------
# Serving the page tree

# The sites and their home pages, as of the state of their rows (see _site_for_request).
_sites: dict[Any, Any] = {}
_UNKNOWN = object()
# The last column says whether any page has a view restriction (private, password, groups).
_SITES_STATE_SQL = (
    "SELECT s.id, s.hostname, s.port, s.site_name, s.root_page_id, s.is_default_site, "
    "p.live, p.last_published_at, p.latest_revision_id, "
    "EXISTS (SELECT 1 FROM wagtailcore_pageviewrestriction) "
    "FROM wagtailcore_site s JOIN wagtailcore_page p ON p.id = s.root_page_id ORDER BY s.id"
)


def site_cache_clear() -> None:
    """Forget the sites this process keeps."""
    _sites.clear()


def _site_for_request(request: HttpRequest) -> tuple[Any, bool]:
    """The Wagtail site of the request, with its home page object, reused by this process;
    and whether any page has a view restriction.

    Wagtail looks the site up (one query) and loads its home page (another) on every
    request; the portal's pages are the hot path, so both are kept while one plain query,
    run at most once per `state_seconds()` and whenever the guests' pages' generation moved,
    says that no site and no home page changed. The query and the objects kept are read on
    the primary (as in `article_at`): a site or home page read from a lagging replica would
    be kept, stale, under the new state.
    """
    now = time.monotonic()
    generation = pagecache.generation(request)
    if (
        now - _sites.get("checked", -math.inf) >= state_seconds()
        or _sites.get("generation") != generation
    ):
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute(_SITES_STATE_SQL)
            rows = cursor.fetchall()
        state = tuple(tuple(row[:-1]) for row in rows)
        if _sites.get("state") != state:
            _sites.clear()
            _sites["state"] = state
        _sites["restricted"] = any(row[-1] for row in rows)
        _sites["checked"] = now
        _sites["generation"] = generation
    key = (split_domain_port(request.get_host())[0], request.get_port())
    # Read once into locals: another thread may clear the dictionary meanwhile.
    site = _sites.get(key, _UNKNOWN)
    if site is _UNKNOWN:
        # Inside a transaction on the primary, the replica router leaves reads there; SQLite
        # has no replica, and a transaction there would wait for its one writer.
        primary = connections[DEFAULT_DB_ALIAS]
        pinned = (
            transaction.atomic(using=DEFAULT_DB_ALIAS)
            if primary.vendor != "sqlite"
            else nullcontext()
        )
        with pinned:
            site = Site.find_for_request(request)
            if site is not None:
                site.root_page = site.root_page.specific
        _sites[key] = site
    return site, bool(_sites.get("restricted", True))


def serve(request: HttpRequest, path: str) -> HttpResponseBase:
    """Wagtail's page serving (wagtail.views.serve), made cheaper for the portal's pages.

    The site and its home page are reused for a while (see _site_for_request), and Wagtail's
    view-restriction check (two queries per page) runs only when some page has a
    restriction at all, which the same query tells. Every other hook runs as in Wagtail.
    Guests get the home and category pages from the guests' page cache (`pagecache`; with
    a restriction anywhere, none is cached); an article page counts its view first, so it
    uses the cache itself (ArticlePage.serve).
    """
    site, check_restrictions = _site_for_request(request)
    request._wagtail_site = site  # type: ignore[attr-defined]
    if check_restrictions or site is None or not pagecache.guest_cacheable(request):
        return _serve_page(request, path, check_restrictions)
    url_path = site.root_page.url_path + path if path else ""
    if path:
        article = article_at(url_path, pagecache.generation(request))
        request._portal_article_at = article  # type: ignore[attr-defined]  # for route
        if article is not None:
            request._portal_url_path = url_path  # type: ignore[attr-defined]  # for article_serve
            return _serve_page(request, path, False)
    return pagecache.for_guest(
        request, lambda: _serve_page(request, path, False), conditions=("page", url_path, "")
    )


def sites_known(request: HttpRequest, generation: str) -> bool:
    """Whether `serve` would find, without a query, the request's site as this process kept
    it under this generation, and no page with a view restriction: what the fast path
    (`phongtrao.portal.fastpath`) checks before it serves a page of the tree again."""
    return (
        time.monotonic() - _sites.get("checked", -math.inf) < state_seconds()
        and _sites.get("generation") == generation
        and _sites.get("restricted") is False
        and _sites.get((split_domain_port(request.get_host())[0], request.get_port())) is not None
    )


def _serve_page(request: HttpRequest, path: str, check_restrictions: bool) -> HttpResponseBase:
    route = Page.route_for_request(request, path)
    if route is None:
        raise Http404
    page, args, kwargs = route

    def chain(page: Any, request: HttpRequest, args: Any, kwargs: Any) -> HttpResponseBase:
        response: HttpResponseBase = page.serve(request, *args, **kwargs)
        return response

    for wrap in reversed(hooks.get_hooks("on_serve_page")):
        if wrap is check_view_restrictions and not check_restrictions:
            continue
        chain = wrap(chain)
    for hook in hooks.get_hooks("before_serve_page"):
        result = hook(page, request, args, kwargs)
        if isinstance(result, HttpResponseBase):
            return result
    return chain(page, request, args, kwargs)


# ---------------------------------------------------------------------------------------------
# Who is reading


def _seen(request: HttpRequest) -> list[int]:
    raw = request.get_signed_cookie(SEEN_COOKIE, default="", salt=_SALT) or ""
    return [int(part) for part in raw.split(".") if part.isdigit()]


def reader_key(request: HttpRequest) -> str:
    """ "u:<id>" for a signed-in member, "s:<random id>" for this guest's browser session."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"u:{user.pk}"
    token = request.get_signed_cookie(READER_COOKIE, default="", salt=_SALT)
    if not token:
        token = getattr(request, "_portal_new_reader", "") or secrets.token_urlsafe(16)
        request._portal_new_reader = token  # type: ignore[attr-defined]
    return f"s:{token}"


def _set_session_cookie(response: HttpResponseBase, name: str, value: str) -> None:
    # No max_age: the cookie ends with the browser session, like NukeViet's view counter.
    response.set_signed_cookie(
        name,
        value,
        salt=_SALT,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def _remember_reader(request: HttpRequest, response: HttpResponseBase) -> None:
    token = getattr(request, "_portal_new_reader", "")
    if token:
        _set_session_cookie(response, READER_COOKIE, token)


# ---------------------------------------------------------------------------------------------
# The article page (served by Wagtail; these are called from ArticlePage)


def article_count_view(
    request: HttpRequest, article: ArticlePage, read: Counters | None = None
) -> Counters:
    """Count this view unless this browser session saw the article already or a robot asks.
    `read`: the article's counters as this request already read them (not read again)."""
    counters: Counters

    def current() -> Counters:
        return read if read is not None else selectors.article_counters(article.pk)

    if (
        request.method == "GET"
        and not getattr(request, "is_preview", False)
        and not is_bot(request.META.get("HTTP_USER_AGENT", ""))
        and article.pk not in _seen(request)
    ):
        if batching():
            VIEWS.add(article.pk)
            request._portal_counted = True  # type: ignore[attr-defined]
            counters = current()
            # Shown with this process's views not yet written, this request's among them.
            counters = replace(counters, views=counters.views + VIEWS.pending(article.pk))
            request._portal_counters = counters  # type: ignore[attr-defined]
            return counters
        added = write_or_drop(
            lambda: services.article_view_add(article_id=article.pk), what="a view counted"
        )
        if added is None:  # the database is busy: the page is served, the view not counted
            counters = current()
        else:
            counters = added
            request._portal_counted = True  # type: ignore[attr-defined]
    else:
        counters = current()
    request._portal_counters = counters  # type: ignore[attr-defined]
    return counters


def article_remember_seen(
    request: HttpRequest, response: HttpResponseBase, article: ArticlePage
) -> None:
    if getattr(request, "_portal_counted", False):
        seen = [pk for pk in _seen(request) if pk != article.pk][-(SEEN_KEEP - 1) :]
        _set_session_cookie(response, SEEN_COOKIE, ".".join(map(str, [*seen, article.pk])))


def rating_text(counters: Counters) -> str:
    return (
        f"Tổng số điểm của bài viết là: {format_number(counters.rating_total)} "
        f"trong {format_number(counters.rating_count)} đánh giá"
    )


def rating_average(counters: Counters) -> float:
    return counters.rating_total / counters.rating_count if counters.rating_count else 0.0


ARTICLE_SECONDS = 120


def _article_html(request: HttpRequest, article: ArticlePage, counters: Counters) -> str:
    """The article's part of the page, with placeholders for what changes per request (the
    counters and the CSRF token, see article_values): rendered once per published version,
    approved comments and generation of the guests' pages, and cached."""
    preview = bool(getattr(request, "is_preview", False))
    stamp = article.last_published_at.timestamp() if article.last_published_at else 0
    key = (
        f"portal:article:{pagecache.generation(request)}:{article.pk}:{stamp}:"
        f"{counters.comments_version}"
    )
    html: str | None = None if preview else cache.get(key)
    if html is None:
        newer, older = selectors.article_related(article)
        html = render_to_string(
            "portal/includes/article_full.html",
            {
                "page": article,
                "request": request if preview else None,
                "dateline": format_dateline(article.published_at),
                "newer": newer,
                "older": older,
                "comments": selectors.article_comments(article.pk, counters.comments_version),
                "stars": range(1, 6),
            },
        )
        if not preview:
            cache.set(key, html, ARTICLE_SECONDS)
    return html


def article_values(counters: Counters) -> dict[str, str]:
    """What the article's own placeholders stand for: its counters as shown."""
    return {
        "@@VIEWS@@": format_number(counters.views),
        "@@COMMENTS@@": format_number(counters.comment_count),
        "@@RATING@@": rating_text(counters),
        "@@PERCENT@@": str(round(rating_average(counters) * 20)),
    }


def _counters_of(request: HttpRequest, article: ArticlePage) -> Counters:
    counters: Counters | None = getattr(request, "_portal_counters", None)
    return counters if counters is not None else selectors.article_counters(article.pk)


def article_context(request: HttpRequest, article: ArticlePage) -> dict[str, Any]:
    """What the article template shows: the article part (see _article_html), filled in
    unless the whole page is being rendered for the guests' page cache."""
    counters = _counters_of(request, article)
    html = _article_html(request, article, counters)
    if not getattr(request, "_portal_fill_later", False):
        html = pagecache.fill(pagecache.parts_of(html), request, article_values(counters))
    return {"counters": counters, "article_html": mark_safe(html)}  # noqa: S308


def article_extra(article: ArticlePage, counters: Counters) -> str:
    """What the article's key in the guests' cache carries besides its address: its published
    version and its approved comments' version."""
    stamp = article.last_published_at.timestamp() if article.last_published_at else 0
    return f"{article.pk}:{stamp}:{counters.comments_version}"


def _conditions(request: HttpRequest, extra: str) -> pagecache.Conditions | None:
    """What the fast path checks before it serves this article again: its address in the
    tree (as `serve` looked it up) and its key's `extra`; None when reached another way."""
    url_path: str | None = getattr(request, "_portal_url_path", None)
    return None if url_path is None else ("article", url_path, extra)


def article_from_cache(request: HttpRequest, article: ArticlePage) -> HttpResponseBase | None:
    """A guest's article page from the guests' cache (see pagecache) with its view counted
    and its counters filled in; None when the page is not kept (nothing counted then).
    No query while this process knows the article's counters (see selectors.article_counters)
    and counts in batches."""
    read = selectors.article_counters(article.pk)
    extra = article_extra(article, read)
    kept = pagecache.cached(request, extra)
    if kept is None:
        return None
    counters = article_count_view(request, article, read)
    response = pagecache.response_from(
        kept, request, article_values(counters), extra=extra, conditions=_conditions(request, extra)
    )
    article_remember_seen(request, response, article)
    return response


def article_serve(
    request: HttpRequest, article: ArticlePage, render: Callable[[], HttpResponseBase]
) -> HttpResponseBase:
    """The article page: the view counted, then the page, a guest's from the guests' page
    cache (see pagecache) under the article's published version and approved comments as
    well as the generation, so that a new version or an approved comment shows at once on
    every server; its counters, CSRF token and side blocks filled per request."""
    if pagecache.guest_cacheable(request):
        response = article_from_cache(request, article)
        if response is not None:
            return response
    counters = article_count_view(request, article)
    extra = article_extra(article, counters)
    response = pagecache.for_guest(
        request,
        render,
        extra=extra,
        values=article_values(counters),
        conditions=_conditions(request, extra),
    )
    article_remember_seen(request, response, article)
    return response


# ---------------------------------------------------------------------------------------------
# Rating and comments


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _live_article(page_id: int) -> ArticlePage:
    article: ArticlePage = get_object_or_404(ArticlePage.objects.live(), pk=page_id)
    return article


@require_POST
def article_rate(request: HttpRequest, page_id: int) -> HttpResponse:
    """A reader's 1-5 mark: JSON for fetch(), a redirect back to the article for a plain form."""
    article = _live_article(page_id)
    voter = reader_key(request)
    score_text = request.POST.get("score", "")
    status = 200
    try:
        score = int(score_text) if score_text.isdigit() else 0
        counters = services.rating_add(article=article, voter=voter, score=score)
        message, ok = "Cảm ơn bạn đã đánh giá bài viết.", True
    except PortalError as error:
        counters = selectors.article_counters(article.pk)
        message, ok = str(error), False
        status = 409 if isinstance(error, services.AlreadyRated) else 400
    response: HttpResponse
    if _wants_json(request):
        average = rating_average(counters)
        response = JsonResponse(
            {
                "ok": ok,
                "message": message,
                "text": rating_text(counters),
                "total": counters.rating_total,
                "count": counters.rating_count,
                "percent": round(average * 20),
            },
            status=status,
        )
    else:
        (messages.success if ok else messages.error)(request, message)
        response = redirect(f"{article.url}#danh-gia")
    _remember_reader(request, response)
    return response


def _client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


@require_POST
def article_comment(request: HttpRequest, page_id: int) -> HttpResponse:
    """A reader's comment; guests' wait for moderation. JSON for fetch(), else a redirect."""
    article = _live_article(page_id)
    form = CommentForm(request.POST)
    ok, held = False, False
    if not form.is_valid():
        message = " ".join(str(e) for errors in form.errors.values() for e in errors)
    else:
        try:
            comment = services.comment_post(
                article=article,
                name=form.cleaned_data["name"],
                body=form.cleaned_data["body"],
                user=request.user,
                ip_address=_client_ip(request),
                sender=reader_key(request),
            )
            ok, held = True, not comment.approved
            message = (
                "Bình luận của bạn đã được gửi và đang chờ duyệt. "
                "Bình luận sẽ hiển thị sau khi ban biên tập duyệt."
                if held
                else "Bình luận của bạn đã được đăng."
            )
        except PortalError as error:
            message = str(error)
    response: HttpResponse
    if _wants_json(request):
        response = JsonResponse(
            {"ok": ok, "held": held, "message": message}, status=200 if ok else 400
        )
    else:
        (messages.success if ok else messages.error)(request, message)
        response = redirect(f"{article.url}#binh-luan")
    _remember_reader(request, response)
    return response


# ---------------------------------------------------------------------------------------------
# Print, search


def article_print(request: HttpRequest, page_id: int) -> HttpResponse:
    """A clean printable page of a published article."""
    article = _live_article(page_id)
    return render(
        request,
        "portal/article_print.html",
        {"page": article, "dateline": format_dateline(article.published_at)},
    )


def search(request: HttpRequest) -> TemplateResponse:
    """ "Tìm kiếm": published articles matching the words typed."""
    # Control characters (a NUL breaks SQLite's full-text query) are no words anyone types.
    query = "".join(c if c.isprintable() else " " for c in request.GET.get("q", "")[:200])
    results = selectors.articles_search(query, request.GET.get("trang"))
    return TemplateResponse(request, "portal/search.html", {"query": query, "results": results})


# ---------------------------------------------------------------------------------------------
# Publishing a report (the action on the report page)


@login_required
@require_POST
def report_publish(request: HttpRequest, unit_uid: str, period: str) -> HttpResponse:
    """Queue the draft article of the unit's report (a worker renders its PDF); open the
    draft in the editor's admin when it is already made."""
    unit = access_unit(request.user, unit_uid)
    try:
        article = services.article_from_report_queue(
            user=request.user, unit=unit, period_code=period
        )
    except PortalError as error:
        messages.error(request, str(error))
        return redirect("reports:page", unit_uid=unit.uid, period=period)
    if article is None:
        messages.success(
            request,
            "Đang dựng bản PDF và tạo bài viết nháp từ báo cáo. Sau ít phút, bài viết nháp có "
            "trong trang quản trị cổng thông tin (mục Tin tức - Sự kiện) để biên tập viên "
            "xem lại và xuất bản.",
        )
        return redirect("reports:page", unit_uid=unit.uid, period=period)
    messages.success(request, "Báo cáo này đã có bài viết nháp đang chờ xuất bản.")
    return redirect("wagtailadmin_pages:edit", article.pk)


# ---------------------------------------------------------------------------------------------
# The CMS: moderating one comment from the list


@require_POST
def comment_moderate(request: HttpRequest, comment_id: int) -> HttpResponse:
    """ "Duyệt" / "Từ chối" on a row of the CMS's comment list; back to the list."""
    if not request.user.is_authenticated or not request.user.has_perm("portal.change_comment"):
        raise PermissionDenied
    decision = request.POST.get("decision")
    if decision not in ("approve", "reject"):
        return HttpResponse("Thao tác không hợp lệ.", status=400)
    comment = get_object_or_404(Comment, pk=comment_id)
    approved = decision == "approve"
    services.comments_moderate(actor=request.user, comment_ids=[comment.pk], approved=approved)
    verb = "Đã duyệt" if approved else "Đã từ chối"
    messages.success(request, f"{verb} bình luận của {comment.name}.")
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}):
        back = reverse("wagtailsnippets_portal_comment:list")
    return redirect(back)


# The site's error pages


#: Addresses of the officers' side: a page missing there gets that side's own 404.
APP_PREFIXES = (
    "/nhap-lieu/",
    "/viec-can-lam/",
    "/thong-bao/",
    "/bao-cao/",
    "/thi-dua/",
    "/to-chuc/",
    "/hoi-vien/",
    "/tai-khoan/",
)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404: the portal's page (its header, menu and a search box with the address's words)
    for a mistyped portal address; the officers' page under their addresses."""
    if request.path.startswith(APP_PREFIXES):
        return render(request, "404.html", status=404)
    words = " ".join(w for w in re.split(r"[-/_.]+", request.path) if w.isalpha())[:100]
    return render(request, "portal/404.html", {"query": words}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """500: the portal's look without touching the database (which may be what failed)."""
    return HttpResponse(render_to_string("portal/500.html"), status=500)
