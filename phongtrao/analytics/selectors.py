"""Reading totals: the only place that aggregates values over units and time.

`unit_totals` answers from the roll-ups (cost follows the question); `unit_totals_naive`
sums the raw values of the subtree at query time. Both give the same figures: the second
is the reference for tests and the baseline for the benchmark.

Across reorganisations: for the part of a period outside the unit's own validity (2023 on a
2025 unit; 2026 on a pre-2025 one; months before a merged chi hội existed), a total adds
the figures of the units it came from or went into, read through the precomputed
`orgs.UnitMapping` rows (whole subtrees from their roll-ups where possible). Figures shared
out by weights below 1 are marked `estimated`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import Exists, OuterRef, Q

from phongtrao import expressions, periods
from phongtrao.analytics.models import Activity, Rollup
from phongtrao.analytics.rollups import (
    ROLLUP_MAX_LEVEL,
    ZERO,
    contribution,
    period_rows,
)
from phongtrao.catalog.models import Indicator, TimeAggregation, ValueType
from phongtrao.data.models import DataValue, Period, Target
from phongtrao.orgs.models import Edition, Unit, UnitMapping
from phongtrao.orgs.selectors import unit_counterpart


@dataclass(frozen=True)
class Total:
    """A total over a subtree: `count` raw values fed it (0 means nobody reported).

    `estimated`: part of it was shared out from a split unit by weights (area), so it is an
    estimate; `sources`: ids of the units of another structure or history whose figures it
    holds (empty when every value was entered inside the subtree).
    """

    value: Decimal
    count: int
    estimated: bool = False
    sources: tuple[int, ...] = ()


# The period types kept in the roll-ups; any other period is summed from the raw values.
ONE = Decimal(1)
ROLLED_UP_TYPES = {"MONTHLY", "QUARTERLY", "SIX_MONTHLY", "YEARLY"}


def period_row(period: Period | str) -> Period:
    if isinstance(period, Period):
        return period
    return period_rows([period])[period]


def raw_indicators(
    indicators: Iterable[Indicator],
) -> tuple[list[Indicator], dict[str, Indicator]]:
    """The raw indicators needed to compute these (derived ones expanded), and all by code.

    The catalog is read only when a formula names an indicator not asked for.
    """
    by_code = {i.code: i for i in indicators}
    wanted: dict[str, Indicator] = {}
    pending = list(by_code.values())
    while pending:
        indicator = pending.pop()
        if indicator.code in wanted:
            continue
        wanted[indicator.code] = indicator
        if indicator.formula:
            for ref in expressions.parse(indicator.formula).references:
                if ref.code not in by_code:
                    by_code.update({i.code: i for i in Indicator.objects.all()})
                pending.append(by_code[ref.code])
    return [i for i in wanted.values() if not i.formula], by_code


def derived_totals(
    indicators: Sequence[Indicator], raw: dict[int, Total], by_code: dict[str, Indicator]
) -> dict[int, Total]:
    """Totals of derived indicators from their formulas, raw totals passed through."""
    result: dict[int, Total] = {}
    for indicator in indicators:
        if not indicator.formula:
            result[indicator.pk] = raw.get(indicator.pk, Total(ZERO, 0))
            continue
        expr = expressions.parse(indicator.formula)
        inputs: dict[expressions.Ref, Decimal | None] = {}
        count = 0
        estimated = False
        sources: set[int] = set()
        for ref in expr.references:
            total = raw.get(by_code[ref.code].pk, Total(ZERO, 0))
            inputs[ref] = total.value
            count += total.count
            estimated = estimated or total.estimated
            sources.update(total.sources)
        value = expr.evaluate(inputs)
        result[indicator.pk] = Total(
            value if value is not None else ZERO, count, estimated, tuple(sorted(sources))
        )
    return result


def unit_totals(
    unit: Unit,
    period: Period | str,
    indicators: Sequence[Indicator],
    *,
    edition: Edition | str | None = None,
) -> dict[int, Total]:
    """Totals of the unit's subtree (itself included) for these indicators over `period`.

    Read from the roll-ups plus the unit's own values: two queries whatever the data size.
    Periods the roll-ups do not keep (financial years, April half-years) and units below the
    levels that keep roll-ups (communes, chi hội: small subtrees) are summed from raw values.
    For the part of the period outside the unit's validity, the figures of its predecessors
    or successors are added through the mapping (one more query, plus one or two reads of
    their totals). `edition` ("2008", "2025"): report instead the unit standing for `unit`
    in that structure (`orgs.selectors.unit_counterpart`).
    """
    return _totals(unit, period, indicators, edition=edition, naive=False)


def _totals(
    unit: Unit,
    period: Period | str,
    indicators: Sequence[Indicator],
    *,
    edition: Edition | str | None,
    naive: bool,
) -> dict[int, Total]:
    if edition is not None:
        unit = unit_counterpart(unit, edition)
    row = period_row(period)
    raw, by_code = raw_indicators(indicators)
    sources = _mapped_sources(unit, row)
    itself = MappedSource(unit.pk, unit.path, unit.level, unit.valid_from, None, ONE, True, False)
    if naive or any(unit.path.startswith(s.path) for s in sources):
        apart = True
    elif unit.level > ROLLUP_MAX_LEVEL:  # a small subtree: summed with its sources'
        apart = not sources
    else:  # a roll-up read with its sources', unless the roll-ups do not keep the period
        apart = row.period_type not in ROLLED_UP_TYPES
    if apart:
        direct = _naive_raw(unit, row, raw)
        found = source_totals(sources, row, raw, naive=naive) if sources else {}
    else:
        # The unit's own total is read with its sources' (its roll-up and own values, or
        # the sum over its small subtree): no query more than for the sources.
        found = source_totals([itself, *sources], row, raw, naive=False)
        direct = {key: Total(*amount) for key, amount in found.get(unit.pk, {}).items()}
    return derived_totals(
        indicators, with_mapped_totals(unit, raw, direct, sources, found), by_code
    )


@dataclass(frozen=True)
class MappedSource:
    """A mapping row read for one total: the source unit and how its figures count."""

    id: int
    path: str
    level: int
    valid_from: dt.date
    valid_to: dt.date | None
    weight: Decimal
    whole: bool
    estimated: bool


def unit_spans_period(unit: Unit, period: Period) -> bool:
    """Whether the unit existed for the whole period (then no other unit's figures count)."""
    return unit.valid_from <= period.start and (
        unit.valid_to is None or period.end <= unit.valid_to
    )


def _mapped_sources(unit: Unit, period: Period) -> list[MappedSource]:
    """The mapping rows whose source existed in the part of the period the unit did not."""
    if unit_spans_period(unit, period):
        return []
    rows = (
        UnitMapping.objects.filter(target=unit, source__valid_from__lte=period.end)
        .exclude(source__valid_to__lt=period.start)
        .values_list(
            "source_id",
            "source__path",
            "source__level",
            "source__valid_from",
            "source__valid_to",
            "weight",
            "whole",
            "estimated",
        )
    )
    sources = [MappedSource(*r) for r in rows]
    return [
        s
        for s in sources
        if s.valid_from < unit.valid_from
        or (unit.valid_to is not None and (s.valid_to is None or s.valid_to > unit.valid_to))
    ]


def _era(unit: Unit, source: MappedSource) -> int:
    """-1 for a source before the unit, 1 after it, 0 alongside it."""
    if source.valid_to is not None and source.valid_to < unit.valid_from:
        return -1
    if unit.valid_to is not None and source.valid_from > unit.valid_to:
        return 1
    return 0


def with_mapped_totals(
    unit: Unit,
    indicators: Sequence[Indicator],
    direct: dict[int, Total],
    sources: Sequence[MappedSource],
    found: dict[int, dict[int, tuple[Decimal, int]]],
) -> dict[int, Total]:
    """The direct totals plus the weighted figures of the mapped sources.

    Sums add up over every source. A stock (members at the end of the year) is taken from
    the latest structure that reported it in the period (the earliest for first values), so
    a year spanning the reorganisation does not count the same members twice.
    """
    if not sources:
        return direct
    result: dict[int, Total] = {}
    for indicator in indicators:
        parts: list[tuple[int, Decimal, int, MappedSource | None]] = []
        own = direct.get(indicator.pk)
        if own is not None and own.count:
            parts.append((0, own.value, own.count, None))
        for source in sources:
            amount, count = found.get(source.id, {}).get(indicator.pk, (ZERO, 0))
            if count:
                weighted = amount if source.weight == 1 else amount * source.weight
                parts.append((_era(unit, source), weighted, count, source))
        if indicator.time_aggregation != TimeAggregation.SUM and parts:
            pick = max if indicator.time_aggregation == TimeAggregation.LAST else min
            era = pick(part[0] for part in parts)
            parts = [part for part in parts if part[0] == era]
        if not parts:
            if own is not None:
                result[indicator.pk] = own
            continue
        value = sum((part[1] for part in parts), ZERO)
        estimated = any(part[3] is not None and part[3].estimated for part in parts)
        if estimated and indicator.value_type in (ValueType.INTEGER, ValueType.MONEY):
            value = value.quantize(Decimal(1), rounding=ROUND_HALF_UP)
        result[indicator.pk] = Total(
            value,
            sum(part[2] for part in parts),
            estimated,
            tuple(sorted(part[3].id for part in parts if part[3] is not None)),
        )
    return result


def source_totals(
    sources: Sequence[MappedSource], period: Period, indicators: Sequence[Indicator], *, naive: bool
) -> dict[int, dict[int, tuple[Decimal, int]]]:
    """source id → indicator id → (amount, count): subtree totals or own values, batched.

    Whole sources at the roll-up levels: one roll-up read and one own-value read for all of
    them; smaller whole sources: one sum over their subtrees; own-value rows: one read.
    """
    result: dict[int, dict[int, tuple[Decimal, int]]] = defaultdict(dict)
    rolled = (
        [s.id for s in sources if s.whole and s.level <= ROLLUP_MAX_LEVEL]
        if not naive and period.period_type in ROLLED_UP_TYPES
        else []
    )
    ids = [i.pk for i in indicators]
    if rolled:
        rows = Rollup.objects.filter(unit_id__in=rolled, period_id=period.pk, indicator_id__in=ids)
        for unit_id, indicator_id, value, count in rows.values_list(
            "unit_id", "indicator_id", "value", "count"
        ):
            result[unit_id][indicator_id] = (value, count)
    own_ids = rolled + [s.id for s in sources if not s.whole]
    for unit_id, amounts in _own_contributions_many(own_ids, period, indicators).items():
        for indicator_id, (amount, count) in amounts.items():
            before, seen = result[unit_id].get(indicator_id, (ZERO, 0))
            result[unit_id][indicator_id] = (before + amount, seen + count)
    summed = [s for s in sources if s.whole and s.id not in set(rolled)]
    if summed:
        for unit_id, amounts in _naive_many(summed, period, indicators).items():
            result[unit_id].update(amounts)
    return result


def _own_contributions_many(
    unit_ids: Sequence[int], period: Period, indicators: Sequence[Indicator]
) -> dict[int, dict[int, tuple[Decimal, int]]]:
    """The own values of several units aggregated over `period`, in one query."""
    if not unit_ids:
        return {}
    by_id = {i.pk: i for i in indicators}
    values: dict[tuple[int, int], list[tuple[Period, Decimal]]] = defaultdict(list)
    rows = DataValue.objects.filter(
        unit_id__in=unit_ids,
        indicator_id__in=list(by_id),
        period__start__gte=period.start,
        period__end__lte=period.end,
    ).select_related("period")
    for row in rows:
        values[(row.unit_id, row.indicator_id)].append((row.period, row.value))
    result: dict[int, dict[int, tuple[Decimal, int]]] = defaultdict(dict)
    for (unit_id, indicator_id), pairs in values.items():
        result[unit_id][indicator_id] = contribution(
            by_id[indicator_id].time_aggregation, pairs, period
        )
    return result


def _naive_many(
    sources: Sequence[MappedSource], period: Period, indicators: Sequence[Indicator]
) -> dict[int, dict[int, tuple[Decimal, int]]]:
    """Subtree totals of several sources from the raw values, one query per aggregation.

    Grouped by the unit that entered them, then given to the source whose subtree holds it
    (the sources of one total never overlap).
    """
    by_id = {s.id: s for s in sources}
    by_aggregation: dict[str, list[int]] = defaultdict(list)
    for indicator in indicators:
        by_aggregation[indicator.time_aggregation].append(indicator.pk)
    sqlite = connection.vendor == "sqlite"
    result: dict[int, dict[int, tuple[Decimal, int]]] = defaultdict(dict)
    with connection.cursor() as cursor:
        for start in range(0, len(sources), 200):
            chunk = sources[start : start + 200]
            match = " OR ".join(["u.path GLOB %s" if sqlite else "u.path LIKE %s"] * len(chunk))
            prefixes = [s.path + ("*" if sqlite else "%") for s in chunk]
            for aggregation, ids in by_aggregation.items():
                marks = ",".join("%s" for _ in ids)
                sql = NAIVE_MANY_SUM if aggregation == TimeAggregation.SUM else NAIVE_MANY_PICK
                cursor.execute(
                    sql.format(marks=marks, order=NAIVE_ORDER.get(aggregation, ""), match=match),
                    [*prefixes, period.start, period.end, *ids],
                )
                for path, indicator_id, value, count in cursor.fetchall():
                    owner = next(
                        (int(p) for p in path.strip("/").split("/") if int(p) in by_id), None
                    )
                    if owner is None:
                        continue
                    before, seen = result[owner].get(indicator_id, (ZERO, 0))
                    result[owner][indicator_id] = (before + Decimal(value), seen + int(count))
    return result


def unit_totals_naive(
    unit: Unit,
    period: Period | str,
    indicators: Sequence[Indicator],
    *,
    edition: Edition | str | None = None,
) -> dict[int, Total]:
    """The same totals as `unit_totals`, summed from the raw values of the subtree."""
    return _totals(unit, period, indicators, edition=edition, naive=True)


def _naive_raw(unit: Unit, period: Period, indicators: Sequence[Indicator]) -> dict[int, Total]:
    """Sum raw values of the subtree at query time (the baseline the roll-ups must match)."""
    result: dict[int, Total] = {}
    by_aggregation: dict[str, list[int]] = defaultdict(list)
    for indicator in indicators:
        by_aggregation[indicator.time_aggregation].append(indicator.pk)
    # SQLite's LIKE ignores case and so cannot use the index on path; GLOB can.
    operator, prefix = (
        ("GLOB", unit.path + "*")
        if connection.vendor == "sqlite"
        else (
            "LIKE",
            unit.path + "%",
        )
    )
    with connection.cursor() as cursor:
        for aggregation, ids in by_aggregation.items():
            marks = ",".join("%s" for _ in ids)
            sql = NAIVE_SUM if aggregation == TimeAggregation.SUM else NAIVE_PICK
            order = NAIVE_ORDER.get(aggregation, "")
            cursor.execute(
                sql.format(marks=marks, order=order, match=operator),
                [prefix, period.start, period.end, *ids],
            )
            for indicator_id, value, count in cursor.fetchall():
                result[indicator_id] = Total(Decimal(value), int(count))
    return result


NAIVE_WHERE = """
FROM data_datavalue dv
JOIN orgs_unit u ON u.id = dv.unit_id
JOIN data_period p ON p.id = dv.period_id
WHERE u.path {match} %s AND p.start >= %s AND p."end" <= %s AND dv.indicator_id IN ({marks})
"""
NAIVE_SUM = (
    "SELECT dv.indicator_id, SUM(dv.value), COUNT(*) " + NAIVE_WHERE + "GROUP BY dv.indicator_id"
)
# Stocks: per unit the last (or first) value inside the period, then summed over units.
NAIVE_PICK = (
    "SELECT ranked.indicator_id, SUM(ranked.value), SUM(ranked.n) FROM ("  # noqa: S608
    "SELECT dv.indicator_id, dv.value, COUNT(*) OVER w AS n, ROW_NUMBER() OVER "
    "(PARTITION BY dv.unit_id, dv.indicator_id ORDER BY {order}) AS pick "
    + NAIVE_WHERE
    + "WINDOW w AS (PARTITION BY dv.unit_id, dv.indicator_id)"
    ") ranked WHERE ranked.pick = 1 GROUP BY ranked.indicator_id"
)
NAIVE_MANY_WHERE = """
FROM data_datavalue dv
JOIN orgs_unit u ON u.id = dv.unit_id
JOIN data_period p ON p.id = dv.period_id
WHERE ({match}) AND p.start >= %s AND p."end" <= %s AND dv.indicator_id IN ({marks})
"""
NAIVE_MANY_SUM = (
    "SELECT u.path, dv.indicator_id, SUM(dv.value), COUNT(*) "
    + NAIVE_MANY_WHERE
    + "GROUP BY u.path, dv.indicator_id"
)
NAIVE_MANY_PICK = (
    "SELECT ranked.path, ranked.indicator_id, ranked.value, ranked.n FROM ("  # noqa: S608
    "SELECT u.path AS path, dv.indicator_id, dv.value, COUNT(*) OVER w AS n, ROW_NUMBER() OVER "
    "(PARTITION BY dv.unit_id, dv.indicator_id ORDER BY {order}) AS pick "
    + NAIVE_MANY_WHERE
    + "WINDOW w AS (PARTITION BY dv.unit_id, dv.indicator_id)"
    ") ranked WHERE ranked.pick = 1"
)
NAIVE_ORDER: dict[str, str] = {
    TimeAggregation.LAST: 'p."end" DESC, p.start DESC',
    TimeAggregation.FIRST: 'p.start ASC, p."end" ASC',
}


@dataclass(frozen=True)
class ReportRow:
    """One indicator of a unit's report: the figure, last year, the target, achievement.

    `estimated` / `last_year_estimated`: the figure (or last year's) was shared out from a
    split unit by weights; `sources`: units of another structure whose figures it holds.
    """

    indicator: Indicator
    value: Decimal
    count: int
    last_year: Decimal | None
    change: Decimal | None
    target: Decimal | None
    target_phase: str
    achievement_pct: Decimal | None
    estimated: bool = False
    last_year_estimated: bool = False
    sources: tuple[int, ...] = ()


def unit_report(
    unit: Unit,
    period: Period | str,
    indicators: Sequence[Indicator],
    *,
    edition: Edition | str | None = None,
    compare: Period | str | None = None,
) -> list[ReportRow]:
    """Every figure a report needs: totals, the same period last year, targets, achievement.

    `edition`: report the unit standing for `unit` in that structure (see `unit_totals`).
    `compare`: the period to compare with instead of the same period last year ("2023" for
    a 2026 report); either may lie on the other side of a reorganisation.
    """
    if edition is not None:
        unit = unit_counterpart(unit, edition)
    code = period.code if isinstance(period, Period) else period
    parsed = periods.parse(code)
    if compare is None:
        last_year_code = parsed.same_period_last_year().code
    else:
        last_year_code = compare.code if isinstance(compare, Period) else compare
    rows_by_code = period_rows([code, last_year_code])
    row, last_year_row = rows_by_code[code], rows_by_code[last_year_code]
    now = unit_totals(unit, row, indicators)
    before = unit_totals(unit, last_year_row, indicators)
    targets = _targets(unit, row, indicators)
    rows = []
    for indicator in indicators:
        total = now[indicator.pk]
        previous = before[indicator.pk]
        last_year = previous.value if previous.count else None
        target, phase = targets.get(indicator.pk, (None, ""))
        achieved = total.value
        if phase:
            achieved = _phase_to_date(unit, indicator, parsed, phase, total.value)
        pct = (achieved * 100 / target) if target else None
        rows.append(
            ReportRow(
                indicator=indicator,
                value=total.value,
                count=total.count,
                last_year=last_year,
                change=(total.value - last_year) if last_year is not None else None,
                target=target,
                target_phase=phase,
                achievement_pct=pct,
                estimated=total.estimated,
                last_year_estimated=previous.estimated and last_year is not None,
                sources=tuple(sorted(set(total.sources) | set(previous.sources))),
            )
        )
    return rows


def _targets(
    unit: Unit, period: Period, indicators: Sequence[Indicator]
) -> dict[int, tuple[Decimal, str]]:
    """Targets for the period, or else for the phase that contains it."""
    result: dict[int, tuple[Decimal, str]] = {}
    year = period.end.year
    for target in Target.objects.filter(unit=unit, indicator__in=indicators).select_related(
        "period"
    ):
        if target.period_id is not None and target.period_id == period.pk:
            result[target.indicator_id] = (target.value, "")
        elif target.phase and target.indicator_id not in result:
            phase = periods.parse_phase(target.phase)
            if phase.start_year <= year <= phase.end_year:
                result[target.indicator_id] = (target.value, target.phase)
    return result


def _phase_to_date(
    unit: Unit, indicator: Indicator, period: periods.Period, phase_code: str, value: Decimal
) -> Decimal:
    """Against a phase target, sums count from the phase's first year to this period."""
    if indicator.time_aggregation != TimeAggregation.SUM:
        return value
    phase = periods.parse_phase(phase_code)
    total = value
    for year in range(phase.start_year, period.start.year):
        total += unit_totals(unit, str(year), [indicator])[indicator.pk].value
    return total


@dataclass(frozen=True)
class Completeness:
    """Which units below a unit reported anything for a period.

    Its direct children; and, for the part of the period the unit did not exist (2023 on
    a 2025 commune), the reporting units of the structure the data were entered on that
    map into it: `carried` of the `expected` units are those, entered before the
    reorganisation (`carried_era` -1) or after it (1).
    """

    expected: int
    reported: list[Unit]
    missing: list[Unit]
    carried: int = 0
    carried_era: int = 0

    @property
    def pct(self) -> Decimal:
        return Decimal(len(self.reported) * 100) / self.expected if self.expected else ZERO


def _carried_units(unit: Unit, period: Period, sources: Sequence[MappedSource]) -> list[Unit]:
    """The units of another structure that stand, for completeness, where `unit`'s children
    would: in each whole source's subtree, the units at the level of `unit`'s children
    (the old communes of Bình Phước for the 2025 Đồng Nai); the source itself where there
    are none (old communes for a new commune without chi hội) or where only its own values
    are mapped. A fixed number of queries, whatever the number of units.
    """
    level = (
        Unit.objects.filter(parent=unit).order_by("level").values_list("level", flat=True).first()
    )
    if level is None:
        level = unit.level + 1
    in_subtrees = Q(pk__in=[])
    for source in sources:
        if source.whole:
            in_subtrees |= Q(path__startswith=source.path)
    found = {
        u.pk: u
        for u in Unit.objects.filter(in_subtrees, level=level, valid_from__lte=period.end).exclude(
            valid_to__lt=period.start
        )
    }
    paths = [u.path for u in found.values()]
    themselves = [
        s.id for s in sources if not s.whole or not any(path.startswith(s.path) for path in paths)
    ]
    if themselves:
        found.update(Unit.objects.in_bulk(themselves))
    return sorted(found.values(), key=lambda u: u.path)


def unit_completeness(unit: Unit, period: Period | str) -> Completeness:
    """Children that reported (themselves or below them) for the period, and who did not.

    For the part of the period outside the unit's validity, the reporting units of the other
    structure that map into it count too (see `Completeness`). The number of queries does
    not depend on the number of units.
    """
    row = period_row(period)
    children = list(
        Unit.objects.filter(parent=unit, valid_from__lte=row.end).exclude(valid_to__lt=row.start)
    )
    sources = _mapped_sources(unit, row)
    carried = _carried_units(unit, row, sources) if sources else []
    child_ids = {c.pk for c in children}
    units = children + [u for u in carried if u.pk not in child_ids]
    ids = [u.pk for u in units]
    below = Activity.objects.filter(unit_id__in=ids, period=row, count__gt=0)
    # Units below the roll-ups' levels (communes) have no Activity row: one value of theirs
    # in the period is enough, found per unit through the (unit, ...) index rather than by
    # reading every value of hundreds of communes.
    within = Period.objects.filter(start__gte=row.start, end__lte=row.end).values("pk")
    own = Unit.objects.filter(pk__in=ids).filter(
        Exists(DataValue.objects.filter(unit_id=OuterRef("pk"), period_id__in=within))
    )
    done = set(below.values_list("unit_id", flat=True)) | set(own.values_list("pk", flat=True))
    eras = {_era(unit, source) for source in sources}
    return Completeness(
        expected=len(units),
        reported=[u for u in units if u.pk in done],
        missing=[u for u in units if u.pk not in done],
        carried=len(units) - len(children),
        carried_era=min(eras) if eras else 0,
    )


__all__ = [
    "Completeness",
    "ReportRow",
    "Total",
    "unit_completeness",
    "unit_report",
    "unit_totals",
    "unit_totals_naive",
]
