"""Việc cần làm: what waits for the signed-in officer, read in a fixed number of queries.

One selector answers the home page: the user's own reports due or overdue, reports below
waiting for their approval, units late to submit (with what a reminder needs), reports
returned to them with the reason, comments waiting for editors and emulation steps waiting.
Every list is cut at TASK_LIST_LIMIT rows; the counts are exact. Units are always read
through `units_visible`, the access helper's subtree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from phongtrao import periods
from phongtrao.accounts.access import membership_of, units_visible
from phongtrao.catalog.models import Form
from phongtrao.data.models import LOCKED_STATUSES, Submission, SubmissionStatus
from phongtrao.emulation.models import Assessment, Status
from phongtrao.notifications.services import mails_failed
from phongtrao.orgs.models import Unit
from phongtrao.portal.selectors import comments_waiting_count

TASK_LIST_LIMIT = 50
# Periods looked at per form: the current one and those before it.
PERIODS_BACK = 2


@dataclass(frozen=True)
class DueReport:
    """One of the user's own reports still to send."""

    form: Form
    unit: Unit
    period: periods.Period
    status: str
    status_label: str
    deadline: dt.date | None
    overdue: bool

    @property
    def title(self) -> str:
        """The form's name with its period: "… phụ nữ năm 2026 — cấp xã"."""
        return self.form.title_for(self.period.code)


@dataclass(frozen=True)
class LateUnits:
    """Units below that have not sent a report whose deadline has passed."""

    form: Form
    period: periods.Period
    deadline: dt.date
    count: int
    units: list[Unit]

    @property
    def title(self) -> str:
        return self.form.title_for(self.period.code)


@dataclass
class Tasks:
    """Everything the home page lists; empty lists when the user's roles do not apply."""

    due: list[DueReport] = field(default_factory=list)
    waiting: list[Submission] = field(default_factory=list)
    late: list[LateUnits] = field(default_factory=list)
    returned: list[Submission] = field(default_factory=list)
    comments_waiting: int = 0
    emulation_waiting: list[Assessment] = field(default_factory=list)
    mails_failed: int = 0

    @property
    def empty(self) -> bool:
        return not (
            self.due
            or self.waiting
            or self.late
            or self.returned
            or self.comments_waiting
            or self.emulation_waiting
            or self.mails_failed
        )


def report_deadline(form: Form, period: periods.Period) -> dt.date | None:
    """The last day to send `form` for `period` (None: the form has no deadline)."""
    if not form.deadline_days:
        return None
    return period.end + dt.timedelta(days=form.deadline_days)


def _recent(form: Form, today: dt.date) -> list[periods.Period]:
    current = periods.for_date(periods.PeriodType[form.period_type], today)
    result = [current]
    for _ in range(PERIODS_BACK - 1):
        result.append(result[-1].previous())
    return result


def _active(unit: Unit, period: periods.Period) -> bool:
    """Whether the unit owes the period's report: it existed at the period's end (a unit
    merged away during the period, as the old communes on 01/7/2025, does not: its
    successor reports the period)."""
    return unit.valid_from <= period.end and (unit.valid_to is None or unit.valid_to >= period.end)


def late_units(*, user: Any, unit: Unit, form: Form, period: periods.Period) -> QuerySet[Unit]:
    """The units of `unit`'s subtree (as `user` sees it) that owe `form` for `period` and
    have not sent it, by path: every one of them, for the reminder."""
    sent = Submission.objects.filter(
        form=form, period__code=period.code, status__in=LOCKED_STATUSES
    ).values("unit_id")
    return (
        units_visible(user)
        .filter(path__startswith=unit.path, level=form.level)
        .filter(valid_from__lte=period.end)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=period.end))
        .exclude(pk__in=sent)
        .order_by("path")
    )


def tasks_due(*, unit: Unit, forms: list[Form], today: dt.date) -> list[DueReport]:
    """The unit's reports of the recent periods not yet sent (draft, returned or not begun),
    soonest deadline first (one query)."""
    wanted = [(form, p) for form in forms for p in _recent(form, today) if _active(unit, p)]
    if not wanted:
        return []
    stored = {
        (s.form_id, s.period.code): s
        for s in Submission.objects.filter(
            unit=unit,
            form__in=[f for f, _ in wanted],
            period__code__in={p.code for _, p in wanted},
        ).select_related("period")
    }
    due = []
    for form, period in wanted:
        submission = stored.get((form.pk, period.code))
        status = submission.status if submission else SubmissionStatus.DRAFT
        if status in LOCKED_STATUSES:
            continue
        deadline = report_deadline(form, period)
        due.append(
            DueReport(
                form=form,
                unit=unit,
                period=period,
                status=status,
                status_label=str(SubmissionStatus(status).label),
                deadline=deadline,
                overdue=deadline is not None and today > deadline,
            )
        )
    return sorted(due, key=lambda d: (d.deadline or dt.date.max, d.form.code))


def tasks_late_units(
    *, user: Any, unit: Unit, forms: list[Form], today: dt.date
) -> list[LateUnits]:
    """For each form reported below `unit`, the recent periods past their deadline and the
    units of `unit`'s subtree that have not sent them (two queries per form and period)."""
    result = []
    for form in forms:
        for period in _recent(form, today):
            deadline = report_deadline(form, period)
            if deadline is None or today <= deadline:
                continue
            missing = late_units(user=user, unit=unit, form=form, period=period)
            units = list(missing[:TASK_LIST_LIMIT])
            if not units:
                continue
            count = len(units) if len(units) < TASK_LIST_LIMIT else missing.count()
            result.append(
                LateUnits(form=form, period=period, deadline=deadline, count=count, units=units)
            )
    return result


def tasks_for(user: Any, *, today: dt.date | None = None) -> Tasks:
    """What waits for `user` (see the module's docstring). A bounded number of queries,
    whatever the number of units: about ten for an officer who enters, approves and edits."""
    today = today or timezone.localdate()
    tasks = Tasks()
    membership = membership_of(user)
    superuser = bool(getattr(user, "is_superuser", False))
    if membership is None and not superuser:
        return tasks
    visible = units_visible(user)
    if membership is not None:
        unit = membership.unit
        forms = list(Form.objects.filter(level__gte=unit.level).order_by("level", "code"))
        if membership.may_enter:
            own_forms = [f for f in forms if f.level == unit.level]
            tasks.due = tasks_due(unit=unit, forms=own_forms, today=today)
            tasks.returned = list(
                Submission.objects.filter(unit__in=visible, status=SubmissionStatus.RETURNED)
                .select_related("form", "unit", "period", "decided_by")
                .order_by("-decided_at")[:TASK_LIST_LIMIT]
            )
        if membership.may_approve:
            below = [f for f in forms if f.level > unit.level]
            tasks.waiting = list(
                Submission.objects.filter(unit__in=visible, status=SubmissionStatus.SUBMITTED)
                .exclude(unit=unit)
                .select_related("form", "unit", "period", "submitted_by")
                .order_by("submitted_at")[:TASK_LIST_LIMIT]
            )
            tasks.late = tasks_late_units(user=user, unit=unit, forms=below, today=today)
            tasks.emulation_waiting = list(
                Assessment.objects.filter(status=Status.SUBMITTED, unit__in=visible)
                .exclude(unit=unit)
                .select_related("unit", "criteria_set")
                .order_by("unit__code")[:TASK_LIST_LIMIT]
            )
    elif superuser:
        tasks.waiting = list(
            Submission.objects.filter(status=SubmissionStatus.SUBMITTED)
            .select_related("form", "unit", "period", "submitted_by")
            .order_by("submitted_at")[:TASK_LIST_LIMIT]
        )
    if superuser or (membership is not None and membership.is_editor):
        tasks.comments_waiting = comments_waiting_count()
    if superuser or (membership is not None and membership.may_administer):
        tasks.mails_failed = mails_failed(user).count()
    return tasks


__all__ = [
    "DueReport",
    "LateUnits",
    "Tasks",
    "late_units",
    "report_deadline",
    "tasks_due",
    "tasks_for",
    "tasks_late_units",
]
