"""Django admin for the catalog: report sections, indicators and forms (data sets)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib import admin
from django.db.models import Count, ForeignKey, QuerySet
from django.http import HttpRequest

from phongtrao.catalog.models import Attribute, Form, FormIndicator, Indicator, Section
from phongtrao.catalog.services import indicator_formula_validate
from phongtrao.expressions import CODE_PATTERN
from phongtrao.orgs.models import uid_from

# Django's classes take type parameters only for the type checker (no django_stubs_ext here).
if TYPE_CHECKING:
    SectionAdminBase = admin.ModelAdmin[Section]
    IndicatorAdminBase = admin.ModelAdmin[Indicator]
    FormAdminBase = admin.ModelAdmin[Form]
    FormIndicatorInlineBase = admin.TabularInline[FormIndicator, Form]
    IndicatorFormBase = forms.ModelForm[Indicator]
    AttributeAdminBase = admin.ModelAdmin[Attribute]
else:
    SectionAdminBase = IndicatorAdminBase = FormAdminBase = AttributeAdminBase = admin.ModelAdmin
    FormIndicatorInlineBase = admin.TabularInline
    IndicatorFormBase = forms.ModelForm


@admin.register(Section)
class SectionAdmin(SectionAdminBase):
    list_display = ["number", "name", "indicator_count"]
    list_display_links = ["number", "name"]
    search_fields = ["name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Section]:
        return super().get_queryset(request).annotate(indicator_count=Count("indicators"))

    @admin.display(description="số chỉ tiêu", ordering="indicator_count")
    def indicator_count(self, obj: Section) -> int:
        return int(getattr(obj, "indicator_count", 0))


class IndicatorForm(IndicatorFormBase):
    """Checks the formula (and the "of which" parent) before saving, with Vietnamese messages."""

    class Meta:
        model = Indicator
        fields = [
            "code",
            "section",
            "parent",
            "name",
            "unit_label",
            "value_type",
            "time_aggregation",
            "formula",
            "note",
            "sort_order",
        ]
        help_texts = {
            "code": "Chữ in hoa không dấu, số và dấu gạch dưới, ví dụ HV_KETNAP. "
            "Không sửa được sau khi tạo: công thức và quy tắc kiểm tra dùng mã này.",
            "formula": "Để trống nếu đơn vị nhập số liệu. Chỉ tiêu tính toán ghi công thức "
            "từ mã các chỉ tiêu khác với + - * / và dấu ngoặc, ví dụ HV_KETNAP - HV_GIAM.",
            "parent": "Chỉ tiêu này là phần “trong đó” của chỉ tiêu nào (không vượt quá nó).",
        }

    def _code(self) -> str:
        return str(self.cleaned_data.get("code") or self.instance.code or "")

    def clean_code(self) -> str:
        code = str(self.cleaned_data["code"]).strip()
        # Same pattern as the formulas' names: a code a formula cannot name is useless.
        if not CODE_PATTERN.fullmatch(code):
            raise forms.ValidationError(
                "Mã chỉ gồm chữ in hoa không dấu, số, dấu gạch dưới và bắt đầu bằng chữ cái."
            )
        return code

    def clean_formula(self) -> str:
        formula = str(self.cleaned_data.get("formula") or "")
        code = self._code()
        if not code:
            return formula  # the code's own error is shown
        try:
            return indicator_formula_validate(code=code, formula=formula, instance=self.instance)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean_parent(self) -> Indicator | None:
        parent: Indicator | None = self.cleaned_data.get("parent")
        ancestor = parent
        while ancestor is not None:
            if self.instance.pk and ancestor.pk == self.instance.pk:
                raise forms.ValidationError(
                    "Chỉ tiêu cha không thể là chính chỉ tiêu này hoặc một phần “trong đó” của nó."
                )
            ancestor = ancestor.parent
        return parent

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.instance.uid and data.get("code"):
            # The same uid the loader would give, so exchange files match across installations.
            self.instance.uid = uid_from("indicator:" + data["code"])
        return data


class FormulaFilter(admin.SimpleListFilter):
    title = "loại chỉ tiêu"
    parameter_name = "loai"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("nhap", "Nhập số liệu"), ("tinh", "Tính theo công thức")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "nhap":
            return queryset.filter(formula="")
        if self.value() == "tinh":
            return queryset.exclude(formula="")
        return queryset


@admin.register(Indicator)
class IndicatorAdmin(IndicatorAdminBase):
    form = IndicatorForm
    list_display = ["code", "name", "section", "value_type", "time_aggregation", "parent"]
    list_display_links = ["code", "name"]
    list_filter = ["section", FormulaFilter, "value_type", "time_aggregation"]
    search_fields = ["code", "name", "note"]
    list_select_related = ["section", "parent"]
    list_per_page = 100
    raw_id_fields = ["parent"]
    fieldsets = [
        (None, {"fields": ["uid", "code", "name", "section", "parent", "sort_order"]}),
        (
            "Cách tính",
            {"fields": ["unit_label", "value_type", "time_aggregation", "formula", "note"]},
        ),
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Indicator | None = None) -> list[str]:
        # The code is what formulas and validation rules name: fixed once created.
        if obj is not None and obj.pk:
            return ["uid", "code"]
        return ["uid"]


class FormIndicatorInline(FormIndicatorInlineBase):
    model = FormIndicator
    fields = ["indicator", "sort_order"]
    extra = 0
    verbose_name = "chỉ tiêu trong biểu mẫu"
    verbose_name_plural = "chỉ tiêu trong biểu mẫu"

    def get_queryset(self, request: HttpRequest) -> QuerySet[FormIndicator]:
        return super().get_queryset(request).select_related("form", "indicator")

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> forms.ModelChoiceField[Any] | None:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and db_field.name == "indicator":
            # One query for the choices of every row, instead of one per row.
            cached = getattr(request, "_catalog_indicator_choices", None)
            if cached is None:
                cached = list(cast("Iterable[Any]", field.choices))
                setattr(request, "_catalog_indicator_choices", cached)  # noqa: B010
            field.choices = cached
        return field


@admin.register(Form)
class FormAdmin(FormAdminBase):
    list_display = ["code", "name", "period_type", "level", "deadline_days", "indicator_count"]
    list_display_links = ["code", "name"]
    list_filter = ["period_type", "level"]
    search_fields = ["code", "name"]
    readonly_fields = ["uid"]
    inlines = [FormIndicatorInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Form]:
        return super().get_queryset(request).annotate(indicator_count=Count("indicators"))

    @admin.display(description="số chỉ tiêu", ordering="indicator_count")
    def indicator_count(self, obj: Form) -> int:
        return int(getattr(obj, "indicator_count", 0))

    def save_model(self, request: HttpRequest, obj: Form, form: Any, change: bool) -> None:
        if not obj.uid:
            obj.uid = uid_from("form:" + obj.code)
        super().save_model(request, obj, form, change)


@admin.register(Attribute)
class AttributeAdmin(AttributeAdminBase):
    """DHIS2's attributes; their values are given with `manage.py attribute_value_set`."""

    list_display = ["name", "code", "uid", "unique"]
    search_fields = ["name", "code", "uid"]
    readonly_fields = ["uid"]
    fields = [
        "name",
        "code",
        "uid",
        "unique",
        "organisation_unit_attribute",
        "data_element_attribute",
        "data_set_attribute",
    ]

    def save_model(self, request: HttpRequest, obj: Attribute, form: Any, change: bool) -> None:
        if not obj.uid:
            obj.uid = uid_from(f"attribute:{obj.name}")
        super().save_model(request, obj, form, change)
