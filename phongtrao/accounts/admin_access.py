"""The Django admin seen through the access helper: staff who are not superusers see only
the rows of units in their own subtree."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest

from phongtrao.accounts.access import unit_may_view, units_visible


class SubtreeAdminMixin:
    """For a ModelAdmin of rows that belong to a unit (`unit_field`): the changelist, the
    change pages and the lookups hold only the user's subtree; saving a row of a unit
    outside it is refused."""

    unit_field = "unit"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset: QuerySet[Any] = super().get_queryset(request)  # type: ignore[misc]
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{f"{self.unit_field}__in": units_visible(request.user)})

    def save_form(self, request: HttpRequest, form: Any, change: bool) -> Any:
        # Before any save_model of the admin itself (which may call a service instead).
        obj = super().save_form(request, form, change)  # type: ignore[misc]
        unit = getattr(obj, self.unit_field)
        if not unit_may_view(request.user, unit):
            raise PermissionDenied("Đơn vị này không thuộc phạm vi của bạn.")
        return obj
