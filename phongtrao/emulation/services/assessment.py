"""The scoring workflow: self-assessment, evidence, submission, the check above."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from phongtrao.accounts.access import unit_may_approve, unit_may_change
from phongtrao.actors import Actor, is_system, person
from phongtrao.audit.models import AuditAction
from phongtrao.emulation import scoring
from phongtrao.emulation.models import (
    Assessment,
    CriteriaSet,
    Evidence,
    Method,
    PublishedError,
    Score,
    Status,
)
from phongtrao.emulation.selectors import (
    assessment_outcome,
    criteria_compute,
    criteria_of,
)
from phongtrao.emulation.services.common import (
    MAX_EVIDENCE_BYTES,
    assessment_name,
    audit,
    graded_by,
    points_check,
    points_parse,
    require,
)
from phongtrao.notifications.models import Kind
from phongtrao.notifications.services import approvers_above, notify
from phongtrao.orgs.models import Unit

# -- scoring ----------------------------------------------------------------------------------


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


def results_lock(criteria_set: CriteriaSet) -> None:
    """Lock the set's row: two council members acting at once are served one after the other."""
    published = (
        CriteriaSet.objects.select_for_update()
        .filter(pk=criteria_set.pk)
        .values_list("published_at", flat=True)
        .first()
    )
    if published is not None:
        raise PublishedError()


@transaction.atomic
def assessment_start(*, criteria_set: CriteriaSet, unit: Unit, actor: Actor) -> Assessment:
    """The unit's assessment under the set (created on first use), indicator points fresh."""
    require(
        is_system(actor) or unit_may_change(actor, unit) or unit_may_approve(actor, unit),
        "Bạn không có quyền chấm điểm thi đua cho đơn vị này.",
    )
    if not graded_by(criteria_set, unit):
        raise ValidationError(f"{unit.name} không thuộc đối tượng chấm của bộ tiêu chí này.")
    assessment, created = Assessment.objects.get_or_create(criteria_set=criteria_set, unit=unit)
    if created:
        audit(actor, AuditAction.ASSESSMENT_START, assessment_name(assessment))
    if assessment.status == Status.DRAFT and not criteria_set.is_published:
        _scores_refresh(assessment)
    return assessment


def _scores_refresh(assessment: Assessment) -> None:
    """Create missing score rows and recompute the indicator-based ones, then the totals.

    The criteria's figures are read together (`criteria_compute`) and the rows written
    set-wise: as many queries for forty criteria as for one.
    """
    criteria_set = assessment.criteria_set
    if Assessment.objects.filter(pk=assessment.pk, status=Status.PUBLISHED).exists():
        raise PublishedError()  # as `Score.save` refuses, once for the rows written below
    existing = {s.criterion_id: s for s in assessment.scores.all()}
    criteria = criteria_of(criteria_set)
    computed = criteria_compute(criteria, assessment.unit, criteria_set.year)
    created: list[Score] = []
    changed: list[Score] = []
    for criterion in criteria:
        score = existing.get(criterion.pk)
        fresh = computed.get(criterion.pk)
        if score is None:
            score = Score(assessment=assessment, criterion=criterion)
            created.append(score)
        elif fresh is None or (
            (score.self_points, score.self_bonus, score.basis)
            == (fresh.points, fresh.bonus, fresh.basis)
        ):
            continue
        else:
            changed.append(score)
        if fresh is not None:
            score.self_points, score.self_bonus, score.basis = (
                fresh.points,
                fresh.bonus,
                fresh.basis,
            )
    Score.objects.bulk_create(created)
    Score.objects.bulk_update(changed, ["self_points", "self_bonus", "basis"])
    _totals_store(assessment)


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
    require(
        is_system(actor) or unit_may_change(actor, assessment.unit),
        "Chỉ cán bộ nhập liệu của đơn vị mới được tự chấm điểm.",
    )
    if assessment.status != Status.DRAFT:
        raise ValidationError("Bản tự chấm đã gửi cấp trên; chỉ sửa được khi bị trả lại.")
    scores = {s.criterion_id: s for s in assessment.scores.select_related("criterion__group")}
    typed: list[Score] = []
    for criterion_id, (points_text, bonus_text, note) in values.items():
        score = scores.get(criterion_id)
        if score is None:
            raise ValidationError("Tiêu chí không thuộc bộ tiêu chí của đơn vị.")
        criterion = score.criterion
        if criterion.method != Method.HAND:
            continue  # computed from the figures: not typed in
        points = points_parse(points_text or "0", f"Tiêu chí {criterion.label}")
        bonus = points_parse(bonus_text or "0", f"Tiêu chí {criterion.label}")
        points_check(criterion, points, bonus)
        score.self_points, score.self_bonus, score.note = points, bonus, note.strip()
        typed.append(score)
    # Written together once all are checked (the assessment is locked and unpublished).
    Score.objects.bulk_update(typed, ["self_points", "self_bonus", "note"])
    _totals_store(assessment)
    audit(actor, AuditAction.SELF_SCORE, assessment_name(assessment))
    return assessment


@transaction.atomic
def evidence_add(*, score: Score, file: UploadedFile, actor: Actor) -> Evidence:
    """A file of evidence for a criterion, while the unit is still scoring itself."""
    assessment = score.assessment
    _not_published(assessment)
    require(
        is_system(actor) or unit_may_change(actor, assessment.unit),
        "Chỉ cán bộ nhập liệu của đơn vị mới được tải minh chứng.",
    )
    if assessment.status != Status.DRAFT:
        raise ValidationError("Bản tự chấm đã gửi cấp trên; không thêm minh chứng được nữa.")
    if file.size is not None and file.size > MAX_EVIDENCE_BYTES:
        raise ValidationError("Tệp minh chứng không được lớn hơn 20 MB.")
    name = (file.name or "minh-chung").rsplit("/", 1)[-1][:200]
    evidence = Evidence.objects.create(score=score, file=file, name=name, uploaded_by=person(actor))
    audit(
        actor,
        AuditAction.SELF_SCORE,
        assessment_name(assessment),
        f"Minh chứng {name} cho tiêu chí {score.criterion.label}",
    )
    return evidence


def _totals_store(assessment: Assessment) -> scoring.Outcome:
    """The assessment's points from its scores, stored (its three columns only: every
    caller has checked that it is not published)."""
    outcome = assessment_outcome(assessment)
    assessment.base_points, assessment.bonus_points, assessment.total = (
        outcome.base,
        outcome.bonus,
        outcome.total,
    )
    Assessment.objects.filter(pk=assessment.pk).update(
        base_points=outcome.base, bonus_points=outcome.bonus, total=outcome.total
    )
    return outcome


@transaction.atomic
def assessment_submit(*, assessment: Assessment, actor: Actor) -> Assessment:
    """The unit has scored itself: indicator points are recomputed and it goes to the level
    above."""
    _not_published(assessment)
    require(
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
    audit(actor, AuditAction.ASSESSMENT_SUBMIT, assessment_name(assessment))
    return assessment


def _checker(assessment: Assessment, actor: Actor) -> None:
    require(
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
        points = points_parse(points_text, f"Tiêu chí {score.criterion.label}")
        bonus = points_parse(bonus_text or "0", f"Tiêu chí {score.criterion.label}")
        if points == score.self_points and bonus == score.self_bonus:
            continue
        points_check(score.criterion, points, bonus)
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
    audit(actor, AuditAction.ASSESSMENT_CHECK, assessment_name(assessment))
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
    audit(actor, AuditAction.ASSESSMENT_RETURN, assessment_name(assessment), reason.strip())
    return assessment
