"""Membership figures computed from the registry and written as values.

For a unit that keeps a registry (`RegistryUnit`, a commune union), HV_TONG (members at the
period's end), HV_DIABAN (of which by residence), HV_KETNAP (joined in the period) and
HV_GIAM (left in the period) come from the enrolments of its subtree and are saved through
`data.bulk.datavalues_import` with source "registry" (audited, the roll-ups of every ancestor
changed in the same transaction, like any saved value). A change moves the stored figures by
what its enrolments add and take away (`figures_shift`: a few rows, whatever the size of the
book); `figures_write` counts the book again, the reference the shift must equal. A
transfer counts as "giảm" in the unit left and in HV_KETNAP of the unit joined, so that
HV_TONG = HV_TONG of the period before + HV_KETNAP - HV_GIAM holds in every unit. Units
without a registry keep entering their totals by hand; for registry units and the chi hội and
tổ hội in their book those indicators are not editable by hand (`registry_guard`, registered
with `data.guards`). Reports and dashboards say where the figures come from
(`registry_coverage`, `registry_words`): "theo sổ hội viên" when all of a unit's commune
unions keep a book, how many do when some do, nothing when none does.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from decimal import Decimal
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db.models import Count, Q

from phongtrao import periods
from phongtrao.actors import SYSTEM
from phongtrao.catalog.models import Indicator
from phongtrao.data.bulk import BulkRejected, BulkValue, datavalues_import
from phongtrao.data.models import DataValue, Period
from phongtrao.data.services import period_get
from phongtrao.expressions import parse
from phongtrao.members.models import Enrolment, RegistryUnit
from phongtrao.members.tallies import Move, tallies_move, tally_count, tally_figures
from phongtrao.orgs.models import Level, Unit
from phongtrao.vn import format_number

SOURCE = "registry"
REGISTRY_CODES = ("HV_TONG", "HV_DIABAN", "HV_KETNAP", "HV_GIAM")
# How reports and dashboards name figures that come from the registry.
REGISTRY_LABEL = "theo sổ hội viên"


def registry_unit_of(unit: Unit) -> Unit | None:
    """The unit keeping the registry that `unit` belongs to (itself or an ancestor), or None."""
    ids = [*unit.ancestor_ids, unit.pk]
    row = (
        RegistryUnit.objects.filter(unit_id__in=ids)
        .select_related("unit")
        .order_by("-unit__level")
        .first()
    )
    return row.unit if row is not None else None


def registries_of(units: Iterable[Unit]) -> dict[int, Unit]:
    """{unit id: the unit keeping its registry} for those of `units` that belong to one."""
    units = list(units)
    ids = {i for unit in units for i in (*unit.ancestor_ids, unit.pk)}
    keeping = {
        row.unit_id: row.unit
        for row in RegistryUnit.objects.filter(unit_id__in=ids).select_related("unit")
    }
    found: dict[int, Unit] = {}
    for unit in units:
        # The nearest one: the unit itself, else its closest ancestor.
        for candidate in (unit.pk, *reversed(unit.ancestor_ids)):
            if candidate in keeping:
                found[unit.pk] = keeping[candidate]
                break
    return found


def registry_keeps(unit: Unit) -> bool:
    """Whether `unit`'s membership figures come from the registry ("theo sổ hội viên").

    True for a unit keeping a registry and for a unit all of whose commune unions do
    (today; `registry_coverage` says it for a period).
    """
    today = dt.date.today()  # noqa: DTZ011 - a calendar day in the server's zone
    # A unit of a structure that has ended is seen as on its last day.
    day = min(today, unit.valid_to) if unit.valid_to else today
    keeping, total = registry_coverage(unit, day)
    return total > 0 and keeping == total


class Coverage(NamedTuple):
    """Of the `total` commune unions whose figures make a unit's, `keeping` take them from
    their member book (a commune or a unit below it: 1 of 1, or 0 of 1)."""

    keeping: int
    total: int


def registry_coverage(unit: Unit, day: dt.date, *, yearly: bool = True) -> Coverage:
    """How many of the commune unions under `unit` (or its own) keep a member book on `day`.

    The registry writes yearly figures only: for another period (`yearly` False) nothing
    comes from it. One query.
    """
    if unit.level >= Level.COMMUNE:
        kept = yearly and (
            RegistryUnit.objects.filter(
                unit_id__in=[*unit.ancestor_ids, unit.pk], since__lte=day
            ).exists()
        )
        return Coverage(int(kept), 1)
    counts = Unit.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=day),
        path__startswith=unit.path,
        level=Level.COMMUNE,
        valid_from__lte=day,
    ).aggregate(total=Count("pk"), keeping=Count("pk", filter=Q(registry__since__lte=day)))
    return Coverage(counts["keeping"] if yearly else 0, counts["total"])


def registry_words(coverage: Coverage) -> str:
    """What a report or dashboard says of where membership figures come from, truthfully:
    "theo sổ hội viên" when all of them do, how many when some do, nothing when none do."""
    keeping, total = coverage
    if not keeping:
        return ""
    if keeping == total:
        return REGISTRY_LABEL
    return f"số liệu của {format_number(keeping)}/{format_number(total)} cơ sở Hội {REGISTRY_LABEL}"


def registry_gives(indicator: Indicator) -> bool:
    """Whether the registry gives `indicator`'s figures: one of its own, or one computed only
    from them (HV_PTM = HV_KETNAP - HV_GIAM)."""
    if indicator.code in REGISTRY_CODES:
        return True
    codes = parse(indicator.formula).codes if indicator.formula else frozenset()
    return bool(codes) and codes <= set(REGISTRY_CODES)


def active_on(path: str, day: dt.date) -> Q:
    """Enrolments under `path` active on `day` (joined on or before, not yet ended)."""
    return Q(unit_path__startswith=path, start__lte=day) & (Q(end__isnull=True) | Q(end__gt=day))


def members_count(unit: Unit, day: dt.date) -> int:
    """Members of `unit`'s subtree active on `day`, from the registry (its yearly tallies
    and the enrolments of part of a year: `tallies.tally_count`)."""
    return tally_count(unit, day)


def members_recount(unit: Unit, day: dt.date) -> int:
    """The same count from every enrolment of the subtree: the reference the tallies equal."""
    return Enrolment.objects.filter(active_on(unit.path, day)).count()


def _year_filters(year: int) -> dict[str, Q]:
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    stock = Q(start__lte=last) & (Q(end__isnull=True) | Q(end__gt=last))
    return {
        "HV_TONG": stock,
        "HV_DIABAN": stock & Q(by_residence=True),
        "HV_KETNAP": Q(start__gte=first, start__lte=last),
        "HV_GIAM": Q(end__gte=first, end__lte=last),
    }


def figures_count(unit: Unit, years: Iterable[int]) -> dict[int, dict[str, int]]:
    """HV_TONG, HV_DIABAN, HV_KETNAP, HV_GIAM of `unit`'s subtree for each year: one query
    of its units' yearly tallies (`tallies.tally_figures`)."""
    return tally_figures(unit, years)


def figures_recount(unit: Unit, years: Iterable[int]) -> dict[int, dict[str, int]]:
    """The same figures from every enrolment of the subtree: the reference of the tallies."""
    wanted = sorted(set(years))
    if not wanted:
        return {}
    aggregates = {
        f"{code}_{year}": Count("pk", filter=condition)
        for year in wanted
        for code, condition in _year_filters(year).items()
    }
    row = Enrolment.objects.filter(unit_path__startswith=unit.path).aggregate(**aggregates)
    return {year: {code: row[f"{code}_{year}"] or 0 for code in REGISTRY_CODES} for year in wanted}


def figures_compute(unit: Unit, period: Period) -> dict[str, int]:
    """HV_TONG, HV_DIABAN, HV_KETNAP, HV_GIAM of `unit`'s subtree for a yearly `period`."""
    return figures_count(unit, [period.start.year])[period.start.year]


def _years(first: dt.date, last: dt.date) -> list[int]:
    return list(range(first.year, last.year + 1))


class Span(NamedTuple):
    """An enrolment as the yearly figures see it: the years it began and ended, and whether
    the member is counted by residence (two enrolments alike count alike)."""

    start_year: int
    end_year: int | None
    by_residence: bool

    @classmethod
    def of(cls, start: dt.date, end: dt.date | None, by_residence: bool) -> Span:
        """The span of an enrolment from `start` until the day before `end` (None: still)."""
        return cls(start.year, end.year if end else None, by_residence)


def span_counts(span: Span, year: int) -> dict[str, int]:
    """What one enrolment adds to each registry figure of `year` (0 or 1 each).

    The same rule as the count (`_year_filters`) at year level: in the stock of 31/12 if it
    began that year or before and ends after that day, that is in a later year.
    """
    stock = int(span.start_year <= year and (span.end_year is None or span.end_year > year))
    return {
        "HV_TONG": stock,
        "HV_DIABAN": stock if span.by_residence else 0,
        "HV_KETNAP": int(span.start_year == year),
        "HV_GIAM": int(span.end_year == year),
    }


def _registry_lock(unit: Unit) -> dt.date | None:
    """Lock `unit`'s registry row and return the day it began keeping its book.

    One writer per registry at a time, so the stored figures a shift reads stay right until
    it writes them; one query for both (a unit without a registry: None, nothing locked).
    """
    return (
        RegistryUnit.objects.select_for_update()
        .filter(unit=unit)
        .values_list("since", flat=True)
        .first()
    )


def _years_touched(
    days: Iterable[dt.date], since: dt.date | None, today: dt.date | None
) -> list[int]:
    # A change on a day changes the stock of every later year up to this one; before the unit
    # began keeping its book, its figures stay the ones it entered.
    touched = sorted(max(day, since) if since else day for day in days)
    if not touched:
        return []
    today = today or dt.date.today()  # noqa: DTZ011 - a calendar day in the server's zone
    return _years(touched[0], max(today, touched[-1]))


def _figures_save(
    unit: Unit, figures: dict[int, dict[str, int]], known: Iterable[DataValue] = ()
) -> None:
    """Write the figures of each year as values from the registry, set-wise.

    Written by the system (no user): who changed the book is in the members' history, and a
    past deadline binds officers' entries, not the registry's counts. `known`: stored values
    read with their indicator and period (under the registry's lock), which `data.bulk` need
    not read again.
    """
    indicators = {value.indicator.code: value.indicator for value in known}
    rows = {value.period.code: value.period for value in known}
    if len(indicators) < len(REGISTRY_CODES):
        indicators.update(
            (i.code, i)
            for i in Indicator.objects.filter(code__in=set(REGISTRY_CODES) - indicators.keys())
        )
    wanted = [str(year) for year in figures if str(year) not in rows]
    if wanted:
        rows.update((p.code, p) for p in Period.objects.filter(code__in=wanted))
    for year in figures:
        if str(year) not in rows:
            rows[str(year)] = period_get(str(year))
    values = [
        BulkValue(unit.pk, unit.path, indicators[code], rows[str(year)], Decimal(count))
        for year, counts in sorted(figures.items())
        for code, count in counts.items()
        if code in indicators
    ]
    stored = {
        (v.unit_id, v.indicator_id, v.period_id): (v.pk, v.value, v.version, v.follow_up)
        for v in known
    }
    try:
        datavalues_import(values=values, actor=SYSTEM, source=SOURCE, stored=stored)
    except BulkRejected as refused:
        problems = refused.result.problems
        raise ValidationError(
            sorted({f"{unit.name}, năm {p.item.period.code}: {p.reason}" for p in problems})
        ) from None


def figures_write(
    *, unit: Unit, days: Iterable[dt.date], today: dt.date | None = None
) -> list[str]:
    """Recount and save the registry figures of `unit` for the years touched by `days`.

    A change on a day changes the stock of every later year up to this one, so each year from
    the earliest day (not before the registry's start) to today's is recounted. Returns the
    period codes written. The reference path: the services shift the figures instead
    (`figures_shift`), which must give the same values.
    """
    years = _years_touched(days, _registry_lock(unit), today)
    if not years:
        return []
    _figures_save(unit, figures_count(unit, years))
    return [str(year) for year in years]


def figures_shift(
    *,
    unit: Unit,
    days: Iterable[dt.date],
    spans: Mapping[Span, int],
    today: dt.date | None = None,
) -> list[str]:
    """Bring the registry figures of `unit` up to date after enrolments changed, set-wise.

    `spans` counts the enrolments the change made (positive) and unmade (negative), `days`
    are the days it happened on (as for `figures_write`, whose values this gives). A year
    whose four figures are stored moves by what the spans add and take away, without
    counting the book again; a year not yet stored is counted (one query for all such
    years). Call after the enrolments are written, inside the change's transaction.
    """
    return _shift_locked(unit, _registry_lock(unit), days, spans, today)


def _shift_locked(
    unit: Unit,
    since: dt.date | None,
    days: Iterable[dt.date],
    spans: Mapping[Span, int],
    today: dt.date | None,
) -> list[str]:
    """`figures_shift` once the registry row of `unit` (kept since `since`) is locked."""
    years = _years_touched(days, since, today)
    if not years:
        return []
    stored: dict[int, dict[str, int]] = {}
    known = list(
        DataValue.objects.filter(
            unit=unit,
            indicator__code__in=REGISTRY_CODES,
            period__code__in=[str(year) for year in years],
        ).select_related("indicator", "period")
    )
    for value in known:
        stored.setdefault(int(value.period.code), {})[value.indicator.code] = int(value.value)
    complete = {year for year in years if len(stored.get(year, ())) == len(REGISTRY_CODES)}
    figures = figures_count(unit, [year for year in years if year not in complete])
    for year in sorted(complete):
        counts = dict(stored[year])
        for span, times in spans.items():
            for code, count in span_counts(span, year).items():
                counts[code] += times * count
        figures[year] = counts
    _figures_save(unit, figures, known)
    return [str(year) for year in years]


def registries_shift(*, changes: Iterable[tuple[Unit, Span, int]], day: dt.date) -> None:
    """Move the yearly tallies of the changed units and the figures of the registries they
    belong to, set-wise.

    `changes`: (unit, the span of an enrolment made or unmade, +1 or -1), all on `day`.
    The registry rows are found and locked together (one query, in key order), the tallies
    moved (one statement), then each registry is shifted once (`figures_shift`, which counts
    a year not yet stored from the tallies), after every enrolment of the change is written.
    """
    changes = list(changes)
    ids = {i for unit, _, _ in changes for i in (*unit.ancestor_ids, unit.pk)}
    keeping = {
        row.unit_id: row
        for row in RegistryUnit.objects.select_for_update(of=("self",))
        .filter(unit_id__in=ids)
        .select_related("unit")
        .order_by("unit_id")
    }
    moved: dict[int, tuple[RegistryUnit, Counter[Span]]] = {}
    for unit, span, sign in changes:
        # The nearest registry: the unit's own, else its closest ancestor's.
        row = next(
            (keeping[c] for c in (unit.pk, *reversed(unit.ancestor_ids)) if c in keeping), None
        )
        if row is not None:
            moved.setdefault(row.unit_id, (row, Counter()))[1][span] += sign
    tallies_move(Move(unit.pk, unit.path, *span, sign) for unit, span, sign in changes)
    for row, spans in moved.values():
        _shift_locked(row.unit, row.since, [day], spans, None)


def registry_guard(unit_ids: Collection[int], source: str) -> dict[int, tuple[frozenset[str], str]]:
    """Units keeping a registry, and the chi hội and tổ hội in their book, may not take
    hand-entered membership figures (those below would be counted twice). One query."""
    if source == SOURCE:
        return {}
    units = (
        Unit.objects.filter(pk__in=list(unit_ids))
        .filter(
            Q(registry__isnull=False)
            | Q(parent__registry__isnull=False)
            | Q(parent__parent__registry__isnull=False)
        )
        .values_list("pk", flat=True)
    )
    return {unit_id: (frozenset(REGISTRY_CODES), GUARD_MESSAGE) for unit_id in units}


GUARD_MESSAGE = (
    "Số hội viên của đơn vị này được tính từ sổ hội viên, không nhập tay: "
    "hãy cập nhật sổ hội viên (kết nạp, chuyển sinh hoạt, ra khỏi Hội)."
)


def period_label(code: str) -> str:
    """The Vietnamese label of a period, as the registry pages print it."""
    return periods.label_vi(code)


__all__ = [
    "REGISTRY_CODES",
    "REGISTRY_LABEL",
    "SOURCE",
    "active_on",
    "Coverage",
    "Span",
    "figures_compute",
    "figures_count",
    "figures_recount",
    "figures_shift",
    "figures_write",
    "members_count",
    "members_recount",
    "period_label",
    "registry_coverage",
    "registry_guard",
    "registry_gives",
    "registries_of",
    "registries_shift",
    "registry_keeps",
    "registry_unit_of",
    "registry_words",
    "span_counts",
]
