"""Reading totals: the only place that aggregates values over units and time.

`unit_totals` answers from the roll-ups (cost follows the question); `unit_totals_naive`
sums the raw values of the subtree at query time. Both give the same figures: the second
is the reference for tests and the baseline for the benchmark.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection

from phongtrao import expressions, periods
from phongtrao.analytics.models import Activity, Rollup
from phongtrao.analytics.rollups import (
    ROLLUP_MAX_LEVEL,
    ZERO,
    contribution,
    period_rows,
)
from phongtrao.catalog.models import Indicator, TimeAggregation
from phongtrao.data.models import DataValue, Period, Target
from phongtrao.orgs.models import Unit


@dataclass(frozen=True)
class Total:
    """A total over a subtree: `count` raw values fed it (0 means nobody reported)."""

    value: Decimal
    count: int


# The period types kept in the roll-ups; any other period is summed from the raw values.
ROLLED_UP_TYPES = {"MONTHLY", "QUARTERLY", "SIX_MONTHLY", "YEARLY"}


def period_row(period: Period | str) -> Period:
    if isinstance(period, Period):
        return period
    return period_rows([period])[period]


def _raw_indicators(
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


def _derive(
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
        for ref in expr.references:
            total = raw.get(by_code[ref.code].pk, Total(ZERO, 0))
            inputs[ref] = total.value
            count += total.count
        value = expr.evaluate(inputs)
        result[indicator.pk] = Total(value if value is not None else ZERO, count)
    return result


def unit_totals(
    unit: Unit, period: Period | str, indicators: Sequence[Indicator]
) -> dict[int, Total]:
    """Totals of the unit's subtree (itself included) for these indicators over `period`.

    Read from the roll-ups plus the unit's own values: two queries whatever the data size.
    Periods the roll-ups do not keep (financial years, April half-years) and units below the
    levels that keep roll-ups (communes, chi hội: small subtrees) are summed from raw values.
    """
    row = period_row(period)
    raw, by_code = _raw_indicators(indicators)
    if row.period_type not in ROLLED_UP_TYPES or unit.level > ROLLUP_MAX_LEVEL:
        return _derive(indicators, _naive_raw(unit, row, raw), by_code)
    totals: dict[int, Total] = {
        r.indicator_id: Total(r.value, r.count)
        for r in Rollup.objects.filter(unit=unit, period=row, indicator__in=raw)
    }
    for indicator_id, (amount, count) in _own_contributions(unit, row, raw).items():
        before = totals.get(indicator_id, Total(ZERO, 0))
        totals[indicator_id] = Total(before.value + amount, before.count + count)
    return _derive(indicators, totals, by_code)


def _own_contributions(
    unit: Unit, period: Period, indicators: Sequence[Indicator]
) -> dict[int, tuple[Decimal, int]]:
    """The unit's own values (entered for the unit itself) aggregated over `period`."""
    by_id = {i.pk: i for i in indicators}
    values: dict[int, list[tuple[Period, Decimal]]] = defaultdict(list)
    rows = DataValue.objects.filter(
        unit=unit,
        indicator__in=indicators,
        period__start__gte=period.start,
        period__end__lte=period.end,
    ).select_related("period")
    for row in rows:
        values[row.indicator_id].append((row.period, row.value))
    return {
        indicator_id: contribution(by_id[indicator_id].time_aggregation, pairs, period)
        for indicator_id, pairs in values.items()
    }


def unit_totals_naive(
    unit: Unit, period: Period | str, indicators: Sequence[Indicator]
) -> dict[int, Total]:
    """The same totals as `unit_totals`, summed from the raw values of the subtree."""
    row = period_row(period)
    raw, by_code = _raw_indicators(indicators)
    return _derive(indicators, _naive_raw(unit, row, raw), by_code)


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
NAIVE_ORDER: dict[str, str] = {
    TimeAggregation.LAST: 'p."end" DESC, p.start DESC',
    TimeAggregation.FIRST: 'p.start ASC, p."end" ASC',
}


@dataclass(frozen=True)
class ReportRow:
    """One indicator of a unit's report: the figure, last year, the target, achievement."""

    indicator: Indicator
    value: Decimal
    count: int
    last_year: Decimal | None
    change: Decimal | None
    target: Decimal | None
    target_phase: str
    achievement_pct: Decimal | None


def unit_report(
    unit: Unit, period: Period | str, indicators: Sequence[Indicator]
) -> list[ReportRow]:
    """Every figure a report needs: totals, the same period last year, targets, achievement."""
    code = period.code if isinstance(period, Period) else period
    parsed = periods.parse(code)
    last_year_code = parsed.same_period_last_year().code
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
    """Which direct children of a unit reported anything for a period."""

    expected: int
    reported: list[Unit]
    missing: list[Unit]

    @property
    def pct(self) -> Decimal:
        return Decimal(len(self.reported) * 100) / self.expected if self.expected else ZERO


def unit_completeness(unit: Unit, period: Period | str) -> Completeness:
    """Children that reported (themselves or below them) for the period, and who did not."""
    row = period_row(period)
    children = list(
        Unit.objects.filter(parent=unit, valid_from__lte=row.end).exclude(valid_to__lt=row.start)
    )
    ids = [c.pk for c in children]
    below = Activity.objects.filter(unit_id__in=ids, period=row, count__gt=0)
    own = DataValue.objects.filter(
        unit_id__in=ids, period__start__gte=row.start, period__end__lte=row.end
    )
    done = set(below.values_list("unit_id", flat=True)) | set(
        own.values_list("unit_id", flat=True).distinct()
    )
    return Completeness(
        expected=len(children),
        reported=[c for c in children if c.pk in done],
        missing=[c for c in children if c.pk not in done],
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
