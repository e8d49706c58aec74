from __future__ import annotations

from django.urls import path

from phongtrao.entry import (
    dashboard_views,
    excel_views,
    grid_views,
    pick_views,
    task_views,
    views,
)

app_name = "entry"
urlpatterns = [
    path("", views.home, name="home"),
    path("mo/", views.report_open, name="open"),
    path("nhac-nop/", task_views.remind, name="remind"),
    path("don-vi/", pick_views.units_find, name="units_find"),
    path(
        "excel/<str:form_code>/<str:unit_uid>/<str:period>/",
        excel_views.excel,
        name="excel",
    ),
    path("tong-quan/<str:unit_uid>/<str:period>/", dashboard_views.dashboard, name="dashboard"),
    path("bang/<str:unit_uid>/<str:period>/", grid_views.grid, name="grid"),
    path(
        "tinh-hinh/<str:form_code>/<str:unit_uid>/<str:period>/",
        views.completeness,
        name="completeness",
    ),
    path("<str:form_code>/<str:unit_uid>/<str:period>/", views.report, name="report"),
    path(
        "<str:form_code>/<str:unit_uid>/<str:period>/lich-su/<str:indicator_code>/",
        views.history,
        name="history",
    ),
    path(
        "<str:form_code>/<str:unit_uid>/<str:period>/<str:step>/",
        views.report_step,
        name="step",
    ),
]
