"""Vietnamese admin for values (read-only, with their history), targets and rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from phongtrao import expressions
from phongtrao.accounts.admin_access import SubtreeAdminMixin
from phongtrao.data.models import (
    DataValue,
    DataValueAudit,
    Period,
    Submission,
    Target,
    ValidationRule,
)
from phongtrao.data.services import target_set
from phongtrao.vn import format_number


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Values change only through the entry and import services, which audit and roll up."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Period)
class PeriodAdmin(ReadOnlyAdmin):
    list_display = ["code", "period_type", "start", "end"]
    list_filter = ["period_type"]
    search_fields = ["code"]


VALUE_FIELDS = (
    "indicator",
    "unit",
    "period",
    "value",
    "comment",
    "version",
    "updated_by",
    "updated_at",
    "history",
)


@admin.register(DataValue)
class DataValueAdmin(SubtreeAdminMixin, ReadOnlyAdmin):
    list_display = ["indicator", "unit", "period", "value", "version", "updated_by", "updated_at"]
    list_select_related = ["indicator", "unit", "period", "updated_by"]
    search_fields = ["indicator__code", "unit__code", "unit__name", "period__code"]
    raw_id_fields = ["indicator", "unit", "period"]
    show_full_result_count = False
    fields = VALUE_FIELDS
    readonly_fields = VALUE_FIELDS

    @admin.display(description="Lịch sử thay đổi")
    def history(self, obj: DataValue) -> str:
        changes = DataValueAudit.objects.filter(
            unit=obj.unit_id, indicator=obj.indicator_id, period=obj.period_id
        ).select_related("user")
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    timezone.localtime(c.at).strftime("%d/%m/%Y %H:%M:%S"),
                    c.get_action_display(),
                    "—" if c.old_value is None else format_number(c.old_value),
                    "—" if c.new_value is None else format_number(c.new_value),
                    c.user.get_username() if c.user else "—",
                )
                for c in changes
            ),
        )
        return format_html(
            "<table><tr><th>Lúc</th><th>Thao tác</th><th>Giá trị cũ</th><th>Giá trị mới</th>"
            "<th>Người thực hiện</th></tr>{}</table>",
            rows,
        )


@admin.register(DataValueAudit)
class DataValueAuditAdmin(SubtreeAdminMixin, ReadOnlyAdmin):
    list_display = ["at", "indicator", "unit", "period", "action", "old_value", "new_value", "user"]
    list_select_related = ["indicator", "unit", "period", "user"]
    list_filter = ["action", "source"]
    search_fields = ["indicator__code", "unit__code", "unit__name", "period__code"]
    show_full_result_count = False


class TargetForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Target
        fields = ["indicator", "unit", "period", "phase", "value", "note"]


@admin.register(Target)
class TargetAdmin(SubtreeAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    form = TargetForm
    list_display = ["indicator", "unit", "period", "phase", "value", "updated_by", "updated_at"]
    list_select_related = ["indicator", "unit", "period", "updated_by"]
    raw_id_fields = ["indicator", "unit", "period"]
    search_fields = ["indicator__code", "unit__code", "unit__name"]

    def save_model(self, request: HttpRequest, obj: Target, form: Any, change: bool) -> None:
        saved = target_set(
            indicator=obj.indicator,
            unit=obj.unit,
            period=obj.period,
            phase=obj.phase,
            value=obj.value,
            actor=request.user,
            note=obj.note,
        )
        obj.pk = saved.pk


class ValidationRuleForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = ValidationRule
        fields = [
            "code",
            "message",
            "left",
            "operator",
            "right",
            "missing_value_strategy",
            "active",
        ]

    def clean_left(self) -> str:
        return self._expression("left")

    def clean_right(self) -> str:
        return self._expression("right")

    def _expression(self, name: str) -> str:
        try:
            return expressions.parse(self.cleaned_data[name]).text
        except expressions.ExpressionError as exc:
            raise ValidationError(str(exc)) from exc


@admin.register(ValidationRule)
class ValidationRuleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = ValidationRuleForm
    list_display = ["code", "left", "operator", "right", "missing_value_strategy", "active"]
    list_filter = ["active"]
    search_fields = ["code", "message", "left", "right"]


@admin.register(Submission)
class SubmissionAdmin(SubtreeAdminMixin, ReadOnlyAdmin):
    """Where each report stands; it changes only through the workflow (entry pages)."""

    list_display = ["form", "unit", "period", "status", "submitted_at", "decided_by", "reason"]
    list_select_related = ["form", "unit", "period", "decided_by"]
    list_filter = ["status", "form"]
    search_fields = ["unit__code", "unit__name", "period__code"]
    show_full_result_count = False
