"""Reads of a report form's data, in a fixed number of queries: its rows with their values
(the entry page, the Excel template), a value's history, the reports waiting, completeness.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils import timezone

from phongtrao import periods
from phongtrao.catalog.models import Form, Indicator, Section
from phongtrao.catalog.selectors import form_indicators
from phongtrao.data.models import (
    LOCKED_STATUSES,
    DataValue,
    DataValueAudit,
    Period,
    Submission,
    SubmissionStatus,
    Target,
)
from phongtrao.data.rollups import period_rows
from phongtrao.data.workflow import form_deadline
from phongtrao.orgs.models import Unit


@dataclass
class EntryRow:
    """One indicator of the entry page: what is stored, last year and the target."""

    indicator: Indicator
    depth: int
    value: Decimal | None
    version: int
    last_year: Decimal | None
    target: Decimal | None
    target_phase: str
    current: DataValue | None
    # Filled by the page: the text in the field, its errors, a conflict with another save.
    key: str = ""  # the indicator's id as text, for field names (not localized per use)
    text: str = ""
    shown: str = ""
    label: str = ""
    last_year_text: str = ""
    target_text: str = ""
    errors: list[str] = field(default_factory=list)
    conflict: str = ""
    registry: bool = False  # counted by the member registry: shown, not typed
    has_breakdown: bool = False  # a total with "of which" rows below it


@dataclass
class EntrySection:
    section: Section
    rows: list[EntryRow]


def entry_rows(*, form: Form, unit: Unit, period: Period) -> list[EntrySection]:
    """The form's indicators grouped by section, "of which" rows one level deeper.

    Four queries whatever the number of indicators: indicators, periods, values, targets.
    """
    indicators = form_indicators(form)
    by_id = {i.pk: i for i in indicators}
    last_year_code = periods.parse(period.code).same_period_last_year().code
    last_year = period_rows([last_year_code])[last_year_code]
    values: dict[tuple[int, int], DataValue] = {
        (dv.period_id, dv.indicator_id): dv
        for dv in DataValue.objects.filter(
            unit=unit, period_id__in=[period.pk, last_year.pk], indicator_id__in=list(by_id)
        ).select_related("updated_by")
    }
    targets = _targets(unit, period, list(by_id))
    sections: dict[int, EntrySection] = {}
    for indicator in indicators:
        depth, parent_id = 0, indicator.parent_id
        while parent_id is not None and parent_id in by_id and depth < 5:
            depth += 1
            parent_id = by_id[parent_id].parent_id
        current = values.get((period.pk, indicator.pk))
        before = values.get((last_year.pk, indicator.pk))
        target, phase = targets.get(indicator.pk, (None, ""))
        row = EntryRow(
            label=_label(indicator) if depth else indicator.name,
            indicator=indicator,
            depth=depth,
            value=current.value if current else None,
            version=current.version if current else 0,
            last_year=before.value if before else None,
            target=target,
            target_phase=phase,
            current=current,
        )
        sections.setdefault(
            indicator.section_id, EntrySection(section=indicator.section, rows=[])
        ).rows.append(row)
    return list(sections.values())


def _label(indicator: Indicator) -> str:
    """An "of which" row's name without its "Trong đó:" (the page shows it indented)."""
    name = indicator.name
    for prefix in ("Trong đó:", "trong đó:", "Trong đó", "trong đó"):
        if name.startswith(prefix):
            return name.removeprefix(prefix).strip()
    return name


def _targets(
    unit: Unit, period: Period, indicator_ids: list[int]
) -> dict[int, tuple[Decimal, str]]:
    """The unit's targets for the period, or else for the phase containing its year."""
    result: dict[int, tuple[Decimal, str]] = {}
    year = period.end.year
    rows = Target.objects.filter(unit=unit, indicator_id__in=indicator_ids).filter(
        Q(period=period) | Q(period__isnull=True)
    )
    for target in rows:
        if target.period_id == period.pk:
            result[target.indicator_id] = (target.value, "")
        elif target.phase and target.indicator_id not in result:
            phase = periods.parse_phase(target.phase)
            if phase.start_year <= year <= phase.end_year:
                result[target.indicator_id] = (target.value, target.phase)
    return result


def value_history(*, indicator: Indicator, unit: Unit, period: Period) -> QuerySet[DataValueAudit]:
    """Every change of one value, newest first, with who made it."""
    return (
        DataValueAudit.objects.filter(indicator=indicator, unit=unit, period=period)
        .select_related("user")
        .order_by("-at", "-id")
    )


def submissions_waiting(units: QuerySet[Unit]) -> QuerySet[Submission]:
    """Submitted reports of these units, waiting for approval, oldest first."""
    return (
        Submission.objects.filter(unit__in=units, status=SubmissionStatus.SUBMITTED)
        .select_related("form", "unit", "period")
        .order_by("submitted_at")
    )


@dataclass(frozen=True)
class CompletenessRow:
    """A reporting unit below, and where its report stands."""

    unit: Unit
    submission: Submission | None
    deadline: dt.date | None

    @property
    def status_label(self) -> str:
        if self.submission is None:
            return "Chưa nộp"
        return str(SubmissionStatus(self.submission.status).label)

    @property
    def submitted(self) -> bool:
        return self.submission is not None and self.submission.status in LOCKED_STATUSES

    @property
    def late(self) -> bool | None:
        """Whether it was sent after the deadline (None: not sent, or no deadline)."""
        sent_at = self.submission.submitted_at if self.submission is not None else None
        if not self.submitted or self.deadline is None or sent_at is None:
            return None
        return timezone.localtime(sent_at).date() > self.deadline


def submission_completeness(*, form: Form, unit: Unit, period: Period) -> list[CompletenessRow]:
    """Every unit of the form's level in `unit`'s subtree that existed in the period, with
    its submission: who has sent, on time or late, and who has not (two queries)."""
    units = list(
        Unit.objects.filter(
            path__startswith=unit.path, level=form.level, valid_from__lte=period.end
        )
        .exclude(valid_to__lt=period.start)
        .select_related("parent")
        .order_by("path")
    )
    by_unit = {
        s.unit_id: s
        for s in Submission.objects.filter(
            form=form, period=period, unit_id__in=[u.pk for u in units]
        ).select_related("submitted_by")
    }
    deadline = form_deadline(form, period)
    return [CompletenessRow(unit=u, submission=by_unit.get(u.pk), deadline=deadline) for u in units]
