"""The approval workflow of a report (form, unit, period): submit, approve, return, unlock.

A unit's report is approved by the level above, and only once every reporting unit below it
has been approved (DHIS2's rule). While submitted or approved, its values are locked. After
the form's deadline (`Form.deadline_days` after the period's end, in Vietnam's time) entry is
locked for officers too, until an approver of the level above reopens it with a reason.
Each step takes the person who takes it, or the system named explicitly (a `SystemActor`:
the demo loader reopening and resending its own reports), which every check lets through
and the audit log names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from phongtrao import periods
from phongtrao.accounts.access import membership_of, unit_may_approve, unit_may_change
from phongtrao.actors import Actor, is_system, person
from phongtrao.audit.models import AuditAction
from phongtrao.audit.services import audit_log
from phongtrao.catalog.models import Form, FormIndicator, Indicator
from phongtrao.data.models import (
    LOCKED_STATUSES,
    REOPENED_STATUSES,
    Period,
    Submission,
    SubmissionStatus,
)
from phongtrao.notifications.models import Kind
from phongtrao.notifications.services import approvers_above, members_with, notify
from phongtrao.orgs.models import Unit
from phongtrao.vn import format_date_short

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


class DataLocked(ValidationError):
    """The values belong to a report that is submitted or approved, or past its deadline."""


def form_deadline(form: Form, period: Period) -> dt.date | None:
    """The last day to send the report (None when the form has no deadline)."""
    if not form.deadline_days:
        return None
    return period.end + dt.timedelta(days=form.deadline_days)


def deadline_passed(form: Form, period: Period) -> bool:
    """Whether the form's deadline for the period is over (today in Vietnam's time)."""
    deadline = form_deadline(form, period)
    return deadline is not None and _today() > deadline


def deadline_message(deadline: dt.date) -> str:
    return f"Đã quá hạn nộp ({format_date_short(deadline)}); liên hệ cấp trên để mở khóa."


def _deadline_binds(actor: Actor) -> bool:
    """The deadline holds for officers (members of a unit); the system (a `SystemActor`: the
    demo loader, commands, the member registry) and superusers may still write past it."""
    if is_system(actor) or getattr(actor, "is_superuser", False):
        return False
    return membership_of(actor) is not None


def _today() -> dt.date:
    return timezone.now().astimezone(VIETNAM).date()


def deadline_lock(
    *, form: Form, period: Period, submission: Submission | None, user: Actor
) -> dt.date | None:
    """The deadline that locks this report for `user`, or None while entry is open.

    Past the deadline the report stays open only while it is returned (by the level above,
    or reopened by `submission_unlock`), until it is submitted again.
    """
    deadline = form_deadline(form, period)
    if deadline is None or _today() <= deadline or not _deadline_binds(user):
        return None
    if submission is not None and submission.status in REOPENED_STATUSES:
        return None
    return deadline


def submission_get(*, form: Form, unit: Unit, period: Period) -> Submission | None:
    """The report's submission row, or None while nobody has submitted it."""
    return (
        Submission.objects.filter(form=form, unit=unit, period=period)
        .select_related("submitted_by", "decided_by")
        .first()
    )


def lock_check(
    *, unit: Unit, period: Period, indicators: Iterable[Indicator], actor: Actor
) -> None:
    """Raise DataLocked if any of these values is in a submitted or approved report, or, for
    an officer, in a report of the unit past its deadline that nobody reopened."""
    indicator_ids = [i.pk for i in indicators]
    locked = (
        Submission.objects.filter(
            unit=unit,
            period=period,
            status__in=LOCKED_STATUSES,
            form__formindicator__indicator__in=indicator_ids,
        )
        .select_related("form")
        .first()
    )
    if locked is None:
        _deadline_check(unit=unit, period=period, indicator_ids=indicator_ids, user=actor)
        return
    label = periods.label_vi(period.code)
    if locked.status == SubmissionStatus.APPROVED:
        raise DataLocked(
            f"Báo cáo “{locked.form.name}” {label} đã được duyệt: số liệu đã khóa. "
            "Cần cấp trên mở khóa để sửa."
        )
    raise DataLocked(
        f"Báo cáo “{locked.form.name}” {label} đã gửi và đang chờ duyệt: số liệu tạm khóa. "
        "Cần cấp trên trả lại để sửa."
    )


def _deadline_check(*, unit: Unit, period: Period, indicator_ids: list[int], user: Actor) -> None:
    if not _deadline_binds(user):
        return
    forms = Form.objects.filter(
        level=unit.level,
        period_type=period.period_type,
        formindicator__indicator__in=indicator_ids,
        deadline_days__gt=0,
    ).distinct()
    passed = [(f, d) for f in forms if (d := form_deadline(f, period)) and _today() > d]
    if not passed:
        return
    reopened = set(
        Submission.objects.filter(
            unit=unit,
            period=period,
            form__in=[f for f, _ in passed],
            status__in=REOPENED_STATUSES,
        ).values_list("form_id", flat=True)
    )
    for form, deadline in passed:
        if form.pk not in reopened:
            raise DataLocked(deadline_message(deadline))


def deadline_locked_keys(
    *, unit_ids: Iterable[int], periods: Iterable[Period], user: Actor
) -> set[tuple[int, int, int]]:
    """(unit, period, indicator) among these that an officer may not write any more: the
    set-wise form of the deadline part of `lock_check`, for bulk imports (three queries)."""
    if not _deadline_binds(user):
        return set()
    today = _today()
    by_type: dict[str, list[Period]] = {}
    for period in periods:
        by_type.setdefault(period.period_type, []).append(period)
    forms = Form.objects.filter(period_type__in=list(by_type), deadline_days__gt=0)
    passed = [
        (form, period)
        for form in forms
        for period in by_type.get(form.period_type, [])
        if (deadline := form_deadline(form, period)) and today > deadline
    ]
    if not passed:
        return set()
    ids = list(set(unit_ids))
    levels = dict(Unit.objects.filter(pk__in=ids).values_list("pk", "level"))
    reopened = set(
        Submission.objects.filter(
            unit_id__in=ids,
            period__in={p for _, p in passed},
            status__in=REOPENED_STATUSES,
        ).values_list("form_id", "unit_id", "period_id")
    )
    members: dict[int, list[int]] = {}
    for form_id, indicator_id in FormIndicator.objects.filter(
        form__in={f for f, _ in passed}
    ).values_list("form_id", "indicator_id"):
        members.setdefault(form_id, []).append(indicator_id)
    return {
        (unit_id, period.pk, indicator_id)
        for form, period in passed
        for unit_id in ids
        if levels.get(unit_id) == form.level and (form.pk, unit_id, period.pk) not in reopened
        for indicator_id in members.get(form.pk, [])
    }


def _target(submission: Submission) -> str:
    return f"{submission.form.code} / {submission.unit.name} / {submission.period.code}"


def _tell(
    submission: Submission,
    *,
    recipients: Iterable[Any],
    kind: Kind,
    title: str,
    actor: Actor,
    body: str = "",
) -> None:
    # The report's page by its URL name: data knows the address, not the entry app's code.
    url = reverse(
        "entry:report",
        args=[submission.form.code, submission.unit.uid, submission.period.code],
    )
    notify(recipients=recipients, kind=kind, title=title, body=body, url=url, exclude=actor)


def _row(form: Form, unit: Unit, period: Period) -> Submission:
    # The same lock as datavalues_save takes: no value slips in while the status changes.
    Unit.objects.select_for_update().filter(pk=unit.pk).first()
    submission, _ = Submission.objects.select_for_update().get_or_create(
        form=form, unit=unit, period=period
    )
    return submission


@transaction.atomic
def submission_submit(
    *,
    form: Form,
    unit: Unit,
    period: Period,
    user: Actor,
    submitted_at: dt.datetime | None = None,
) -> Submission:
    """Send the report to the level above for approval (from draft or returned).

    `submitted_at`: when it counts as sent (the DHIS2 API's `completeDate`, a day DHIS2
    registers at its start); now by default, and never later than now."""
    if not (is_system(user) or unit_may_change(user, unit)):
        raise PermissionDenied("Bạn không có quyền gửi báo cáo của đơn vị này.")
    submission = _row(form, unit, period)
    if submission.status in LOCKED_STATUSES:
        raise ValidationError(
            f"Báo cáo đang ở trạng thái “{submission.get_status_display()}”, không gửi lại được."
        )
    deadline = deadline_lock(form=form, period=period, submission=submission, user=user)
    if deadline is not None:
        raise DataLocked(deadline_message(deadline))
    submission.status = SubmissionStatus.SUBMITTED
    submission.submitted_by = person(user)
    now = timezone.now()
    submission.submitted_at = min(submitted_at, now) if submitted_at is not None else now
    submission.save()
    audit_log(user=user, action=AuditAction.SUBMIT, target=_target(submission))
    _tell(
        submission,
        recipients=approvers_above(unit),
        kind=Kind.SUBMITTED,
        title=f"{unit.name} đã gửi {form.title_for(period.code)}, chờ duyệt",
        actor=user,
    )
    return submission


@transaction.atomic
def submission_redate(
    *, form: Form, unit: Unit, period: Period, user: Actor, submitted_at: dt.datetime
) -> Submission:
    """Give a report already sent (submitted or approved) a new time of sending, as DHIS2
    re-dates a complete registration registered again (`handleComplete`: new date, stored
    by the caller); its status stays. Never later than now; audited as a submission."""
    if not unit_may_change(user, unit):
        raise PermissionDenied("Bạn không có quyền gửi báo cáo của đơn vị này.")
    submission = _row(form, unit, period)
    if submission.status not in LOCKED_STATUSES:
        raise ValidationError("Báo cáo chưa được gửi: không đổi được ngày gửi.")
    submission.submitted_at = min(submitted_at, timezone.now())
    submission.submitted_by = person(user)
    submission.save(update_fields=["submitted_at", "submitted_by"])
    audit_log(
        user=user,
        action=AuditAction.SUBMIT,
        target=_target(submission),
        detail="Ghi lại ngày gửi: "
        + format_date_short(timezone.localtime(submission.submitted_at).date()),
    )
    return submission


def units_pending_approval(*, form: Form, unit: Unit, period: Period) -> list[Unit]:
    """The reporting units below `unit` whose report for the period is not approved yet."""
    below = Unit.objects.filter(
        path__startswith=unit.path,
        level=form.level,
        valid_from__lte=period.end,
    ).exclude(pk=unit.pk)
    below = below.exclude(valid_to__lt=period.start)
    approved = Submission.objects.filter(
        form=form, period=period, status=SubmissionStatus.APPROVED
    ).values("unit_id")
    return list(below.exclude(pk__in=approved).order_by("code"))


@transaction.atomic
def submission_approve(*, form: Form, unit: Unit, period: Period, user: Actor) -> Submission:
    """Approve a submitted report; refused while a reporting unit below is not approved."""
    if not (is_system(user) or unit_may_approve(user, unit)):
        raise PermissionDenied("Bạn không có quyền duyệt báo cáo của đơn vị này.")
    submission = _row(form, unit, period)
    if submission.status != SubmissionStatus.SUBMITTED:
        raise ValidationError("Chỉ duyệt được báo cáo đã gửi và đang chờ duyệt.")
    pending = units_pending_approval(form=form, unit=unit, period=period)
    if pending:
        names = ", ".join(u.name for u in pending[:5])
        more = f" và {len(pending) - 5} đơn vị khác" if len(pending) > 5 else ""
        raise ValidationError(
            f"Chưa duyệt được: báo cáo của {len(pending)} đơn vị cấp dưới chưa được duyệt "
            f"({names}{more})."
        )
    submission.status = SubmissionStatus.APPROVED
    submission.reason = ""
    submission.decided_by = person(user)
    submission.decided_at = timezone.now()
    submission.save()
    audit_log(user=user, action=AuditAction.APPROVE, target=_target(submission))
    _tell(
        submission,
        recipients=members_with([unit], "may_enter"),
        kind=Kind.APPROVED,
        title=f"Cấp trên đã duyệt {form.title_for(period.code)} của {unit.name}",
        actor=user,
    )
    return submission


def _reason_required(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationError("Cần ghi rõ lý do.")
    return reason


@transaction.atomic
def submission_return(
    *, form: Form, unit: Unit, period: Period, user: Actor, reason: str
) -> Submission:
    """Send a submitted report back to its unit for correction, with the reason."""
    reason = _reason_required(reason)
    if not (is_system(user) or unit_may_approve(user, unit)):
        raise PermissionDenied("Bạn không có quyền trả lại báo cáo của đơn vị này.")
    submission = _row(form, unit, period)
    if submission.status != SubmissionStatus.SUBMITTED:
        raise ValidationError("Chỉ trả lại được báo cáo đã gửi và đang chờ duyệt.")
    submission.status = SubmissionStatus.RETURNED
    submission.reason = reason
    submission.decided_by = person(user)
    submission.decided_at = timezone.now()
    submission.save()
    audit_log(user=user, action=AuditAction.RETURN, target=_target(submission), detail=reason)
    _tell(
        submission,
        recipients=members_with([unit], "may_enter"),
        kind=Kind.RETURNED,
        title=f"Cấp trên trả lại {form.title_for(period.code)} của {unit.name}",
        body=f"Lý do: {reason}",
        actor=user,
    )
    return submission


@transaction.atomic
def submission_unlock(
    *, form: Form, unit: Unit, period: Period, user: Actor, reason: str
) -> Submission:
    """Reopen a report for correction, with the reason (audited): an approved report, or one
    past its deadline. It stays open until the unit submits it again.

    Refused while the report of a unit above is approved: unlock from the top down.
    """
    reason = _reason_required(reason)
    if not (is_system(user) or unit_may_approve(user, unit)):
        raise PermissionDenied("Bạn không có quyền mở khóa báo cáo của đơn vị này.")
    submission = _row(form, unit, period)
    past_deadline = deadline_passed(form, period)
    if submission.status == SubmissionStatus.SUBMITTED:
        raise ValidationError("Báo cáo đang chờ duyệt: hãy duyệt hoặc trả lại.")
    if submission.status in REOPENED_STATUSES:
        raise ValidationError("Báo cáo đang mở để đơn vị sửa, không cần mở khóa.")
    if submission.status != SubmissionStatus.APPROVED and not past_deadline:
        raise ValidationError("Báo cáo chưa khóa: đơn vị vẫn nhập được.")
    above = Submission.objects.filter(
        form=form,
        period=period,
        unit_id__in=unit.ancestor_ids,
        status=SubmissionStatus.APPROVED,
    ).exists()
    if above:
        raise ValidationError("Báo cáo cấp trên đã được duyệt: cần mở khóa báo cáo cấp trên trước.")
    what = "Mở khóa" if submission.status == SubmissionStatus.APPROVED else "Mở khóa sau hạn nộp"
    submission.status = SubmissionStatus.UNLOCKED
    submission.reason = f"{what}: {reason}"
    submission.decided_by = person(user)
    submission.decided_at = timezone.now()
    submission.save()
    audit_log(
        user=user, action=AuditAction.UNLOCK, target=_target(submission), detail=f"{what}: {reason}"
    )
    _tell(
        submission,
        recipients=members_with([unit], "may_enter"),
        kind=Kind.UNLOCKED,
        title=f"Cấp trên đã mở khóa {form.title_for(period.code)} của {unit.name}",
        body=f"{what}: {reason}. Sửa xong, hãy gửi lại báo cáo.",
        actor=user,
    )
    return submission
