from __future__ import annotations

from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "phongtrao.orgs"
    label = "orgs"
    verbose_name = "Đơn vị"
