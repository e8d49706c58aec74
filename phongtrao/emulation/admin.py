"""Admin: criteria sets (rules, groups, criteria), clusters and award types are configuration.

Validation is the services' (`criteria_set_rule_errors`, `group_errors`, `criterion_errors`).
Results, corrections and awards are shown read-only: they change through the workflow only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from phongtrao.emulation.models import (
    Assessment,
    Award,
    AwardType,
    Cluster,
    ClusterMember,
    Correction,
    CriteriaSet,
    Criterion,
    CriterionGroup,
    Decision,
    Proposal,
)
from phongtrao.emulation.services import (
    criteria_set_rule_errors,
    criterion_errors,
    group_errors,
)

# Django's classes take type parameters only for the type checker (no django_stubs_ext here).
if TYPE_CHECKING:
    ModelFormCriteriaSetBase = forms.ModelForm[CriteriaSet]
    ModelFormCriterionGroupBase = forms.ModelForm[CriterionGroup]
    ModelFormCriterionBase = forms.ModelForm[Criterion]
    TabularInlineCriterionGroupCriteriaSetBase = admin.TabularInline[CriterionGroup, CriteriaSet]
    StackedInlineCriterionCriterionGroupBase = admin.StackedInline[Criterion, CriterionGroup]
    TabularInlineClusterMemberClusterBase = admin.TabularInline[ClusterMember, Cluster]
    ModelAdminCriteriaSetBase = admin.ModelAdmin[CriteriaSet]
    ModelAdminCriterionGroupBase = admin.ModelAdmin[CriterionGroup]
    ModelAdminCriterionBase = admin.ModelAdmin[Criterion]
    ModelAdminClusterBase = admin.ModelAdmin[Cluster]
    ModelAdminAwardTypeBase = admin.ModelAdmin[AwardType]
    ModelAdminAnyBase = admin.ModelAdmin[Any]
else:
    ModelFormCriteriaSetBase = forms.ModelForm
    ModelFormCriterionGroupBase = forms.ModelForm
    ModelFormCriterionBase = forms.ModelForm
    TabularInlineCriterionGroupCriteriaSetBase = admin.TabularInline
    StackedInlineCriterionCriterionGroupBase = admin.StackedInline
    TabularInlineClusterMemberClusterBase = admin.TabularInline
    ModelAdminCriteriaSetBase = admin.ModelAdmin
    ModelAdminCriterionGroupBase = admin.ModelAdmin
    ModelAdminCriterionBase = admin.ModelAdmin
    ModelAdminClusterBase = admin.ModelAdmin
    ModelAdminAwardTypeBase = admin.ModelAdmin
    ModelAdminAnyBase = admin.ModelAdmin


class CriteriaSetForm(ModelFormCriteriaSetBase):
    class Meta:
        model = CriteriaSet
        fields = [
            "grader",
            "year",
            "level",
            "name",
            "scale_max",
            "excellent_min",
            "good_min",
            "done_min",
            "excellent_group_min_pct",
            "excellent_requires_must",
            "excellent_quota_pct",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        candidate = CriteriaSet(**{k: v for k, v in data.items() if k != "id"})
        for error in criteria_set_rule_errors(candidate):
            self.add_error(None, error)
        return data


class GroupForm(ModelFormCriterionGroupBase):
    class Meta:
        model = CriterionGroup
        fields = ["criteria_set", "number", "name", "max_points"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("criteria_set") and data.get("max_points") is not None:
            group = self.instance
            group.criteria_set = data["criteria_set"]
            group.max_points = data["max_points"]
            for error in group_errors(group):
                self.add_error("max_points", error)
        return data


class CriterionForm(ModelFormCriterionBase):
    class Meta:
        model = Criterion
        fields = [
            "group",
            "number",
            "name",
            "max_points",
            "bonus_max",
            "must",
            "method",
            "indicator",
            "steps",
            "formula",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        criterion = self.instance
        for name in self.Meta.fields:
            if name in data:
                setattr(criterion, name, data[name])
        if data.get("group") is not None and data.get("max_points") is not None:
            for error in criterion_errors(criterion):
                self.add_error(None, error)
        return data


class GroupInline(TabularInlineCriterionGroupCriteriaSetBase):
    model = CriterionGroup
    form = GroupForm
    extra = 0


class CriterionInline(StackedInlineCriterionCriterionGroupBase):
    model = Criterion
    form = CriterionForm
    extra = 0


class ClusterMemberInline(TabularInlineClusterMemberClusterBase):
    model = ClusterMember
    raw_id_fields = ["unit"]
    extra = 0


def _frozen(obj: Any) -> bool:
    criteria_set = getattr(obj, "criteria_set", obj)
    return bool(
        criteria_set is not None
        and isinstance(criteria_set, CriteriaSet)
        and (criteria_set.is_published or criteria_set.confirmed_at is not None)
    )


@admin.register(CriteriaSet)
class CriteriaSetAdmin(ModelAdminCriteriaSetBase):
    form = CriteriaSetForm
    list_display = ["name", "grader", "year", "level", "published_at"]
    list_filter = ["year", "level"]
    raw_id_fields = ["grader"]
    inlines = [GroupInline]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and not _frozen(obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and not _frozen(obj)


@admin.register(CriterionGroup)
class CriterionGroupAdmin(ModelAdminCriterionGroupBase):
    form = GroupForm
    list_display = ["__str__", "criteria_set", "max_points"]
    inlines = [CriterionInline]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and not _frozen(obj)


@admin.register(Criterion)
class CriterionAdmin(ModelAdminCriterionBase):
    form = CriterionForm
    list_display = ["__str__", "method", "max_points", "bonus_max", "must"]
    list_filter = ["method", "must"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and not _frozen(
            obj.group if obj is not None else None
        )


@admin.register(Cluster)
class ClusterAdmin(ModelAdminClusterBase):
    list_display = ["name", "criteria_set"]
    inlines = [ClusterMemberInline]


@admin.register(AwardType)
class AwardTypeAdmin(ModelAdminAwardTypeBase):
    list_display = ["name", "rule", "rule_years", "unit_level", "sort_order"]


class ReadOnlyAdmin(ModelAdminAnyBase):
    """Rows written by the workflow: shown, never edited here."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = ["unit", "criteria_set", "status", "total", "classification"]
    list_filter = ["status", "classification", "criteria_set__year"]


@admin.register(Correction)
class CorrectionAdmin(ReadOnlyAdmin):
    list_display = ["assessment", "old_total", "new_total", "new_classification", "by", "at"]


@admin.register(Proposal)
class ProposalAdmin(ReadOnlyAdmin):
    list_display = ["unit", "award_type", "year", "reason", "status"]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ["number", "date", "issuer", "award_type", "signer"]


@admin.register(Award)
class AwardAdmin(ReadOnlyAdmin):
    list_display = ["unit", "award_type", "year", "decision"]
