"""Django admin for editions, units and successions; unit writes go through the services."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from phongtrao.orgs.models import Edition, Succession, Unit
from phongtrao.orgs.services import unit_create, unit_update, unit_validate

# Django's classes take type parameters only for the type checker (no django_stubs_ext here).
if TYPE_CHECKING:
    EditionAdminBase = admin.ModelAdmin[Edition]
    UnitAdminBase = admin.ModelAdmin[Unit]
    SuccessionAdminBase = admin.ModelAdmin[Succession]
    UnitFormBase = forms.ModelForm[Unit]
else:
    EditionAdminBase = UnitAdminBase = SuccessionAdminBase = admin.ModelAdmin
    UnitFormBase = forms.ModelForm


@admin.register(Edition)
class EditionAdmin(EditionAdminBase):
    list_display = ["code", "name", "valid_from", "valid_to"]
    search_fields = ["code", "name"]


class UnitForm(UnitFormBase):
    """Shows the services' validation messages next to the fields, before saving."""

    class Meta:
        model = Unit
        fields = [
            "code",
            "name",
            "level",
            "kind",
            "parent",
            "edition",
            "valid_from",
            "valid_to",
            "area_km2",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "valid_from" in self.fields and not self.instance.pk:
            self.fields["valid_from"].required = False
            self.fields["valid_from"].help_text = "Để trống: theo phiên bản cơ cấu."

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        instance = self.instance if self.instance.pk else None
        edition = data.get("edition") or (instance.edition if instance else None)
        level = data.get("level", instance.level if instance else None)
        if edition is None or level is None or "code" not in data or "name" not in data:
            return data  # a field error is already shown
        try:
            unit_validate(
                edition=edition,
                code=data["code"],
                name=data["name"],
                level=level,
                parent=data.get("parent"),
                valid_from=data.get("valid_from") or edition.valid_from,
                valid_to=data.get("valid_to"),
                instance=instance,
            )
        except ValidationError as error:
            for field_name, messages in error.message_dict.items():
                self.add_error(field_name if field_name in self.fields else None, messages)
        return data


@admin.register(Unit)
class UnitAdmin(UnitAdminBase):
    form = UnitForm
    list_display = ["code", "name", "level", "edition"]
    list_filter = ["edition", "level"]
    search_fields = ["code", "name"]
    list_select_related = ["edition"]
    raw_id_fields = ["parent"]
    readonly_fields = ["uid", "path"]

    def get_readonly_fields(self, request: HttpRequest, obj: Unit | None = None) -> list[str]:
        # The level and the edition are fixed at creation: the subtree depends on them.
        if obj is not None and obj.pk:
            return ["uid", "path", "level", "edition"]
        return ["uid", "path"]

    def save_model(self, request: HttpRequest, obj: Unit, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            saved = unit_update(
                unit=obj,
                code=data["code"],
                name=data["name"],
                kind=data["kind"],
                parent=data.get("parent"),
                valid_from=data["valid_from"],
                valid_to=data.get("valid_to"),
                area_km2=data.get("area_km2"),
            )
        else:
            saved = unit_create(
                edition=data["edition"],
                code=data["code"],
                name=data["name"],
                level=data["level"],
                parent=data.get("parent"),
                kind=data["kind"],
                valid_from=data.get("valid_from"),
                valid_to=data.get("valid_to"),
                area_km2=data.get("area_km2"),
            )
        # The admin reads the saved object back from `obj` for its messages and redirect.
        obj.pk, obj.uid, obj.path = saved.pk, saved.uid, saved.path


@admin.register(Succession)
class SuccessionAdmin(SuccessionAdminBase):
    """Read only: successions are written by the loader, whose weights of a split add up to 1."""

    list_display = ["predecessor", "successor", "kind", "weight", "effective"]
    list_filter = ["kind", "effective", "predecessor__edition"]
    search_fields = ["predecessor__code", "predecessor__name", "successor__code", "successor__name"]
    list_select_related = ["predecessor", "successor"]
    raw_id_fields = ["predecessor", "successor"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Succession | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Succession | None = None) -> bool:
        return False
