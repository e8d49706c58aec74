from __future__ import annotations

from django.urls import path

from phongtrao.portal import feeds, views
from phongtrao.portal.pagecache import cached_for_guests

app_name = "portal"
urlpatterns = [
    path("tim-kiem/", cached_for_guests(views.search), name="search"),
    path("rss/", cached_for_guests(feeds.PortalFeed()), name="rss"),
    path("rss/<int:category_id>/", cached_for_guests(feeds.CategoryFeed()), name="rss_category"),
    path("bai-viet/<int:page_id>/danh-gia/", views.article_rate, name="rate"),
    path("bai-viet/<int:page_id>/binh-luan/", views.article_comment, name="comment"),
    path("bai-viet/<int:page_id>/in/", cached_for_guests(views.article_print), name="print"),
]
