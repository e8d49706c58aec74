"""The daily reminder of deadlines coming: run once a day (`manage.py notify_deadlines`)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.urls import reverse

from phongtrao import periods
from phongtrao.catalog.models import Form
from phongtrao.data.models import LOCKED_STATUSES, Submission
from phongtrao.notifications.models import Kind
from phongtrao.notifications.services import members_with, notify
from phongtrao.orgs.models import Unit
from phongtrao.vn.dates import format_date_short

# Officers are told this many days before the deadline, and every day after until it.
DAYS_BEFORE = 3


@transaction.atomic
def deadlines_notify(*, today: dt.date, days_before: int = DAYS_BEFORE) -> int:
    """Tell the officers who enter data of every unit whose report is due within
    `days_before` days and not sent yet; once per user, report and day. How many units."""
    told = 0
    for form in Form.objects.filter(deadline_days__gt=0):
        # The period whose deadline falls in [today, today + days_before].
        for offset in range(days_before + 1):
            day = today + dt.timedelta(days=offset)
            end = day - dt.timedelta(days=form.deadline_days)
            period = periods.for_date(periods.PeriodType[form.period_type], end)
            if period.end != end:
                continue
            sent = Submission.objects.filter(
                form=form, period__code=period.code, status__in=LOCKED_STATUSES
            ).values("unit_id")
            units = (
                Unit.objects.filter(level=form.level, valid_from__lte=period.end)
                .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=period.start))
                .exclude(pk__in=sent)
            )
            title = form.title_for(period.code)
            for unit in units.iterator():
                rows = notify(
                    recipients=members_with([unit], "may_enter"),
                    kind=Kind.DEADLINE,
                    title=f"Sắp đến hạn nộp {title} ({format_date_short(day)})",
                    body=f"Báo cáo của {unit.name} chưa gửi lên cấp trên.",
                    url=reverse("entry:report", args=[form.code, unit.uid, period.code]),
                    key=f"deadline:{form.code}:{unit.uid}:{period.code}:{today.isoformat()}",
                )
                told += bool(rows)
    return told


__all__ = ["DAYS_BEFORE", "deadlines_notify"]
