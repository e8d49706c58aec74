from __future__ import annotations

from django.urls import path

from phongtrao.reports import views

app_name = "reports"
urlpatterns = [
    path("<str:unit_uid>/<str:period>/", views.report_page, name="page"),
    path("<str:unit_uid>/<str:period>/loi-van/", views.report_texts_edit, name="texts"),
    path(
        "<str:unit_uid>/<str:period>/thong-tin-van-ban/",
        views.report_settings_edit,
        name="settings",
    ),
    path("<str:unit_uid>/<str:period>/cap-so/", views.report_number_take, name="number"),
    path("<str:unit_uid>/<str:period>/<str:fmt>/", views.report_download, name="download"),
]
