"""Reads for the dashboard of a unit and period: key figures, the units below, a trend.

Built on the public reads of `analytics.selectors` (`unit_report`, `unit_totals`, the mapped
sources of `selectors.mapped`) and on the roll-up table itself for the units below, read
set-wise: the number of queries does not grow with the number of units or indicators.

On either structure: the unit asked for may be of another edition than the one that
entered the period's values (the 2025 Đồng Nai for 2023). Its units below are then those of
its own edition, and each takes the figures of the units it came from (or went into)
through `orgs.UnitMapping`, read for all of them together, exactly as `unit_totals` does
for one unit; shares of split units are flagged `estimated`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.cache import cache

from phongtrao import periods
from phongtrao.analytics.models import Rollup
from phongtrao.analytics.selectors.base import (
    ROLLED_UP_TYPES,
    MappedSource,
    Total,
    derived_totals,
    raw_indicators,
)
from phongtrao.analytics.selectors.mapped import (
    mapped_rows,
    source_outside,
    source_totals,
    unit_spans_period,
    with_mapped_totals,
)
from phongtrao.analytics.selectors.report import ReportRow, unit_report
from phongtrao.analytics.selectors.totals import unit_totals
from phongtrao.catalog.models import Indicator
from phongtrao.data.models import DataValue, Period
from phongtrao.data.rollups import (
    ROLLUP_MAX_LEVEL,
    ZERO,
    contribution,
    period_rows,
)
from phongtrao.freshness import figures_version
from phongtrao.orgs.models import Unit, UnitMapping

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
    """One unit below: its total for the indicator, how many values fed it, and whether part
    of it is an estimate (shared out from a split unit by weights)."""

    unit: Unit
    value: Decimal
    count: int
    estimated: bool = False


def dashboard_units_below(
    unit: Unit, period: Period | str, indicator: Indicator
) -> list[UnitFigure]:
    """The total of each unit directly below `unit`, largest first, in a fixed number of
    queries whatever the number of units.

    The units below are those that existed in the period while `unit` did; for a period
    wholly outside `unit`'s validity (2023 on the 2025 Đồng Nai), those of its first (or
    last) day, each with the figures mapped from the units it came from (or went into).
    """
    row = period if isinstance(period, Period) else period_rows([period])[period]
    start, end = validity_window(row.start, row.end, unit.valid_from, unit.valid_to)
    children = list(
        Unit.objects.filter(parent=unit, valid_from__lte=end)
        .exclude(valid_to__lt=start)
        .order_by("code")
    )
    if not children:
        return []
    raw, by_code = raw_indicators([indicator])
    direct = _children_totals(unit, children, row, {i.code: i for i in raw})
    totals = _children_mapped(children, row, raw, direct)
    figures = []
    for child in children:
        total = derived_totals([indicator], totals[child.pk], by_code)[indicator.pk]
        figures.append(
            UnitFigure(unit=child, value=total.value, count=total.count, estimated=total.estimated)
        )
    figures.sort(key=lambda f: (-f.value, f.unit.code))
    return figures


def validity_window(
    start: dt.date, end: dt.date, valid_from: dt.date, valid_to: dt.date | None
) -> tuple[dt.date, dt.date]:
    """The days from `start` to `end` on which units below a unit (or of an edition) valid
    from `valid_from` to `valid_to` count: those inside that validity, or its nearest day
    when the span lies wholly outside it (the 2025 communes for 2023: those of 01/7/2025,
    their 2023 figures mapped from the old ones)."""
    first = max(start, valid_from)
    last = end if valid_to is None else min(end, valid_to)
    if first <= last:
        return first, last
    edge = valid_from if end < valid_from else last
    return edge, edge


def _children_mapped(
    children: Sequence[Unit],
    period: Period,
    raw: Sequence[Indicator],
    direct: dict[int, dict[int, tuple[Decimal, int]]],
) -> dict[int, dict[int, Total]]:
    """child id → raw indicator id → total: the child's own subtree plus, for the part of
    the period outside its validity, its mapped sources' figures (as `unit_totals` adds
    them), every child's mapping rows and sources read together."""
    result = {
        child.pk: {key: Total(*amount) for key, amount in direct.get(child.pk, {}).items()}
        for child in children
    }
    outside = {child.pk: child for child in children if not unit_spans_period(child, period)}
    if not outside:
        return result
    sources: dict[int, list[MappedSource]] = defaultdict(list)
    rows = mapped_rows(
        UnitMapping.objects.filter(
            target_id__in=list(outside), source__valid_from__lte=period.end
        ).exclude(source__valid_to__lt=period.start)
    )
    for target_id, source in rows:
        # Only the part of the period the child did not cover itself (as `unit_totals`).
        if source_outside(outside[target_id], source):
            sources[target_id].append(source)
    found = _sources_read([s for group in sources.values() for s in group], period, raw)
    for child_id, group in sources.items():
        amounts = {s.id: found.get((s.id, s.whole), {}) for s in group}
        result[child_id] = with_mapped_totals(
            outside[child_id], raw, result[child_id], group, amounts
        )
    return result


def _sources_read(
    sources: Sequence[MappedSource], period: Period, raw: Sequence[Indicator]
) -> dict[tuple[int, bool], dict[int, tuple[Decimal, int]]]:
    """(source id, whole) → raw indicator id → (amount, count), for the sources of several
    units at once.

    One batch normally; a source that appears both whole and for its own values (for two
    units below), or a whole source inside another one, waits for a second batch: each
    batch is summed as the sources of one total, which never overlap.
    """
    pending = list({(s.id, s.whole): s for s in sources}.values())
    found: dict[tuple[int, bool], dict[int, tuple[Decimal, int]]] = {}
    while pending:
        whole_ids = {s.id for s in pending if s.whole}
        batch: list[MappedSource] = []
        later: list[MappedSource] = []
        taken: set[int] = set()
        for source in pending:
            above = [int(part) for part in source.path.strip("/").split("/")[:-1]]
            nested = source.whole and any(pk in whole_ids for pk in above)
            if source.id in taken or nested:
                later.append(source)
            else:
                batch.append(source)
                taken.add(source.id)
        amounts = source_totals(batch, period, raw, naive=False)
        for source in batch:
            found[(source.id, source.whole)] = amounts.get(source.id, {})
        pending = later
    return found


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
    """The total of one year of the trend (`estimated`: partly shared out by weights)."""

    period: periods.Period
    value: Decimal
    count: int
    estimated: bool = False


def dashboard_trend(
    unit: Unit, period: Period | str, indicator: Indicator, years: int = TREND_YEARS
) -> list[TrendPoint]:
    """The indicator's total over the same period of the last `years` years, oldest first,
    each on `unit`'s structure (years before or after it mapped, as `unit_totals` does)."""
    code = period.code if isinstance(period, Period) else period
    current = periods.parse(code)
    wanted = [current]
    for _ in range(years - 1):
        wanted.append(wanted[-1].same_period_last_year())
    points = []
    for p in reversed(wanted):
        total = unit_totals(unit, p.code, [indicator])[indicator.pk]
        points.append(
            TrendPoint(period=p, value=total.value, count=total.count, estimated=total.estimated)
        )
    return points


__all__ = [
    "HEADLINE_CODES",
    "TrendPoint",
    "UnitFigure",
    "dashboard_key_figures",
    "dashboard_trend",
    "dashboard_units_below",
    "headline_indicators",
    "trend_figures",
    "validity_window",
]


@dataclass(frozen=True)
class DashboardFigures:
    """What the dashboard of a unit, period and indicator shows."""

    key_figures: list[ReportRow]
    units_below: list[UnitFigure]
    trend: list[TrendPoint]


# Cached dashboards are dropped by a newer figures' version, not by time: the timeout only
# frees the cache of old versions.
DASHBOARD_CACHE_SECONDS = 24 * 3600


def dashboard_figures(unit: Unit, period: Period, indicator: Indicator) -> DashboardFigures:
    """The key figures, the units below and the trend, from Django's cache when the same
    dashboard was read since the last write of any figure.

    The cache key holds `freshness.figures_version()`, which every write of values,
    roll-ups, targets or the mapping between structures bumps (and again at commit): a
    dashboard is never older than the last save.
    """
    key = f"phongtrao:dashboard:{figures_version()}:{unit.pk}:{period.code}:{indicator.pk}"
    found = cache.get(key)
    if isinstance(found, DashboardFigures):
        return found
    figures = DashboardFigures(
        key_figures=dashboard_key_figures(unit, period),
        units_below=dashboard_units_below(unit, period, indicator),
        trend=trend_figures(unit, period, indicator),
    )
    cache.set(key, figures, DASHBOARD_CACHE_SECONDS)
    return figures


def trend_figures(unit: Unit, period: Period | str, indicator: Indicator) -> list[TrendPoint]:
    """`dashboard_trend` from Django's cache under the figures' version, as `dashboard_figures`:
    the dashboard and the report's membership chart show the same five years of the same
    unit, and whichever is opened second reads them from there."""
    code = period.code if isinstance(period, Period) else period
    key = f"phongtrao:trend:{figures_version()}:{unit.pk}:{code}:{indicator.pk}"
    found = cache.get(key)
    if isinstance(found, list):
        return found
    points = dashboard_trend(unit, code, indicator)
    cache.set(key, points, DASHBOARD_CACHE_SECONDS)
    return points
