"""URL configuration of phongtrao."""

from __future__ import annotations

import os

from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path
from django.views.generic import RedirectView
from django.views.static import serve as static_serve
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from phongtrao.entry import task_views
from phongtrao.portal import views as portal_views
from phongtrao.portal.sitemaps import sitemap as portal_sitemap

admin.site.site_header = "phongtrao — Quản trị hệ thống báo cáo"
admin.site.site_title = "phongtrao"
admin.site.index_title = "Quản trị danh mục và dữ liệu"

urlpatterns: list[URLPattern | URLResolver] = [
    # The audit log moved from accounts to its own app (issue 15): old bookmarks still work.
    path(
        "admin/accounts/auditlog/",
        RedirectView.as_view(url="/admin/audit/auditlog/", permanent=True, query_string=True),
    ),
    path("admin/", admin.site.urls),
    path("", include("phongtrao.accounts.urls")),
    path("nhap-lieu/", include("phongtrao.entry.urls")),
    path("viec-can-lam/", task_views.tasks, name="tasks"),
    path("thong-bao/", include("phongtrao.notifications.urls")),
    path("api/", include("phongtrao.exchange.urls")),
    # "Đăng lên cổng thông tin" on a report's page: the portal's view (the portal sits above
    # the reports it publishes), routed before the reports' formats pattern.
    path(
        "bao-cao/<str:unit_uid>/<str:period>/dang-bai/",
        portal_views.report_publish,
        name="report_publish",
    ),
    path("bao-cao/", include("phongtrao.reports.urls")),
    path("thi-dua/", include("phongtrao.emulation.urls")),
    path("to-chuc/", include("phongtrao.orgpages.urls")),
    path("hoi-vien/", include("phongtrao.members.urls")),
    # Portal: link banners' click counter (/lien-ket/), the session notice's endpoints (/phien/).
    path("", include("phongtrao.portal.traffic.urls")),
    # The portal (Wagtail): its admin, documents, sitemap, own views; the page tree LAST.
    path("cms/", include(wagtailadmin_urls)),
    path("tai-lieu/", include(wagtaildocs_urls)),
    path("sitemap.xml", portal_sitemap, name="sitemap"),
    path(
        "favicon.ico",
        RedirectView.as_view(url=f"/{settings.STATIC_URL.lstrip('/')}phongtrao/favicon.svg"),
    ),
    path("", include("phongtrao.portal.urls")),
]
if settings.DEBUG or os.environ.get("PHONGTRAO_DEV") == "1":
    # `make demo` serves uploaded images itself; production lets the web server do it.
    # Documents only through /tai-lieu/, which checks their collection's privacy; private
    # files (emulation evidence) are not under MEDIA_ROOT at all (PRIVATE_MEDIA_ROOT).
    urlpatterns.append(
        re_path(
            r"^media/(?P<path>(?!documents/|thi-dua/).*)$",
            static_serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    )
urlpatterns += [
    # The page tree: Wagtail's serving, with the site lookup reused (portal.views.serve).
    re_path(r"^((?:[\w\-]+/)*)$", portal_views.serve),
    path("", include(wagtail_urls)),
]

# Error pages: the portal's look for visitors, the officers' own 404 under their addresses.
handler404 = "phongtrao.portal.views.page_not_found"
handler500 = "phongtrao.portal.views.server_error"
