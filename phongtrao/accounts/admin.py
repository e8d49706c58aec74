from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from phongtrao.accounts.models import Membership
from phongtrao.accounts.services import membership_set


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["user", "unit", "may_enter", "may_approve", "may_view", "may_administer"]
    list_select_related = ["user", "unit"]
    raw_id_fields = ["user", "unit"]
    search_fields = ["user__username", "unit__name", "unit__code"]

    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        # Through the service, so that every role change is in the audit log.
        membership_set(actor=request.user, user=obj.user, unit=obj.unit, roles=obj.roles)
