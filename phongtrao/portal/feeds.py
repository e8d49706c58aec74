"""RSS: the newest articles of the whole portal and of each category."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.utils.feedgenerator import Rss201rev2Feed

from phongtrao.portal import selectors
from phongtrao.portal.models import ArticlePage, CategoryPage


class PortalFeed(Feed):  # type: ignore[type-arg]
    """Every category's newest articles."""

    feed_type = Rss201rev2Feed
    language = "vi"

    def get_object(self, request: HttpRequest, *args: object, **kwargs: object) -> None:
        return None

    def title(self, obj: CategoryPage | None) -> str:
        name = str(settings.WAGTAIL_SITE_NAME)
        return f"{name} - {obj.title}" if obj is not None else name

    def link(self, obj: CategoryPage | None) -> str:
        return (obj.url if obj is not None else None) or "/"

    def description(self, obj: CategoryPage | None) -> str:
        if obj is not None:
            return obj.intro or f"Tin bài mới nhất của chuyên mục {obj.title}"
        return "Tin bài mới nhất"

    def items(self, obj: CategoryPage | None) -> list[ArticlePage]:
        return selectors.category_feed_items(obj)

    def item_title(self, item: ArticlePage) -> str:
        return str(item.title)

    def item_description(self, item: ArticlePage) -> str:
        return str(item.summary)

    def item_link(self, item: ArticlePage) -> str:
        return str(item.url or "/")

    def item_pubdate(self, item: ArticlePage) -> dt.datetime:
        published: dt.datetime = item.published_at
        return published

    def item_author_name(self, item: ArticlePage) -> str:
        return str(item.author or item.source)


class CategoryFeed(PortalFeed):
    """One category's newest articles (its subcategories' included)."""

    def get_object(  # type: ignore[override]
        self, request: HttpRequest, category_id: int
    ) -> CategoryPage:
        category: CategoryPage | None = CategoryPage.objects.live().filter(pk=category_id).first()
        if category is None:
            raise Http404("Không có chuyên mục này.")
        return category
