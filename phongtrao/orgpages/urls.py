"""/to-chuc/: the organisation's own reorganisations (merge units of one parent, split one)."""

from __future__ import annotations

from django.urls import path

from phongtrao.orgpages import views

app_name = "orgs"
urlpatterns = [
    path("", views.home, name="home"),
    path("<str:unit_uid>/", views.unit_page, name="unit"),
    path("<str:unit_uid>/hop-nhat/", views.merge, name="merge"),
    path("<str:unit_uid>/chia-tach/", views.split, name="split"),
    path("<str:unit_uid>/co-cau/<str:edition>/", views.structure, name="structure"),
]
