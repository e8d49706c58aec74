from __future__ import annotations

from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "phongtrao.exchange"
    label = "exchange"
    verbose_name = "Trao đổi dữ liệu (DHIS2, ADX)"
