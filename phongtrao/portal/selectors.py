"""Reads of the portal, cached where a little staleness is harmless.

Counters are read at most once per PORTAL_STATE_SECONDS per process (one row), and kept from
the writes of the process. Lists that change with publishing (related
articles, menu, latest articles) are cached for a short while under keys that include the
generation of the guests' pages (`pagecache`), which every publication moves; approved
comments are cached under the article's `comments_version`, which every change of them
moves, so a stale list is never served.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.core.paginator import Page as PaginatorPage
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import QuerySet
from wagtail.models import Page

from phongtrao.portal.models import (
    COUNTER_COLUMNS,
    ArticlePage,
    ArticleStats,
    CategoryPage,
    Comment,
    Counters,
    counters_known,
    counters_remember,
)
from phongtrao.portal.pagecache import generation
from phongtrao.vn.text import fold_words

RELATED_SECONDS = 120
MENU_SECONDS = 300
COMMENTS_SECONDS = 24 * 3600
RELATED_COUNT = 5
PAGE_SIZE = 10


def article_counters(article_id: int) -> Counters:
    """The article's views, rating and approved-comment count: as this process last read or
    wrote them if that was less than `state_seconds()` ago (no query: a page served from the
    guests' cache runs none), else read (one query, plain SQL)."""
    known = counters_known(article_id)
    if known is not None:
        return known
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {COUNTER_COLUMNS} FROM {ArticleStats._meta.db_table} "  # noqa: S608
            "WHERE article_id = %s",
            [article_id],
        )
        row = cursor.fetchone()
    counters = Counters(*row) if row else Counters()
    counters_remember(article_id, counters)
    return counters


def articles_live() -> Any:
    """Published articles, newest first (a Wagtail PageQuerySet)."""
    return ArticlePage.objects.live().order_by("-published_at", "-pk")


@dataclass(frozen=True)
class ArticleLink:
    """An article in a list: enough to link to it without loading the page."""

    pk: int
    title: str
    url: str
    published_at: Any


def _links(pages: QuerySet[ArticlePage] | list[ArticlePage]) -> list[ArticleLink]:
    return [ArticleLink(p.pk, p.title, p.url or "", p.published_at) for p in pages]


def article_related(article: ArticlePage) -> tuple[list[ArticleLink], list[ArticleLink]]:
    """Newer and older articles of the same category (newest first in both), cached briefly."""
    stamp = article.last_published_at.timestamp() if article.last_published_at else 0
    key = f"portal:related:{generation()}:{article.pk}:{stamp}"
    cached: tuple[list[ArticleLink], list[ArticleLink]] | None = cache.get(key)
    if cached is not None:
        return cached
    siblings = ArticlePage.objects.live().sibling_of(article, inclusive=False)
    when = article.published_at
    newer = list(
        siblings.filter(published_at__gt=when).order_by("published_at", "pk")[:RELATED_COUNT]
    )
    older = siblings.filter(published_at__lte=when).order_by("-published_at", "-pk")
    result = (_links(list(reversed(newer))), _links(older[:RELATED_COUNT]))
    cache.set(key, result, RELATED_SECONDS)
    return result


@dataclass(frozen=True)
class CommentView:
    name: str
    body: str
    created_at: Any


def article_comments(article_id: int, version: int) -> list[CommentView]:
    """The approved comments, oldest first; cached until they change (version in the key)."""
    key = f"portal:comments:{article_id}:{version}"
    cached: list[CommentView] | None = cache.get(key)
    if cached is not None:
        return cached
    rows = Comment.objects.filter(article_id=article_id, approved=True).values_list(
        "name", "body", "created_at"
    )
    result = [CommentView(*row) for row in rows]
    cache.set(key, result, COMMENTS_SECONDS)
    return result


@dataclass(frozen=True)
class MenuItem:
    title: str
    url: str
    children: list[MenuItem]


def portal_menu() -> list[MenuItem]:
    """The top categories and their children, for the navigation bar (cached)."""
    key = f"portal:menu:{generation()}"
    cached: list[MenuItem] | None = cache.get(key)
    if cached is not None:
        return cached
    categories = list(CategoryPage.objects.live().in_menu().filter(depth__lte=4).order_by("path"))
    top = [c for c in categories if c.depth == 3]
    result = [
        MenuItem(
            c.title,
            c.url or "",
            [MenuItem(s.title, s.url or "", []) for s in categories if s.path[:-4] == c.path],
        )
        for c in top
    ]
    cache.set(key, result, MENU_SECONDS)
    return result


def latest_links(limit: int = 6) -> list[ArticleLink]:
    """The newest articles as links, for the side block (cached briefly)."""
    key = f"portal:latest:{generation()}:{limit}"
    cached: list[ArticleLink] | None = cache.get(key)
    if cached is None:
        cached = _links(list(articles_live()[:limit]))
        cache.set(key, cached, RELATED_SECONDS)
    return cached


def articles_latest(limit: int = 7) -> list[ArticlePage]:
    """The newest published articles with their pictures."""
    return list(articles_live().select_related("feed_image")[:limit])


@dataclass(frozen=True)
class HomeSection:
    category: CategoryPage
    articles: list[ArticlePage]


def home_sections(home: Page, per_section: int = 4) -> list[HomeSection]:
    """Each top category with its newest articles (those of its subcategories too)."""
    sections = []
    for category in CategoryPage.objects.live().child_of(home).order_by("path"):
        articles = list(
            articles_live().descendant_of(category).select_related("feed_image")[:per_section]
        )
        if articles:
            sections.append(HomeSection(category, articles))
    return sections


def category_articles_page(category: CategoryPage, number: str | None) -> PaginatorPage[Any]:
    """One page of the category's articles (subcategories included), newest first."""
    articles = articles_live().descendant_of(category).select_related("feed_image")
    return Paginator(articles, PAGE_SIZE).get_page(number)


def articles_search(query: str, number: str | None) -> PaginatorPage[Any] | None:
    """Published articles holding every word of `query`, diacritics and case aside (Wagtail
    search on the folded fields), best first; None for no query."""
    words = fold_words(query)
    if not words:
        return None
    results = ArticlePage.objects.live().search(" ".join(words), operator="and")
    return Paginator(results, PAGE_SIZE).get_page(number)


def category_feed_items(category: CategoryPage | None, limit: int = 20) -> list[ArticlePage]:
    """The newest articles of a category (or of the whole portal) for its RSS feed."""
    articles = articles_live()
    if category is not None:
        articles = articles.descendant_of(category)
    return list(articles[:limit])


def comments_waiting() -> QuerySet[Comment]:
    """Readers' comments no editor has approved or turned down yet, oldest first."""
    return Comment.objects.filter(approved=False, rejected=False).order_by("created_at", "pk")


def comments_waiting_count() -> int:
    """How many readers' comments wait for an editor (the CMS dashboard, Việc cần làm)."""
    return comments_waiting().count()
