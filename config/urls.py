"""URL configuration of phongtrao."""

from __future__ import annotations

from django.contrib import admin
from django.urls import URLPattern, URLResolver, path
from django.views.generic import RedirectView

admin.site.site_header = "phongtrao — Quản trị hệ thống báo cáo"
admin.site.site_title = "phongtrao"
admin.site.index_title = "Quản trị danh mục và dữ liệu"

urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/", admin.site.urls),
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
]
