from __future__ import annotations

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "phongtrao.notifications"
    verbose_name = "Thông báo"
    default_auto_field = "django.db.models.BigAutoField"
