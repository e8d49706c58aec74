from __future__ import annotations

from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "phongtrao.analytics"
    label = "analytics"
    verbose_name = "Tổng hợp"
