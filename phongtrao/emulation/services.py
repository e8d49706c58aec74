"""Writes of emulation: criteria, scoring workflow, council, publication, corrections, awards.

Every service takes the actor (`phongtrao.actors`: a person, or the system for the demo
loader and commands), checks it through `phongtrao.accounts.access`, writes the audit log
for every change of state, and refuses bad input with a Vietnamese ValidationError,
changing nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from phongtrao import expressions
from phongtrao.accounts.access import unit_may_administer, unit_may_approve, unit_may_change
from phongtrao.accounts.models import AuditAction
from phongtrao.accounts.services import audit_log
from phongtrao.actors import Actor, is_system, person
from phongtrao.analytics.selectors import unit_report, unit_totals
from phongtrao.catalog.models import Indicator
from phongtrao.emulation import scoring
from phongtrao.emulation.models import (
    Assessment,
    Award,
    AwardRule,
    AwardType,
    Classification,
    Cluster,
    ClusterMember,
    Correction,
    CriteriaSet,
    Criterion,
    CriterionGroup,
    Decision,
    Evidence,
    Method,
    Proposal,
    ProposalStatus,
    PublishedError,
    Score,
    Status,
)
from phongtrao.notifications.models import Kind
from phongtrao.notifications.services import approvers_above, notify
from phongtrao.orgs.models import Level, Unit
from phongtrao.vn import format_number, format_percent

ZERO = Decimal(0)
MAX_EVIDENCE_BYTES = 20 * 1024 * 1024


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _audit(actor: Actor, action: AuditAction, target: str, detail: str = "") -> None:
    """One line of the audit log for a change of emulation state."""
    audit_log(user=actor, action=action, target=target, detail=detail)


def _set_name(criteria_set: CriteriaSet) -> str:
    return f"{criteria_set.name} ({criteria_set.year})"


def _assessment_name(assessment: Assessment) -> str:
    return f"Thi đua {assessment.criteria_set.year}: {assessment.unit.name}"


# -- criteria ---------------------------------------------------------------------------------


@transaction.atomic
def criteria_set_create(
    *, grader: Unit, year: int, level: int, name: str, actor: Actor, **rules: Any
) -> CriteriaSet:
    """A criteria set of `grader` for grading the units of `level` below it in `year`."""
    _require(
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
    _audit(actor, AuditAction.EMULATION_SETUP, _set_name(criteria_set), "Lập bộ tiêu chí")
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
    _require(
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
    _audit(actor, AuditAction.EMULATION_SETUP, _set_name(criteria_set), f"Thêm nhóm {group}")
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
    _require(
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
    _audit(
        actor,
        AuditAction.EMULATION_SETUP,
        _set_name(criterion.group.criteria_set),
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
    _require(
        is_system(actor) or unit_may_administer(actor, criteria_set.grader),
        "Chỉ quản trị của đơn vị chấm điểm mới được lập cụm thi đua.",
    )
    members = list(units)
    for unit in members:
        if not _graded_by(criteria_set, unit):
            raise ValidationError(f"{unit.name} không thuộc đối tượng chấm của bộ tiêu chí.")
    cluster, _ = Cluster.objects.get_or_create(criteria_set=criteria_set, name=name)
    elsewhere = ClusterMember.objects.filter(
        cluster__criteria_set=criteria_set, unit__in=members
    ).exclude(cluster=cluster)
    if elsewhere.exists():
        names = ", ".join(m.unit.name for m in elsewhere.select_related("unit"))
        raise ValidationError(f"Đơn vị đã thuộc cụm khác: {names}.")
    ClusterMember.objects.filter(cluster=cluster).exclude(unit__in=members).delete()
    for unit in members:
        ClusterMember.objects.get_or_create(cluster=cluster, unit=unit)
    _audit(
        actor,
        AuditAction.EMULATION_SETUP,
        _set_name(criteria_set),
        f"Cụm {cluster.name}: " + ", ".join(unit.name for unit in members),
    )
    return cluster


# -- scoring ----------------------------------------------------------------------------------


def _graded_by(criteria_set: CriteriaSet, unit: Unit) -> bool:
    return unit.level == criteria_set.level and unit.path.startswith(criteria_set.grader.path)


def _not_published(assessment: Assessment) -> None:
    """Lock the assessment's row; refuse if it is published or moved on since it was read."""
    stored = (
        Assessment.objects.select_for_update()
        .filter(pk=assessment.pk)
        .values_list("status", flat=True)
        .first()
    )
    if (
        stored == Status.PUBLISHED
        or assessment.status == Status.PUBLISHED
        or assessment.criteria_set.is_published
    ):
        raise PublishedError()
    if stored is not None and stored != assessment.status:
        raise ValidationError(
            "Bản chấm điểm vừa được người khác chuyển sang bước khác; hãy tải lại trang."
        )


def _set_lock(criteria_set: CriteriaSet) -> None:
    """Lock the set's row: two council members acting at once are served one after the other."""
    published = (
        CriteriaSet.objects.select_for_update()
        .filter(pk=criteria_set.pk)
        .values_list("published_at", flat=True)
        .first()
    )
    if published is not None:
        raise PublishedError()


def _criteria(criteria_set: CriteriaSet) -> list[Criterion]:
    return list(
        Criterion.objects.filter(group__criteria_set=criteria_set)
        .select_related("group", "indicator")
        .order_by("group__number", "number")
    )


@dataclass(frozen=True)
class Computed:
    points: Decimal
    bonus: Decimal
    basis: str


def criterion_compute(criterion: Criterion, unit: Unit, year: int) -> Computed:
    """Points of an indicator-based criterion for a unit, from its totals and targets."""
    if criterion.method == Method.FORMULA:
        expr = expressions.parse(criterion.formula)
        by_code = {i.code: i for i in Indicator.objects.filter(code__in=expr.codes)}
        inputs: dict[expressions.Ref, Decimal | None] = {}
        offsets: dict[int, list[expressions.Ref]] = defaultdict(list)
        for ref in expr.references:
            offsets[ref.offset].append(ref)
        for offset, refs in offsets.items():
            wanted = [by_code[r.code] for r in refs]
            totals = unit_totals(unit, str(year + offset), wanted)
            for ref in refs:
                total = totals[by_code[ref.code].pk]
                inputs[ref] = total.value if total.count else None
        value = expr.evaluate(inputs, missing_as_zero=False)
        if value is None:
            return Computed(ZERO, ZERO, "Chưa đủ số liệu để tính công thức")
        points, bonus = scoring.points_split(
            value, max_points=criterion.max_points, bonus_max=criterion.bonus_max
        )
        return Computed(points, bonus, f"{criterion.formula} = {format_number(value, 2)}")
    assert criterion.indicator is not None
    row = unit_report(unit, str(year), [criterion.indicator])[0]
    if row.achievement_pct is None:
        return Computed(ZERO, ZERO, "Chưa có chỉ tiêu giao cho đơn vị")
    pct = row.achievement_pct if row.count else ZERO
    if criterion.method == Method.LINEAR:
        raw = scoring.linear_points(pct, criterion.max_points)
    else:
        raw = scoring.stepped_points(pct, criterion.steps)
    points, bonus = scoring.points_split(
        raw, max_points=criterion.max_points, bonus_max=criterion.bonus_max
    )
    basis = (
        f"{format_number(row.value)}/{format_number(row.target or ZERO)} "
        f"(đạt {format_percent(pct, 1)} chỉ tiêu)"
    )
    return Computed(points, bonus, basis)


@transaction.atomic
def assessment_start(*, criteria_set: CriteriaSet, unit: Unit, actor: Actor) -> Assessment:
    """The unit's assessment under the set (created on first use), indicator points fresh."""
    _require(
        is_system(actor) or unit_may_change(actor, unit) or unit_may_approve(actor, unit),
        "Bạn không có quyền chấm điểm thi đua cho đơn vị này.",
    )
    if not _graded_by(criteria_set, unit):
        raise ValidationError(f"{unit.name} không thuộc đối tượng chấm của bộ tiêu chí này.")
    assessment, created = Assessment.objects.get_or_create(criteria_set=criteria_set, unit=unit)
    if created:
        _audit(actor, AuditAction.ASSESSMENT_START, _assessment_name(assessment))
    if assessment.status == Status.DRAFT and not criteria_set.is_published:
        _scores_refresh(assessment)
    return assessment


def _scores_refresh(assessment: Assessment) -> None:
    """Create missing score rows and recompute the indicator-based ones, then the totals."""
    criteria_set = assessment.criteria_set
    existing = {s.criterion_id: s for s in assessment.scores.all()}
    for criterion in _criteria(criteria_set):
        score = existing.get(criterion.pk)
        if score is None:
            score = Score(assessment=assessment, criterion=criterion)
        if criterion.method != Method.HAND:
            computed = criterion_compute(criterion, assessment.unit, criteria_set.year)
            score.self_points, score.self_bonus, score.basis = (
                computed.points,
                computed.bonus,
                computed.basis,
            )
        if score.pk is None or criterion.method != Method.HAND:
            score.save()
    _totals_store(assessment)


def _decimal(value: object, label: str) -> Decimal:
    if isinstance(value, Decimal):
        return value
    try:
        result = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError(f"{label}: “{value}” không phải là số.") from exc
    if not result.is_finite():
        raise ValidationError(f"{label}: “{value}” không phải là số.")
    return result


def _points_check(criterion: Criterion, points: Decimal, bonus: Decimal) -> None:
    label = f"Tiêu chí {criterion.label}"
    if not (ZERO <= points <= criterion.max_points):
        raise ValidationError(f"{label}: điểm phải từ 0 đến {format_number(criterion.max_points)}.")
    if not (ZERO <= bonus <= criterion.bonus_max):
        raise ValidationError(
            f"{label}: điểm thưởng phải từ 0 đến {format_number(criterion.bonus_max)}."
        )
    if points != scoring.points_round(points) or bonus != scoring.points_round(bonus):
        raise ValidationError(f"{label}: điểm chỉ lấy đến hai chữ số thập phân.")


@transaction.atomic
def scores_self_set(
    *,
    assessment: Assessment,
    values: Mapping[int, tuple[object, object, str]],
    actor: Actor,
) -> Assessment:
    """The unit's own points for its hand-scored criteria: {criterion id: (points, bonus, note)}.

    All or nothing: one bad value and nothing is saved.
    """
    _not_published(assessment)
    _require(
        is_system(actor) or unit_may_change(actor, assessment.unit),
        "Chỉ cán bộ nhập liệu của đơn vị mới được tự chấm điểm.",
    )
    if assessment.status != Status.DRAFT:
        raise ValidationError("Bản tự chấm đã gửi cấp trên; chỉ sửa được khi bị trả lại.")
    scores = {s.criterion_id: s for s in assessment.scores.select_related("criterion__group")}
    for criterion_id, (points_text, bonus_text, note) in values.items():
        score = scores.get(criterion_id)
        if score is None:
            raise ValidationError("Tiêu chí không thuộc bộ tiêu chí của đơn vị.")
        criterion = score.criterion
        if criterion.method != Method.HAND:
            continue  # computed from the figures: not typed in
        points = _decimal(points_text or "0", f"Tiêu chí {criterion.label}")
        bonus = _decimal(bonus_text or "0", f"Tiêu chí {criterion.label}")
        _points_check(criterion, points, bonus)
        score.self_points, score.self_bonus, score.note = points, bonus, note.strip()
        score.save()
    _totals_store(assessment)
    _audit(actor, AuditAction.SELF_SCORE, _assessment_name(assessment))
    return assessment


@transaction.atomic
def evidence_add(*, score: Score, file: UploadedFile, actor: Actor) -> Evidence:
    """A file of evidence for a criterion, while the unit is still scoring itself."""
    assessment = score.assessment
    _not_published(assessment)
    _require(
        is_system(actor) or unit_may_change(actor, assessment.unit),
        "Chỉ cán bộ nhập liệu của đơn vị mới được tải minh chứng.",
    )
    if assessment.status != Status.DRAFT:
        raise ValidationError("Bản tự chấm đã gửi cấp trên; không thêm minh chứng được nữa.")
    if file.size is not None and file.size > MAX_EVIDENCE_BYTES:
        raise ValidationError("Tệp minh chứng không được lớn hơn 20 MB.")
    name = (file.name or "minh-chung").rsplit("/", 1)[-1][:200]
    evidence = Evidence.objects.create(score=score, file=file, name=name, uploaded_by=person(actor))
    _audit(
        actor,
        AuditAction.SELF_SCORE,
        _assessment_name(assessment),
        f"Minh chứng {name} cho tiêu chí {score.criterion.label}",
    )
    return evidence


def _group_totals(
    assessment: Assessment, overrides: Mapping[int, tuple[Decimal, Decimal]] | None = None
) -> tuple[list[scoring.GroupTotal], list[str]]:
    overrides = overrides or {}
    groups = list(assessment.criteria_set.groups.order_by("number"))
    points: dict[int, Decimal] = defaultdict(Decimal)
    bonus: dict[int, Decimal] = defaultdict(Decimal)
    must_missed = []
    for score in assessment.scores.select_related("criterion"):
        criterion = score.criterion
        p, b = overrides.get(criterion.pk, (score.points, score.bonus))
        points[criterion.group_id] += p
        bonus[criterion.group_id] += b
        if criterion.must and p < criterion.max_points:
            must_missed.append(f"{score.criterion.group.number}.{criterion.number}")
    totals = [scoring.GroupTotal(g.number, g.max_points, points[g.pk], bonus[g.pk]) for g in groups]
    return totals, sorted(must_missed)


def rules_of(criteria_set: CriteriaSet) -> scoring.Thresholds:
    c = criteria_set
    return scoring.Thresholds(
        scale_max=c.scale_max,
        excellent_min=c.excellent_min,
        good_min=c.good_min,
        done_min=c.done_min,
        excellent_group_min_pct=c.excellent_group_min_pct,
        excellent_requires_must=c.excellent_requires_must,
        excellent_quota_pct=c.excellent_quota_pct,
    )


def assessment_outcome(
    assessment: Assessment, overrides: Mapping[int, tuple[Decimal, Decimal]] | None = None
) -> scoring.Outcome:
    """The unit's total and classification from its scores (before the quota)."""
    groups, must_missed = _group_totals(assessment, overrides)
    return scoring.assessment_outcome(
        groups, must_missed=must_missed, rules=rules_of(assessment.criteria_set)
    )


def _totals_store(assessment: Assessment) -> scoring.Outcome:
    outcome = assessment_outcome(assessment)
    assessment.base_points, assessment.bonus_points, assessment.total = (
        outcome.base,
        outcome.bonus,
        outcome.total,
    )
    assessment.save()
    return outcome


@transaction.atomic
def assessment_submit(*, assessment: Assessment, actor: Actor) -> Assessment:
    """The unit has scored itself: indicator points are recomputed and it goes to the level
    above."""
    _not_published(assessment)
    _require(
        is_system(actor) or unit_may_change(actor, assessment.unit),
        "Chỉ cán bộ nhập liệu của đơn vị mới được gửi bản tự chấm.",
    )
    if assessment.status != Status.DRAFT:
        raise ValidationError("Bản tự chấm đã được gửi.")
    _scores_refresh(assessment)
    assessment.status = Status.SUBMITTED
    assessment.submitted_by = person(actor)
    assessment.submitted_at = timezone.now()
    assessment.return_reason = ""
    assessment.save()
    notify(
        recipients=approvers_above(assessment.unit),
        kind=Kind.EMULATION,
        title=f"{assessment.unit.name} đã gửi bản tự chấm thi đua, chờ cấp trên kiểm tra",
        url=reverse(
            "emulation:assessment", args=[assessment.unit.uid, assessment.criteria_set.year]
        ),
        exclude=actor,
    )
    _audit(actor, AuditAction.ASSESSMENT_SUBMIT, _assessment_name(assessment))
    return assessment


def _checker(assessment: Assessment, actor: Actor) -> None:
    _require(
        is_system(actor) or unit_may_approve(actor, assessment.unit),
        "Chỉ cán bộ duyệt của cấp trên mới được kiểm tra bản tự chấm.",
    )


@transaction.atomic
def assessment_check(
    *,
    assessment: Assessment,
    adjustments: Mapping[int, tuple[object, object, str]] | None = None,
    actor: Actor,
) -> Assessment:
    """The level above checks the self-assessment, adjusting points where it disagrees.

    `adjustments`: {criterion id: (points, bonus, opinion)}; an adjusted criterion needs the
    opinion saying why.
    """
    _not_published(assessment)
    _checker(assessment, actor)
    if assessment.status != Status.SUBMITTED:
        raise ValidationError("Chỉ kiểm tra được bản tự chấm đã gửi.")
    scores = {s.criterion_id: s for s in assessment.scores.select_related("criterion__group")}
    for criterion_id, (points_text, bonus_text, opinion) in (adjustments or {}).items():
        score = scores.get(criterion_id)
        if score is None:
            raise ValidationError("Tiêu chí không thuộc bộ tiêu chí của đơn vị.")
        points = _decimal(points_text, f"Tiêu chí {score.criterion.label}")
        bonus = _decimal(bonus_text or "0", f"Tiêu chí {score.criterion.label}")
        if points == score.self_points and bonus == score.self_bonus:
            continue
        _points_check(score.criterion, points, bonus)
        if not opinion.strip():
            raise ValidationError(
                f"Tiêu chí {score.criterion.label}: ghi rõ lý do khi chấm khác đơn vị tự chấm."
            )
        score.checked_points, score.checked_bonus, score.check_note = (
            points,
            bonus,
            opinion.strip(),
        )
        score.save()
    _totals_store(assessment)
    assessment.status = Status.CHECKED
    assessment.checked_by = person(actor)
    assessment.checked_at = timezone.now()
    assessment.save()
    _audit(actor, AuditAction.ASSESSMENT_CHECK, _assessment_name(assessment))
    return assessment


@transaction.atomic
def assessment_return(*, assessment: Assessment, reason: str, actor: Actor) -> Assessment:
    """Send the self-assessment back to the unit, with the reason."""
    _not_published(assessment)
    _checker(assessment, actor)
    if assessment.status != Status.SUBMITTED:
        raise ValidationError("Chỉ trả lại được bản tự chấm đang chờ kiểm tra.")
    if not reason.strip():
        raise ValidationError("Cần ghi lý do trả lại.")
    assessment.status = Status.DRAFT
    assessment.return_reason = reason.strip()
    assessment.save()
    _audit(actor, AuditAction.ASSESSMENT_RETURN, _assessment_name(assessment), reason.strip())
    return assessment


# -- council and publication ------------------------------------------------------------------


def _council(criteria_set: CriteriaSet, actor: Actor) -> None:
    _require(
        is_system(actor) or unit_may_administer(actor, criteria_set.grader),
        "Chỉ Hội đồng thi đua (quyền quản trị của đơn vị chấm) mới được xét và công bố.",
    )


@transaction.atomic
def criteria_set_confirm(*, criteria_set: CriteriaSet, actor: Actor) -> list[Assessment]:
    """The emulation council confirms the checked results: classification, quota, ranking.

    Every assessment must have been checked. Units at "xuất sắc" beyond the quota (by order
    of merit: total, then points without bonus, then code) become "hoàn thành tốt"; each
    cluster is ranked and led by its first unit if that unit is "xuất sắc".
    """
    _council(criteria_set, actor)
    if criteria_set.is_published:
        raise PublishedError()
    _set_lock(criteria_set)
    assessments = list(
        criteria_set.assessments.select_related("unit", "criteria_set").order_by("unit__code")
    )
    if not assessments:
        raise ValidationError("Chưa có đơn vị nào chấm điểm.")
    waiting = [
        a.unit.name for a in assessments if a.status not in (Status.CHECKED, Status.CONFIRMED)
    ]
    if waiting:
        raise ValidationError(
            "Còn đơn vị chưa được cấp trên kiểm tra: "
            + ", ".join(waiting[:20])
            + ("…" if len(waiting) > 20 else "")
        )
    outcomes = {a.pk: assessment_outcome(a) for a in assessments}
    order = sorted(
        assessments,
        key=lambda a: scoring.rank_key(outcomes[a.pk].total, outcomes[a.pk].base, a.unit.code),
    )
    limit = scoring.quota_limit(len(assessments), criteria_set.excellent_quota_pct)
    excellent_seen = 0
    for assessment in order:
        outcome = outcomes[assessment.pk]
        classification, note = outcome.classification, outcome.note
        if classification == Classification.EXCELLENT:
            excellent_seen += 1
            if limit is not None and excellent_seen > limit:
                classification = Classification.GOOD
                note = (
                    f"Đủ điều kiện xuất sắc nhưng ngoài tỷ lệ "
                    f"{format_number(criteria_set.excellent_quota_pct or ZERO)}% "
                    f"({limit} đơn vị)"
                )
        assessment.base_points, assessment.bonus_points, assessment.total = (
            outcome.base,
            outcome.bonus,
            outcome.total,
        )
        assessment.classification = classification
        assessment.classification_note = note
    clusters = defaultdict(list)
    member_of = {
        m.unit_id: m.cluster
        for m in ClusterMember.objects.filter(cluster__criteria_set=criteria_set).select_related(
            "cluster"
        )
    }
    for assessment in order:
        cluster = member_of.get(assessment.unit_id)
        assessment.cluster = cluster
        assessment.cluster_rank = None
        assessment.is_cluster_leader = False
        if cluster is not None:
            clusters[cluster.pk].append(assessment)
    for members in clusters.values():
        for rank, assessment in enumerate(members, start=1):
            assessment.cluster_rank = rank
        first = members[0]
        first.is_cluster_leader = first.classification == Classification.EXCELLENT
    now = timezone.now()
    for assessment in assessments:
        assessment.status = Status.CONFIRMED
        assessment.confirmed_by = person(actor)
        assessment.confirmed_at = now
        assessment.save()
    criteria_set.confirmed_at = now
    criteria_set.save(update_fields=["confirmed_at"])
    _audit(actor, AuditAction.RESULTS_CONFIRM, _set_name(criteria_set), f"{len(order)} đơn vị")
    return order


@transaction.atomic
def criteria_set_publish(*, criteria_set: CriteriaSet, actor: Actor) -> CriteriaSet:
    """Publish the confirmed results: from now on they never change."""
    _council(criteria_set, actor)
    if criteria_set.is_published:
        raise ValidationError("Kết quả đã được công bố.")
    try:
        _set_lock(criteria_set)
    except PublishedError as exc:
        raise ValidationError("Kết quả đã được công bố.") from exc
    assessments = list(criteria_set.assessments.select_related("unit"))
    waiting = [a.unit.name for a in assessments if a.status != Status.CONFIRMED]
    if not assessments or waiting:
        raise ValidationError("Hội đồng thi đua chưa xét xong kết quả của tất cả đơn vị.")
    now = timezone.now()
    for assessment in assessments:
        assessment.status = Status.PUBLISHED
        assessment.published_at = now
        assessment.save()
    criteria_set.published_at = now
    criteria_set.published_by = person(actor)
    criteria_set.save(update_fields=["published_at", "published_by"])
    _audit(actor, AuditAction.RESULTS_PUBLISH, _set_name(criteria_set))
    return criteria_set


@transaction.atomic
def assessment_correct(
    *,
    assessment: Assessment,
    criterion: Criterion,
    points: object,
    bonus: object = "0",
    reason: str,
    decision_number: str = "",
    actor: Actor,
) -> Correction:
    """Correct a published result by a recorded decision (the published row stays).

    The new total and classification follow the set's thresholds and conditions; the quota
    is not run again (the council decided it over all units at once).
    """
    _council(assessment.criteria_set, actor)
    # The stored row, not whatever the caller holds in memory.
    assessment = Assessment.objects.select_related("criteria_set").get(pk=assessment.pk)
    if assessment.status != Status.PUBLISHED:
        raise ValidationError("Chỉ điều chỉnh kết quả đã công bố; trước đó hãy sửa điểm.")
    if not reason.strip():
        raise ValidationError("Cần ghi lý do điều chỉnh.")
    if criterion.group.criteria_set_id != assessment.criteria_set_id:
        raise ValidationError("Tiêu chí không thuộc bộ tiêu chí của đơn vị.")
    new_points = _decimal(points, f"Tiêu chí {criterion.label}")
    new_bonus = _decimal(bonus or "0", f"Tiêu chí {criterion.label}")
    _points_check(criterion, new_points, new_bonus)
    previous = assessment.corrections.order_by("-at", "-id").first()
    overrides = correction_overrides(assessment)
    score = assessment.scores.get(criterion=criterion)
    old_points = overrides.get(criterion.pk, (score.points, score.bonus))[0]
    overrides[criterion.pk] = (new_points, new_bonus)
    outcome = assessment_outcome(assessment, overrides)
    old_classification = previous.new_classification if previous else assessment.classification
    new_classification = outcome.classification
    if (
        new_classification == Classification.EXCELLENT
        and old_classification != Classification.EXCELLENT
        and assessment.classification_note.startswith("Đủ điều kiện xuất sắc nhưng ngoài tỷ lệ")
    ):
        new_classification = Classification.GOOD  # still beyond the quota
    correction = Correction.objects.create(
        assessment=assessment,
        criterion=criterion,
        old_points=old_points,
        new_points=new_points,
        new_bonus=new_bonus,
        old_total=previous.new_total if previous else assessment.total,
        new_total=outcome.total,
        old_classification=old_classification,
        new_classification=new_classification,
        reason=reason.strip(),
        decision_number=decision_number.strip(),
        by=person(actor),
    )
    _audit(
        actor,
        AuditAction.RESULTS_CORRECT,
        _assessment_name(assessment),
        f"Tiêu chí {criterion.label}: {reason.strip()}",
    )
    return correction


def correction_overrides(assessment: Assessment) -> dict[int, tuple[Decimal, Decimal]]:
    """Points in force after the corrections: {criterion id: (points, bonus)}."""
    result: dict[int, tuple[Decimal, Decimal]] = {}
    for correction in assessment.corrections.order_by("at", "id"):
        if correction.criterion_id is not None and correction.new_points is not None:
            result[correction.criterion_id] = (
                correction.new_points,
                correction.new_bonus or ZERO,
            )
    return result


# -- awards -----------------------------------------------------------------------------------


def _proposer(unit: Unit, actor: Actor) -> None:
    _require(
        is_system(actor) or unit_may_administer(actor, unit),
        "Chỉ quản trị của đơn vị mới được lập đề nghị, quyết định khen thưởng.",
    )


@transaction.atomic
def proposals_generate(*, proposer: Unit, year: int, actor: Actor) -> list[Proposal]:
    """Proposals of `proposer` for `year` by every award type's rule, from published results.

    Each proposal carries the rule and the facts that produced it. Proposals already made
    are kept as they are.
    """
    from phongtrao.emulation.selectors import effective_results

    _proposer(proposer, actor)
    types = list(AwardType.objects.all())
    if not types:
        raise ValidationError("Chưa khai báo hình thức khen thưởng nào.")
    span = max([t.rule_years for t in types] + [1])
    results = effective_results(grader=proposer, years=range(year - span + 1, year + 1))
    this_year = [r for r in results if r.year == year]
    if not this_year:
        raise ValidationError(f"Chưa có kết quả thi đua năm {year} đã công bố.")
    by_unit: dict[int, dict[int, Classification]] = defaultdict(dict)
    for r in results:
        by_unit[r.unit.pk][r.year] = r.classification
    created = []
    for award_type in types:
        for r in this_year:
            if award_type.unit_level is not None and r.unit.level != award_type.unit_level:
                continue
            reason = _eligible(
                award_type,
                r.classification,
                r.is_cluster_leader,
                r.cluster_name,
                by_unit[r.unit.pk],
                year,
            )
            if reason is None:
                continue
            proposal, made = Proposal.objects.get_or_create(
                unit=r.unit,
                award_type=award_type,
                year=year,
                defaults={"proposer": proposer, "reason": reason},
            )
            if made:
                created.append(proposal)
    if created:
        _audit(
            actor,
            AuditAction.AWARD_PROPOSE,
            f"Khen thưởng {year}: {proposer.name}",
            ", ".join(p.unit.name for p in created),
        )
    return created


def _eligible(
    award_type: AwardType,
    classification: Classification,
    leader: bool,
    cluster_name: str,
    history: Mapping[int, Classification],
    year: int,
) -> str | None:
    """The reason a unit is eligible for the award, or None."""
    excellent = Classification.EXCELLENT
    if award_type.rule == AwardRule.EXCELLENT:
        return f"Hoàn thành xuất sắc nhiệm vụ năm {year}" if classification == excellent else None
    if award_type.rule == AwardRule.CLUSTER_LEADER:
        return f"Dẫn đầu {cluster_name} năm {year}" if leader else None
    years = list(range(year - award_type.rule_years + 1, year + 1))
    if all(history.get(y) == excellent for y in years):
        listed = ", ".join(str(y) for y in years)
        return f"Hoàn thành xuất sắc nhiệm vụ {len(years)} năm liên tục ({listed})"
    return None


@transaction.atomic
def decision_issue(
    *,
    issuer: Unit,
    proposals: Sequence[Proposal],
    number: str,
    date: dt.date,
    signer: str,
    signer_title: str,
    actor: Actor,
) -> Decision:
    """A decision awarding the proposals (one award type and year): the awards on the units."""
    _proposer(issuer, actor)
    if not proposals:
        raise ValidationError("Chọn ít nhất một đề nghị.")
    kinds = {(p.award_type_id, p.year) for p in proposals}
    if len(kinds) != 1:
        raise ValidationError("Một quyết định chỉ khen một hình thức cho thành tích một năm.")
    if any(p.status != ProposalStatus.PROPOSED for p in proposals):
        raise ValidationError("Có đề nghị đã có quyết định.")
    if not (number.strip() and signer.strip() and signer_title.strip()):
        raise ValidationError("Cần ghi số quyết định, người ký và chức vụ người ký.")
    if Decision.objects.filter(issuer=issuer, number=number.strip()).exists():
        raise ValidationError(f"Đã có quyết định số {number.strip()}.")
    first = proposals[0]
    decision = Decision.objects.create(
        issuer=issuer,
        award_type=first.award_type,
        year=first.year,
        number=number.strip(),
        date=date,
        signer=signer.strip(),
        signer_title=signer_title.strip(),
        created_by=person(actor),
    )
    for proposal in proposals:
        Award.objects.create(
            unit=proposal.unit,
            award_type=proposal.award_type,
            year=proposal.year,
            decision=decision,
        )
        proposal.status = ProposalStatus.AWARDED
        proposal.decision = decision
        proposal.save(update_fields=["status", "decision"])
    _audit(
        actor,
        AuditAction.AWARD_DECIDE,
        f"{decision} ({issuer.name})",
        ", ".join(p.unit.name for p in proposals),
    )
    return decision
