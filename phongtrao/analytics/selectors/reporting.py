"""Reporting rates as DHIS2 computes them (`DataHandler`), from the submissions phongtrao keeps.

For a form (DHIS2's data set), a unit and a period: the *expected* reports are the units of
the unit's subtree at the form's reporting level that exist during the period, times the
form's periods inside it (a quarterly form over a year: 4); the *actual* reports are those
of them submitted or approved (DHIS2's complete registrations); *on time* those submitted
no later than the form's deadline after their period's end.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Q
from django.utils.timezone import localdate

from phongtrao import periods
from phongtrao.catalog.models import Form
from phongtrao.data.models import LOCKED_STATUSES, Period, Submission
from phongtrao.orgs.models import Unit


@dataclass
class ReportCounts:
    """Reports of one form for one unit and period: expected, actual, actual on time."""

    expected: int = 0
    actual: int = 0
    on_time: int = 0


def form_periods(form: Form, period: Period) -> list[periods.Period]:
    """The form's periods lying wholly inside `period` (none when `period` is shorter)."""
    kind = periods.PeriodType[form.period_type]
    found: list[periods.Period] = []
    day = period.start
    while day <= period.end:
        inner = periods.for_date(kind, day)
        if inner.start >= period.start and inner.end <= period.end:
            found.append(inner)
        day = inner.end + dt.timedelta(days=1)
    return found


def report_counts(
    units: Sequence[Unit], period_list: Sequence[Period], forms: Sequence[Form]
) -> dict[tuple[int, int, int], ReportCounts]:
    """(unit id, period id, form id) → its `ReportCounts`, for pairs where reports are
    expected. Two queries per form and period, whatever the number of units."""
    result: dict[tuple[int, int, int], ReportCounts] = {}
    for form in {f.pk: f for f in forms}.values():
        for period in period_list:
            inner = form_periods(form, period)
            if not inner or not units:
                continue
            in_subtrees = Q(pk__in=[])
            for unit in units:
                in_subtrees |= Q(path__startswith=unit.path)
            reporting = list(
                Unit.objects.filter(in_subtrees, level=form.level, valid_from__lte=period.end)
                .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=period.start))
                .values_list("pk", "path")
            )
            ends = {p.code: p.end for p in inner}
            done_query = Submission.objects.filter(
                form=form,
                unit_id__in=[pk for pk, _ in reporting],
                period__code__in=list(ends),
                status__in=LOCKED_STATUSES,
            )
            done = list(done_query.values_list("unit_id", "period__code", "submitted_at"))
            paths = dict(reporting)
            for unit in units:
                counts = ReportCounts()
                mine = {pk for pk, path in reporting if path.startswith(unit.path)}
                counts.expected = len(mine) * len(inner)
                for unit_id, code, submitted_at in done:
                    if unit_id not in mine or unit_id not in paths:
                        continue
                    counts.actual += 1
                    deadline = ends[code] + dt.timedelta(days=form.deadline_days)
                    if submitted_at is not None and localdate(submitted_at) <= deadline:
                        counts.on_time += 1
                if counts.expected:
                    result[(unit.pk, period.pk, form.pk)] = counts
    return result


__all__ = ["ReportCounts", "form_periods", "report_counts"]
