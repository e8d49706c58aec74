from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "phongtrao.accounts"
    label = "accounts"
    verbose_name = "Tài khoản và phân quyền"

    def ready(self) -> None:
        from phongtrao.accounts import signals, two_factor  # noqa: F401 - connects receivers
