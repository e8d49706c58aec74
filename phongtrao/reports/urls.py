from __future__ import annotations

from django.urls import path

from phongtrao.reports import views

app_name = "reports"
urlpatterns = [
    path("<str:unit_uid>/<str:period>/", views.report_page, name="page"),
    path("<str:unit_uid>/<str:period>/<str:fmt>/", views.report_download, name="download"),
]
