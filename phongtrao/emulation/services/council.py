"""The council: confirming and publishing results, corrections by decision."""

from __future__ import annotations

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from phongtrao.accounts.access import unit_may_administer
from phongtrao.actors import Actor, is_system, person
from phongtrao.audit.models import AuditAction
from phongtrao.emulation import scoring
from phongtrao.emulation.models import (
    Assessment,
    Classification,
    ClusterMember,
    Correction,
    CriteriaSet,
    Criterion,
    PublishedError,
    Status,
)
from phongtrao.emulation.selectors import ZERO, assessment_outcome, correction_overrides
from phongtrao.emulation.services.assessment import results_lock
from phongtrao.emulation.services.common import (
    assessment_name,
    audit,
    points_check,
    points_parse,
    require,
    set_name,
)
from phongtrao.vn import format_number

# -- council and publication ------------------------------------------------------------------


def _council(criteria_set: CriteriaSet, actor: Actor) -> None:
    require(
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
    results_lock(criteria_set)
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
    audit(actor, AuditAction.RESULTS_CONFIRM, set_name(criteria_set), f"{len(order)} đơn vị")
    return order


@transaction.atomic
def criteria_set_publish(*, criteria_set: CriteriaSet, actor: Actor) -> CriteriaSet:
    """Publish the confirmed results: from now on they never change."""
    _council(criteria_set, actor)
    if criteria_set.is_published:
        raise ValidationError("Kết quả đã được công bố.")
    try:
        results_lock(criteria_set)
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
    audit(actor, AuditAction.RESULTS_PUBLISH, set_name(criteria_set))
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
    new_points = points_parse(points, f"Tiêu chí {criterion.label}")
    new_bonus = points_parse(bonus or "0", f"Tiêu chí {criterion.label}")
    points_check(criterion, new_points, new_bonus)
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
    audit(
        actor,
        AuditAction.RESULTS_CORRECT,
        assessment_name(assessment),
        f"Tiêu chí {criterion.label}: {reason.strip()}",
    )
    return correction
