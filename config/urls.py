"""URL configuration of phongtrao."""

from __future__ import annotations

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from django.views.generic import RedirectView

admin.site.site_header = "phongtrao — Quản trị hệ thống báo cáo"
admin.site.site_title = "phongtrao"
admin.site.index_title = "Quản trị danh mục và dữ liệu"

urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/", admin.site.urls),
    path("", include("phongtrao.accounts.urls")),
    path("nhap-lieu/", include("phongtrao.entry.urls")),
    path("api/", include("phongtrao.exchange.urls")),
    path("bao-cao/", include("phongtrao.reports.urls")),
    path("thi-dua/", include("phongtrao.emulation.urls")),
    # Officers land on their entry list (the sign-in page first when not signed in).
    path("", RedirectView.as_view(url="/nhap-lieu/", permanent=False)),
]
