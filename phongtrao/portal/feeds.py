"""RSS: the newest articles of the whole portal and of each category."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.feedgenerator import Rss201rev2Feed

from phongtrao.portal import selectors
from phongtrao.portal.models import (
    ArticlePage,
    CategoryPage,
    PortalSettings,
    portal_base_url,
    portal_site_name,
)


class PortalFeed(Feed):  # type: ignore[type-arg]
    """Every category's newest articles."""

    feed_type = Rss201rev2Feed
    language = "vi"

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # The channel's title and addresses come from the CMS's site settings.
        self.settings = PortalSettings.for_request(request)
        self.site_name = portal_site_name(request)
        self.base = portal_base_url(request)
        return super().__call__(request, *args, **kwargs)

    def get_object(self, request: HttpRequest, *args: object, **kwargs: object) -> None:
        return None

    def title(self, obj: CategoryPage | None) -> str:
        name = self.settings.rss_title or self.site_name
        return f"{name} - {obj.title}" if obj is not None else name

    def link(self, obj: CategoryPage | None) -> str:
        return self.base + ((obj.url if obj is not None else None) or "/")

    def description(self, obj: CategoryPage | None) -> str:
        if obj is not None:
            return obj.intro or f"Tin bài mới nhất của chuyên mục {obj.title}"
        return self.settings.rss_description or f"Tin bài mới nhất của {self.site_name}"

    def items(self, obj: CategoryPage | None) -> list[ArticlePage]:
        return selectors.category_feed_items(obj)

    def item_title(self, item: ArticlePage) -> str:
        return str(item.title)

    def item_description(self, item: ArticlePage) -> str:
        return str(item.summary)

    def item_link(self, item: ArticlePage) -> str:
        return self.base + str(item.url or "/")

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
