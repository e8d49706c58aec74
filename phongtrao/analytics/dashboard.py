"""Reads for the dashboard of a unit and period: key figures, the units below, a trend.

Built on the public reads of `analytics.selectors` (`unit_report`, `unit_totals`) and on the
roll-up table itself for the units below, read set-wise: the number of queries does not
grow with the number of units or indicators.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from phongtrao import expressions, periods
from phongtrao.analytics.models import Rollup
from phongtrao.analytics.rollups import ROLLUP_MAX_LEVEL, ZERO, contribution, period_rows
from phongtrao.analytics.selectors import ROLLED_UP_TYPES, ReportRow, unit_report, unit_totals
from phongtrao.catalog.models import Indicator
from phongtrao.data.models import DataValue, Period
from phongtrao.orgs.models import Unit

# The headline figures of a Women's Union dashboard, in this order (catalog codes); codes
# missing from another catalog are skipped.
HEADLINE_CODES = (
    "HV_TONG",
    "HV_PTM",
    "GIAMNGHEO",
    "VAY_DUNO",
    "TT_LUOT",
    "MDD_TRE",
    "MAI_AM",
    "D8_TO_TT",
)
TREND_YEARS = 5


def headline_indicators() -> list[Indicator]:
    """The curated key indicators present in the catalog, in dashboard order."""
    found = Indicator.objects.in_bulk(list(HEADLINE_CODES), field_name="code")
    return [found[code] for code in HEADLINE_CODES if code in found]


def dashboard_key_figures(unit: Unit, period: Period | str) -> list[ReportRow]:
    """The headline figures of the unit's subtree: value, same period last year, target and
    achievement (as the reports compute them)."""
    return unit_report(unit, period, headline_indicators())


@dataclass(frozen=True)
class UnitFigure:
    """One unit below: its total for the indicator, and how many values fed it."""

    unit: Unit
    value: Decimal
    count: int


def dashboard_units_below(
    unit: Unit, period: Period | str, indicator: Indicator
) -> list[UnitFigure]:
    """The total of each unit directly below `unit` (that existed in the period), largest
    first, in a fixed number of queries whatever the number of units."""
    row = period if isinstance(period, Period) else period_rows([period])[period]
    children = list(
        Unit.objects.filter(parent=unit, valid_from__lte=row.end)
        .exclude(valid_to__lt=row.start)
        .order_by("code")
    )
    if not children:
        return []
    raw = _raw_inputs(indicator)
    totals = _children_totals(unit, children, row, raw)
    figures = []
    for child in children:
        by_indicator = totals.get(child.pk, {})
        count = sum(c for _, c in by_indicator.values())
        if indicator.formula:
            expr = expressions.parse(indicator.formula)
            inputs: dict[expressions.Ref, Decimal | None] = {
                ref: by_indicator.get(raw[ref.code].pk, (ZERO, 0))[0] for ref in expr.references
            }
            value = expr.evaluate(inputs) or ZERO
        else:
            value = by_indicator.get(indicator.pk, (ZERO, 0))[0]
        figures.append(UnitFigure(unit=child, value=value, count=count))
    figures.sort(key=lambda f: (-f.value, f.unit.code))
    return figures


def _raw_inputs(indicator: Indicator) -> dict[str, Indicator]:
    """The raw indicators a figure is computed from, by code (itself when raw)."""
    if not indicator.formula:
        return {indicator.code: indicator}
    result: dict[str, Indicator] = {}
    pending = [indicator]
    catalog = {i.code: i for i in Indicator.objects.all()}
    while pending:
        current = pending.pop()
        if not current.formula:
            result[current.code] = current
            continue
        pending.extend(catalog[ref.code] for ref in expressions.parse(current.formula).references)
    return result


def _children_totals(
    unit: Unit, children: Sequence[Unit], period: Period, raw: dict[str, Indicator]
) -> dict[int, dict[int, tuple[Decimal, int]]]:
    """child id → raw indicator id → (total, values counted): roll-ups where kept, else the
    raw values of the subtree, each unit's values aggregated over the period first."""
    indicators = list(raw.values())
    by_id = {i.pk: i for i in indicators}
    result: dict[int, dict[int, tuple[Decimal, int]]] = defaultdict(dict)
    rolled = {
        c.pk
        for c in children
        if c.level <= ROLLUP_MAX_LEVEL and period.period_type in ROLLED_UP_TYPES
    }
    if rolled:
        for r in Rollup.objects.filter(unit_id__in=rolled, period=period, indicator__in=indicators):
            result[r.unit_id][r.indicator_id] = (r.value, r.count)
    # Own values of the rolled-up children; every value of the other children's subtrees.
    owner_of_path = {c.path: c.pk for c in children}
    per_unit: dict[tuple[int, int, int], list[tuple[Period, Decimal]]] = defaultdict(list)
    inside = DataValue.objects.filter(
        indicator__in=indicators, period__start__gte=period.start, period__end__lte=period.end
    )
    queries = []
    if rolled:
        queries.append(inside.filter(unit_id__in=rolled))
    if len(rolled) < len(children):
        queries.append(inside.filter(unit__path__startswith=unit.path).exclude(unit=unit))
    period_ids: set[int] = set()
    found = []
    depth = unit.path.count("/")
    for query in queries:
        for unit_id, path, indicator_id, period_id, value in query.values_list(
            "unit_id", "unit__path", "indicator_id", "period_id", "value"
        ):
            owner = owner_of_path.get("/".join(path.split("/")[: depth + 1]) + "/")
            if owner is None or (owner in rolled and unit_id != owner):
                continue  # a unit no longer below, or already in its child's roll-up
            if owner in rolled and len(queries) == 2 and query is queries[1]:
                continue  # read by the first query
            found.append((owner, unit_id, indicator_id, period_id, value))
            period_ids.add(period_id)
    inner = Period.objects.in_bulk(list(period_ids))
    for owner, unit_id, indicator_id, period_id, value in found:
        per_unit[(owner, unit_id, indicator_id)].append((inner[period_id], value))
    for (owner, _unit_id, indicator_id), pairs in per_unit.items():
        amount, count = contribution(by_id[indicator_id].time_aggregation, pairs, period)
        before, seen = result[owner].get(indicator_id, (ZERO, 0))
        result[owner][indicator_id] = (before + amount, seen + count)
    return result


@dataclass(frozen=True)
class TrendPoint:
    period: periods.Period
    value: Decimal
    count: int


def dashboard_trend(
    unit: Unit, period: Period | str, indicator: Indicator, years: int = TREND_YEARS
) -> list[TrendPoint]:
    """The indicator's total over the same period of the last `years` years, oldest first."""
    code = period.code if isinstance(period, Period) else period
    current = periods.parse(code)
    wanted = [current]
    for _ in range(years - 1):
        wanted.append(wanted[-1].same_period_last_year())
    points = []
    for p in reversed(wanted):
        total = unit_totals(unit, p.code, [indicator])[indicator.pk]
        points.append(TrendPoint(period=p, value=total.value, count=total.count))
    return points


__all__ = [
    "HEADLINE_CODES",
    "TrendPoint",
    "UnitFigure",
    "dashboard_key_figures",
    "dashboard_trend",
    "dashboard_units_below",
    "headline_indicators",
]
