"""Writes of the officers' pages that are not the data's own: reminders to units below."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from phongtrao import periods
from phongtrao.accounts.access import membership_of
from phongtrao.actors import Actor
from phongtrao.audit.models import AuditAction
from phongtrao.audit.services import audit_log
from phongtrao.catalog.models import Form
from phongtrao.entry.tasks import late_units, report_deadline
from phongtrao.notifications.models import Kind
from phongtrao.notifications.services import members_with, notify
from phongtrao.vn.dates import format_date_short


@transaction.atomic
def reminder_send(
    *, actor: Actor, form: Form, period: periods.Period, today: dt.date | None = None
) -> int:
    """The level above reminds every unit of its subtree late with this report: a
    notification (and e-mail) to their officers who enter data. How many units were told."""
    membership = membership_of(actor)
    if membership is None or not membership.may_approve or membership.unit.level >= form.level:
        raise PermissionDenied("Chỉ cấp trên có quyền duyệt mới nhắc nộp được.")
    today = today or timezone.localdate()
    deadline = report_deadline(form, period)
    if deadline is None or today <= deadline:
        return 0
    # Every late unit, not only the first ones the home page lists.
    units = list(late_units(user=actor, unit=membership.unit, form=form, period=period))
    for unit in units:
        notify(
            recipients=members_with([unit], "may_enter"),
            kind=Kind.REMINDER,
            title=f"{membership.unit.union_name} nhắc nộp {form.title_for(period.code)}",
            body=(
                f"Báo cáo của {unit.name} đã quá hạn nộp ({format_date_short(deadline)}). "
                "Hãy hoàn thành và gửi lên cấp trên; nếu biểu mẫu đã khóa, "
                "liên hệ cấp trên để mở khóa."
            ),
            url=reverse("entry:report", args=[form.code, unit.uid, period.code]),
            exclude=actor,
        )
    audit_log(
        user=actor,
        action=AuditAction.REMIND,
        target=f"{form.code} {period.code}",
        detail=f"{len(units)} đơn vị",
    )
    return len(units)


__all__ = ["reminder_send"]
