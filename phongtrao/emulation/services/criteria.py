"""Criteria sets, their groups and criteria, and emulation clusters."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from phongtrao import expressions
from phongtrao.accounts.access import unit_may_administer
from phongtrao.actors import Actor, is_system
from phongtrao.audit.models import AuditAction
from phongtrao.catalog.models import Indicator
from phongtrao.emulation import scoring
from phongtrao.emulation.models import (
    Cluster,
    ClusterMember,
    CriteriaSet,
    Criterion,
    CriterionGroup,
    Method,
    Status,
)
from phongtrao.emulation.selectors import ZERO
from phongtrao.emulation.services.common import (
    audit,
    graded_by,
    require,
    set_name,
)
from phongtrao.orgs.models import Level, Unit
from phongtrao.vn import format_number

# -- criteria ---------------------------------------------------------------------------------


@transaction.atomic
def criteria_set_create(
    *, grader: Unit, year: int, level: int, name: str, actor: Actor, **rules: Any
) -> CriteriaSet:
    """A criteria set of `grader` for grading the units of `level` below it in `year`."""
    require(
        is_system(actor) or unit_may_administer(actor, grader),
        "Chỉ quản trị của đơn vị chấm điểm mới được lập bộ tiêu chí.",
    )
    if level <= grader.level:
        raise ValidationError("Bộ tiêu chí chỉ chấm các đơn vị cấp dưới của đơn vị chấm.")
    criteria_set = CriteriaSet(grader=grader, year=year, level=level, name=name, **rules)
    errors = criteria_set_rule_errors(criteria_set)
    if errors:
        raise ValidationError(errors)
    if CriteriaSet.objects.filter(grader=grader, year=year, level=level).exists():
        raise ValidationError(
            f"{grader.union_name} đã có bộ tiêu chí năm {year} cho {Level(level).label.lower()}."
        )
    criteria_set.save()
    audit(actor, AuditAction.EMULATION_SETUP, set_name(criteria_set), "Lập bộ tiêu chí")
    return criteria_set


def criteria_set_rule_errors(criteria_set: CriteriaSet) -> list[str]:
    """What is wrong with the classification rules of a set (empty when they hold)."""
    errors = []
    c = criteria_set
    if not (c.scale_max >= c.excellent_min >= c.good_min >= c.done_min >= 0):
        errors.append(
            "Ngưỡng xếp loại phải giảm dần: thang điểm ≥ xuất sắc ≥ tốt ≥ hoàn thành ≥ 0."
        )
    for value, label in (
        (c.excellent_group_min_pct, "tỷ lệ điểm tối thiểu của nhóm"),
        (c.excellent_quota_pct, "tỷ lệ xuất sắc tối đa"),
    ):
        if value is not None and not (0 <= value <= 100):
            errors.append(f"{label.capitalize()} phải từ 0 đến 100%.")
    return errors


def _editable(criteria_set: CriteriaSet) -> None:
    if criteria_set.is_published or criteria_set.assessments.exclude(status=Status.DRAFT).exists():
        raise ValidationError(
            "Bộ tiêu chí đã có đơn vị tự chấm xong hoặc đã công bố: không sửa được nữa."
        )


@transaction.atomic
def group_add(
    *, criteria_set: CriteriaSet, number: int, name: str, max_points: Decimal, actor: Actor
) -> CriterionGroup:
    """A group of criteria; the groups' maxima may not exceed the scale (100 points)."""
    require(
        is_system(actor) or unit_may_administer(actor, criteria_set.grader),
        "Chỉ quản trị của đơn vị chấm điểm mới được sửa bộ tiêu chí.",
    )
    _editable(criteria_set)
    group = CriterionGroup(
        criteria_set=criteria_set, number=number, name=name, max_points=max_points
    )
    errors = group_errors(group)
    if errors:
        raise ValidationError(errors)
    group.save()
    audit(actor, AuditAction.EMULATION_SETUP, set_name(criteria_set), f"Thêm nhóm {group}")
    return group


def group_errors(group: CriterionGroup) -> list[str]:
    """Why a group does not fit its set (maxima above the scale, criteria above the group)."""
    if group.max_points is None or group.max_points <= 0:
        return ["Điểm tối đa của nhóm phải lớn hơn 0."]
    others = CriterionGroup.objects.filter(criteria_set_id=group.criteria_set_id).exclude(
        pk=group.pk
    )
    used = sum((g.max_points for g in others), ZERO) + group.max_points
    scale = group.criteria_set.scale_max
    errors = []
    if used > scale:
        errors.append(
            f"Tổng điểm tối đa các nhóm ({format_number(used)}) vượt thang điểm "
            f"{format_number(scale)}."
        )
    if group.pk is not None:
        inside = sum((c.max_points for c in group.criteria.all()), ZERO)
        if inside > group.max_points:
            errors.append(
                f"Các tiêu chí trong nhóm đã có tổng điểm tối đa {format_number(inside)}, "
                f"lớn hơn điểm tối đa của nhóm."
            )
    return errors


@transaction.atomic
def criterion_add(
    *,
    group: CriterionGroup,
    number: int,
    name: str,
    max_points: Decimal,
    method: str,
    bonus_max: Decimal = ZERO,
    must: bool = False,
    indicator: Indicator | None = None,
    steps: Sequence[Sequence[object]] | None = None,
    formula: str = "",
    actor: Actor,
) -> Criterion:
    """A criterion in `group`; its maximum (with the others') may not exceed the group's."""
    require(
        is_system(actor) or unit_may_administer(actor, group.criteria_set.grader),
        "Chỉ quản trị của đơn vị chấm điểm mới được sửa bộ tiêu chí.",
    )
    _editable(group.criteria_set)
    criterion = Criterion(
        group=group,
        number=number,
        name=name,
        max_points=max_points,
        bonus_max=bonus_max,
        must=must,
        method=method,
        indicator=indicator,
        steps=list(steps or []),
        formula=formula,
    )
    errors = criterion_errors(criterion)
    if errors:
        raise ValidationError(errors)
    criterion.save()
    audit(
        actor,
        AuditAction.EMULATION_SETUP,
        set_name(criterion.group.criteria_set),
        f"Thêm tiêu chí {criterion}",
    )
    return criterion


def criterion_errors(criterion: Criterion) -> list[str]:
    """Why a criterion is not valid: points above its group's, a method without its inputs."""
    errors = []
    if criterion.max_points is None or criterion.max_points <= 0:
        errors.append("Điểm tối đa của tiêu chí phải lớn hơn 0.")
    elif criterion.group_id is not None:
        siblings = Criterion.objects.filter(group_id=criterion.group_id).exclude(pk=criterion.pk)
        used = sum((c.max_points for c in siblings), ZERO) + criterion.max_points
        group_max = criterion.group.max_points
        if used > group_max:
            errors.append(
                f"Tổng điểm tối đa các tiêu chí của nhóm ({format_number(used)}) vượt điểm "
                f"tối đa của nhóm ({format_number(group_max)})."
            )
    if criterion.bonus_max is None or criterion.bonus_max < 0:
        errors.append("Điểm thưởng tối đa không được âm.")
    method = criterion.method
    if method in (Method.LINEAR, Method.STEPPED) and criterion.indicator_id is None:
        errors.append("Tiêu chí chấm theo tỷ lệ đạt chỉ tiêu cần chọn chỉ tiêu thống kê.")
    if method == Method.STEPPED:
        try:
            if not scoring.parsed_steps(criterion.steps):
                errors.append("Tiêu chí chấm theo bậc cần ít nhất một bậc [tỷ lệ %, điểm].")
        except ValueError as exc:
            errors.append(str(exc))
    if method == Method.FORMULA:
        try:
            codes = expressions.parse(criterion.formula).codes
        except expressions.ExpressionError as exc:
            errors.append(str(exc))
        else:
            known = set(Indicator.objects.filter(code__in=codes).values_list("code", flat=True))
            unknown = sorted(codes - known)
            if unknown:
                errors.append(f"Công thức dùng mã chỉ tiêu không có: {', '.join(unknown)}.")
    if method not in Method.values:
        errors.append("Cách chấm không hợp lệ.")
    return errors


@transaction.atomic
def cluster_set(
    *, criteria_set: CriteriaSet, name: str, units: Iterable[Unit], actor: Actor
) -> Cluster:
    """An emulation cluster of the set with exactly these members (a unit in one cluster)."""
    require(
        is_system(actor) or unit_may_administer(actor, criteria_set.grader),
        "Chỉ quản trị của đơn vị chấm điểm mới được lập cụm thi đua.",
    )
    members = list(units)
    for unit in members:
        if not graded_by(criteria_set, unit):
            raise ValidationError(f"{unit.name} không thuộc đối tượng chấm của bộ tiêu chí.")
    cluster, _ = Cluster.objects.get_or_create(criteria_set=criteria_set, name=name)
    elsewhere = ClusterMember.objects.filter(
        cluster__criteria_set=criteria_set, unit__in=members
    ).exclude(cluster=cluster)
    if elsewhere.exists():
        names = ", ".join(m.unit.name for m in elsewhere.select_related("unit"))
        raise ValidationError(f"Đơn vị đã thuộc cụm khác: {names}.")
    ClusterMember.objects.filter(cluster=cluster).exclude(unit__in=members).delete()
    there = set(ClusterMember.objects.filter(cluster=cluster).values_list("unit_id", flat=True))
    ClusterMember.objects.bulk_create(
        [
            ClusterMember(cluster=cluster, unit=unit)
            for unit in dict.fromkeys(members)
            if unit.pk not in there
        ]
    )
    audit(
        actor,
        AuditAction.EMULATION_SETUP,
        set_name(criteria_set),
        f"Cụm {cluster.name}: " + ", ".join(unit.name for unit in members),
    )
    return cluster
