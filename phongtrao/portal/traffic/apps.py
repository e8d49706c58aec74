from __future__ import annotations

from django.apps import AppConfig


class TrafficConfig(AppConfig):
    name = "phongtrao.portal.traffic"
    label = "traffic"
    verbose_name = "Thống kê truy cập và liên kết"
