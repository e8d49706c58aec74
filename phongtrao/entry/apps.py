from __future__ import annotations

from django.apps import AppConfig


class EntryConfig(AppConfig):
    name = "phongtrao.entry"
    label = "entry"
    verbose_name = "Nhập liệu và duyệt báo cáo"
