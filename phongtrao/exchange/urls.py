from __future__ import annotations

from django.urls import path, re_path

from phongtrao.exchange import views

app_name = "exchange"
urlpatterns = [
    path("dataValueSets", views.data_value_sets, name="data-value-sets"),
    re_path(
        r"^dataValueSets\.(?P<extension>json|xml|csv|adx)$",
        views.data_value_sets,
        name="data-value-sets-format",
    ),
]
