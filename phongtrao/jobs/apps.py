from __future__ import annotations

from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "phongtrao.jobs"
    label = "jobs"
    verbose_name = "Hàng đợi công việc nền"
