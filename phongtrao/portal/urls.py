from __future__ import annotations

from django.urls import path

from phongtrao.portal import feeds, views

app_name = "portal"
urlpatterns = [
    path("tim-kiem/", views.search, name="search"),
    path("rss/", feeds.PortalFeed(), name="rss"),
    path("rss/<int:category_id>/", feeds.CategoryFeed(), name="rss_category"),
    path("bai-viet/<int:page_id>/danh-gia/", views.article_rate, name="rate"),
    path("bai-viet/<int:page_id>/binh-luan/", views.article_comment, name="comment"),
    path("bai-viet/<int:page_id>/in/", views.article_print, name="print"),
]
