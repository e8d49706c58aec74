from __future__ import annotations

from django.apps import AppConfig


class DataConfig(AppConfig):
    name = "phongtrao.data"
    label = "data"
    verbose_name = "Số liệu"
