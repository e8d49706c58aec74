from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from phongtrao.audit.models import AuditLog


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["at", "username", "action", "target", "detail", "ip_address"]
    list_filter = ["action"]
    search_fields = ["username", "target", "detail"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditLog | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditLog | None = None) -> bool:
        return False
