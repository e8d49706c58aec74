"""The approval workflow of a report (form, unit, period): submit, approve, return, unlock.

A unit's report is approved by the level above, and only once every reporting unit below it
has been approved (DHIS2's rule). While submitted or approved, its values are locked.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from phongtrao import periods
from phongtrao.accounts.access import unit_may_approve, unit_may_change
from phongtrao.accounts.models import AuditAction
from phongtrao.accounts.services import audit_log
from phongtrao.catalog.models import Form, Indicator
from phongtrao.data.models import LOCKED_STATUSES, Period, Submission, SubmissionStatus
from phongtrao.orgs.models import Unit


class DataLocked(ValidationError):
    """The values belong to a report that is submitted or approved."""


def submission_get(*, form: Form, unit: Unit, period: Period) -> Submission | None:
    """The report's submission row, or None while nobody has submitted it."""
    return (
        Submission.objects.filter(form=form, unit=unit, period=period)
        .select_related("submitted_by", "decided_by")
        .first()
    )


def lock_check(*, unit: Unit, period: Period, indicators: Iterable[Indicator]) -> None:
    """Raise DataLocked if any of these values is in a submitted or approved report."""
    locked = (
        Submission.objects.filter(
            unit=unit,
            period=period,
            status__in=LOCKED_STATUSES,
            form__formindicator__indicator__in=[i.pk for i in indicators],
        )
        .select_related("form")
        .first()
    )
    if locked is None:
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


def _target(submission: Submission) -> str:
    return f"{submission.form.code} / {submission.unit.name} / {submission.period.code}"


def _row(form: Form, unit: Unit, period: Period) -> Submission:
    # The same lock as datavalues_save takes: no value slips in while the status changes.
    Unit.objects.select_for_update().filter(pk=unit.pk).first()
    submission, _ = Submission.objects.select_for_update().get_or_create(
        form=form, unit=unit, period=period
    )
    return submission


@transaction.atomic
def submission_submit(*, form: Form, unit: Unit, period: Period, user: Any) -> Submission:
    """Send the report to the level above for approval (from draft or returned)."""
    if not unit_may_change(user, unit):
        raise PermissionDenied("Bạn không có quyền gửi báo cáo của đơn vị này.")
    submission = _row(form, unit, period)
    if submission.status in LOCKED_STATUSES:
        raise ValidationError(
            f"Báo cáo đang ở trạng thái “{submission.get_status_display()}”, không gửi lại được."
        )
    submission.status = SubmissionStatus.SUBMITTED
    submission.submitted_by = user
    submission.submitted_at = timezone.now()
    submission.save()
    audit_log(user=user, action=AuditAction.SUBMIT, target=_target(submission))
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
def submission_approve(*, form: Form, unit: Unit, period: Period, user: Any) -> Submission:
    """Approve a submitted report; refused while a reporting unit below is not approved."""
    if not unit_may_approve(user, unit):
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
    submission.decided_by = user
    submission.decided_at = timezone.now()
    submission.save()
    audit_log(user=user, action=AuditAction.APPROVE, target=_target(submission))
    return submission


def _reason_required(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationError("Cần ghi rõ lý do.")
    return reason


@transaction.atomic
def submission_return(
    *, form: Form, unit: Unit, period: Period, user: Any, reason: str
) -> Submission:
    """Send a submitted report back to its unit for correction, with the reason."""
    reason = _reason_required(reason)
    if not unit_may_approve(user, unit):
        raise PermissionDenied("Bạn không có quyền trả lại báo cáo của đơn vị này.")
    submission = _row(form, unit, period)
    if submission.status != SubmissionStatus.SUBMITTED:
        raise ValidationError("Chỉ trả lại được báo cáo đã gửi và đang chờ duyệt.")
    submission.status = SubmissionStatus.RETURNED
    submission.reason = reason
    submission.decided_by = user
    submission.decided_at = timezone.now()
    submission.save()
    audit_log(user=user, action=AuditAction.RETURN, target=_target(submission), detail=reason)
    return submission


@transaction.atomic
def submission_unlock(
    *, form: Form, unit: Unit, period: Period, user: Any, reason: str
) -> Submission:
    """Reopen an approved report for correction, with the reason (audited).

    Refused while the report of a unit above is approved: unlock from the top down.
    """
    reason = _reason_required(reason)
    if not unit_may_approve(user, unit):
        raise PermissionDenied("Bạn không có quyền mở khóa báo cáo của đơn vị này.")
    submission = _row(form, unit, period)
    if submission.status != SubmissionStatus.APPROVED:
        raise ValidationError("Chỉ mở khóa được báo cáo đã duyệt.")
    above = Submission.objects.filter(
        form=form,
        period=period,
        unit_id__in=unit.ancestor_ids,
        status=SubmissionStatus.APPROVED,
    ).exists()
    if above:
        raise ValidationError("Báo cáo cấp trên đã được duyệt: cần mở khóa báo cáo cấp trên trước.")
    submission.status = SubmissionStatus.RETURNED
    submission.reason = f"Mở khóa: {reason}"
    submission.decided_by = user
    submission.decided_at = timezone.now()
    submission.save()
    audit_log(user=user, action=AuditAction.UNLOCK, target=_target(submission), detail=reason)
    return submission
