"""Totals for many units × periods × indicators at once: the engine of country-sized questions.

`unit_totals` answers one unit and one period in two or three queries; a grid of every
commune of the country over five years would be 16,000 such calls. `grid_totals` gives the
same figures (the tests hold it equal to `unit_totals_naive`, cell by cell) for a batch of
units in a fixed number of set-wise statements whatever the number of cells:

- units at the roll-up levels (province, district) for the periods the roll-ups keep: one
  read of the roll-up rows plus one of their own values;
- units below them (communes) and other periods: one grouped sum of the raw values of all
  their subtrees, joined to a list (descendant → unit asked) built level by level;
- for the part of a period a unit did not exist, the units of the other structure mapped
  into it (`orgs.UnitMapping`, one read for the batch), summed the same way, then weighed
  as `unit_totals` does.

Callers stream: they hand over units in batches (`grid_batches`), so memory follows the
batch, not the answer.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.db import connection

from phongtrao import expressions
from phongtrao.analytics.models import Rollup
from phongtrao.analytics.selectors.base import (
    ROLLED_UP_TYPES,
    MappedSource,
    Total,
    derived_totals,
    formula_expr,
    raw_indicators,
    read_connection,
    without_jit,
)
from phongtrao.analytics.selectors.mapped import (
    mapped_rows,
    source_outside,
    unit_spans_period,
    with_mapped_totals,
)
from phongtrao.catalog.models import Indicator, TimeAggregation
from phongtrao.data.models import Period
from phongtrao.data.rollups import ROLLUP_MAX_LEVEL, ZERO
from phongtrao.orgs.models import Unit, UnitMapping

# (unit id, period id) → indicator id → (amount, how many values fed it)
Sums = dict[tuple[int, int], dict[int, tuple[Decimal, int]]]
Cells = dict[tuple[int, int], dict[int, Total]]
# Units per batch: a batch's figures (units × periods × indicators) are held at once.
BATCH_UNITS = 400


def grid_batches(units: Sequence[Unit], size: int | None = None) -> Iterator[list[Unit]]:
    """The units in batches of `size` (by default `BATCH_UNITS`), in their order."""
    size = size or BATCH_UNITS
    for start in range(0, len(units), size):
        yield list(units[start : start + size])


def grid_totals(
    units: Sequence[Unit], period_list: Sequence[Period], indicators: Sequence[Indicator]
) -> Cells:
    """(unit id, period id) → indicator id → Total, as `unit_totals` gives for each pair.

    A fixed number of queries for the whole batch (see the module docstring).
    """
    if not units or not period_list:
        return {}
    raw, by_code = raw_indicators(indicators)
    direct, sources, found = _batch_sums(units, period_list, raw)
    result: Cells = {}
    for unit in units:
        for period in period_list:
            mine = {i: Total(*a) for i, a in direct.get((unit.pk, period.pk), {}).items()}
            mapped = [
                s for s in sources.get((unit.pk, period.pk), ()) if (s.id, period.pk) in found
            ]
            totals = mine
            if mapped:
                # `with_mapped_totals` reads the sources' figures by source id.
                by_source = {s.id: found[(s.id, period.pk)] for s in mapped}
                totals = with_mapped_totals(unit, raw, mine, mapped, by_source)
            result[(unit.pk, period.pk)] = derived_totals(indicators, totals, by_code)
    return result


# (unit id, period id) → indicator id → (value, count): only the cells some value fed.
Figures = dict[tuple[int, int], dict[int, tuple[Decimal, int]]]


def grid_figures(
    units: Sequence[Unit], period_list: Sequence[Period], indicators: Sequence[Indicator]
) -> tuple[Figures, set[tuple[int, int, int]]]:
    """The figures of `grid_totals` without a `Total` per cell: (unit id, period id) →
    indicator id → (value, count) for the cells some value fed, and the set of (unit id,
    period id, indicator id) whose figure is an estimate. Readers skip a missing indicator
    and a count of 0 (a roll-up whose values were deleted); a cell may also hold the raw
    inputs of a derived indicator asked.

    The sums of the database are handed on as they are read; a derived indicator's formula
    is parsed once and evaluated only on the cells where one of its inputs has a value;
    only the cells with figures of another structure go through `with_mapped_totals`.
    The tests hold it equal to `grid_totals` and to the naive sum.
    """
    estimated: set[tuple[int, int, int]] = set()
    if not units or not period_list:
        return {}, estimated
    raw, by_code = raw_indicators(indicators)
    direct, sources, found = _batch_sums(units, period_list, raw)
    derived = [
        (
            indicator.pk,
            expr,
            [(ref, by_code[ref.code].pk) for ref in expr.references],
        )
        for indicator in {i.pk: i for i in indicators if i.formula}.values()
        for expr in [formula_expr(indicator.formula)]
    ]
    by_pk = {u.pk: u for u in units}
    result: Figures = {}
    for key, pairs in sources.items():
        mapped = [s for s in pairs if (s.id, key[1]) in found]
        if not mapped:
            continue
        mine = {i: Total(*a) for i, a in direct.get(key, {}).items()}
        by_source = {s.id: found[(s.id, key[1])] for s in mapped}
        totals = with_mapped_totals(by_pk[key[0]], raw, mine, mapped, by_source)
        direct[key] = {i: (t.value, t.count) for i, t in totals.items()}
        estimated.update((key[0], key[1], i) for i, t in totals.items() if t.estimated)
    zero = (ZERO, 0)
    for key, cell in direct.items():
        sums = cell if not derived else dict(cell)
        for pk, expr, refs in derived:
            count = 0
            inputs: dict[expressions.Ref, Decimal | None] = {}
            for ref, ref_pk in refs:
                amount, seen = sums.get(ref_pk, zero)
                inputs[ref] = amount
                count += seen
            if not count:
                continue
            value = expr.evaluate(inputs)
            cell[pk] = (value if value is not None else ZERO, count)
            if any((key[0], key[1], ref_pk) in estimated for _, ref_pk in refs):
                estimated.add((key[0], key[1], pk))
        result[key] = cell
    return result, estimated


def _batch_sums(
    units: Sequence[Unit], period_list: Sequence[Period], raw: Sequence[Indicator]
) -> tuple[Sums, dict[tuple[int, int], list[MappedSource]], Sums]:
    """The subtree sums of the units, the mapped sources of each (unit, period) outside a
    unit's validity, and the sources' own sums (keyed by source id and period)."""
    with without_jit():
        direct = subtree_sums(units, period_list, raw)
        sources = _sources(units, period_list)
        found: Sums = {}
        if sources:
            source_units = {s.id: s for pairs in sources.values() for s in pairs}
            whole = [s for s in source_units.values() if s.whole]
            own = [s for s in source_units.values() if not s.whole]
            found = subtree_sums(whole, period_list, raw)
            for key, amounts in own_sums([s.id for s in own], period_list, raw).items():
                found.setdefault(key, {}).update(amounts)
    return direct, sources, found


def _sources(
    units: Sequence[Unit], period_list: Sequence[Period]
) -> dict[tuple[int, int], list[MappedSource]]:
    """(unit, period) → the sources `mapped.mapped_sources` gives, for all in one query."""
    partial = {u.pk: u for u in units if not all(unit_spans_period(u, p) for p in period_list)}
    if not partial:
        return {}
    result: dict[tuple[int, int], list[MappedSource]] = defaultdict(list)
    for target_id, source in mapped_rows(UnitMapping.objects.filter(target_id__in=list(partial))):
        unit = partial[target_id]
        if not source_outside(unit, source):
            continue
        for period in period_list:
            if unit_spans_period(unit, period) or source.valid_from > period.end:
                continue
            if source.valid_to is not None and source.valid_to < period.start:
                continue
            result[(unit.pk, period.pk)].append(source)
    return result


def subtree_sums(
    units: Iterable[Unit | MappedSource], period_list: Sequence[Period], raw: Sequence[Indicator]
) -> Sums:
    """Subtree totals (the unit itself included) of each unit for each period.

    Roll-up rows plus own values where the roll-ups keep the unit and the period; one
    grouped sum of the subtrees' raw values for the rest.
    """
    nodes = {u.id: u.level for u in units}
    rolled_periods = [p for p in period_list if p.period_type in ROLLED_UP_TYPES]
    other_periods = [p for p in period_list if p.period_type not in ROLLED_UP_TYPES]
    rolled_units = [i for i, level in nodes.items() if level <= ROLLUP_MAX_LEVEL]
    small_units = [i for i, level in nodes.items() if level > ROLLUP_MAX_LEVEL]
    result: Sums = {}
    if rolled_units and rolled_periods:
        result.update(_rollup_sums(rolled_units, rolled_periods, raw))
        for key, amounts in own_sums(rolled_units, rolled_periods, raw).items():
            cell = result.setdefault(key, {})
            for indicator_id, (amount, count) in amounts.items():
                before, seen = cell.get(indicator_id, (Decimal(0), 0))
                cell[indicator_id] = (before + amount, seen + count)
    summed = [(small_units, period_list)]
    if other_periods:
        summed.append((rolled_units, other_periods))
    for ids, chosen in summed:
        if ids and chosen:
            result.update(_raw_sums(_descendants(ids), chosen, raw))
    return result


def own_sums(
    unit_ids: Sequence[int], period_list: Sequence[Period], raw: Sequence[Indicator]
) -> Sums:
    """Each unit's own values (not its subtree's) aggregated over each period."""
    if not unit_ids:
        return {}
    return _raw_sums([(i, i) for i in unit_ids], period_list, raw)


def _descendants(unit_ids: Sequence[int]) -> list[tuple[int, int]]:
    """(unit id, ancestor asked) for every unit of the subtrees, themselves included.

    Read level by level through `parent` (one query per level of the tree below them):
    a unit asked inside another's subtree gets its own pairs too.
    """
    pairs = [(i, i) for i in unit_ids]
    frontier: dict[int, list[int]] = defaultdict(list)
    for i in unit_ids:
        frontier[i].append(i)
    while frontier:
        following: dict[int, list[int]] = defaultdict(list)
        ids = list(frontier)
        for start in range(0, len(ids), 5000):
            for child, parent in Unit.objects.filter(
                parent_id__in=ids[start : start + 5000]
            ).values_list("pk", "parent_id"):
                following[child].extend(frontier[parent])
        for child, asked in following.items():
            pairs.extend((child, a) for a in asked)
        frontier = following
    return pairs


# PostgreSQL: one probe of the (unit, period, indicator) index per (unit, period) asked,
# reading that pair's rows together (the rebuild writes them in the index's order),
# bounded by the smallest and largest indicator asked; the indicators are filtered on the
# rows read (`+ 0` keeps the list out of the probe, which would otherwise descend the
# index once per indicator). SQLite probes the index by itself.
ROLLUP_PROBE = """
SELECT r.unit_id, r.period_id, r.indicator_id, r.value, r.count
FROM unnest(%s::bigint[]) AS u(id) CROSS JOIN unnest(%s::bigint[]) AS q(id)
CROSS JOIN LATERAL (
    SELECT r.unit_id, r.period_id, r.indicator_id, r.value, r.count FROM analytics_rollup r
    WHERE r.unit_id = u.id AND r.period_id = q.id AND r.indicator_id BETWEEN %s AND %s
    AND r.indicator_id + 0 = ANY(%s::bigint[])
    OFFSET 0
) r
"""


def _rollup_sums(
    unit_ids: Sequence[int], period_list: Sequence[Period], raw: Sequence[Indicator]
) -> Sums:
    result: Sums = {}
    period_ids = [p.pk for p in period_list]
    indicator_ids = [i.pk for i in raw]
    params: Sequence[Any]
    if connection.vendor == "postgresql":
        bounds = [min(indicator_ids, default=0), max(indicator_ids, default=0)]
        sql, params = ROLLUP_PROBE, [list(unit_ids), period_ids, *bounds, indicator_ids]
    else:
        rows = Rollup.objects.filter(
            unit_id__in=list(unit_ids), period_id__in=period_ids, indicator_id__in=indicator_ids
        ).values_list("unit_id", "period_id", "indicator_id", "value", "count")
        sql, params = rows.query.sql_with_params()
    # The rows as the driver gives them (tuples, no model layer), a chunk at a time; the
    # rows of a (unit, period) come one after another, so its cell is looked up once.
    exact = connection.vendor == "postgresql"  # Decimals already
    key: tuple[int, int] | None = None
    cell: dict[int, tuple[Decimal, int]] = {}
    with read_connection().cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(10000):
            for unit_id, period_id, indicator_id, value, count in chunk:
                if key != (unit_id, period_id):
                    key = (unit_id, period_id)
                    cell = result.setdefault(key, {})
                cell[indicator_id] = (value if exact else Decimal(str(value)), count)
    return result


def _pairs_table(pairs: Sequence[tuple[int, int]], a: str, b: str) -> tuple[str, list[Any]]:
    """A derived table of integer pairs passed as one parameter (an array, or JSON)."""
    if connection.vendor == "postgresql":
        return (
            f"unnest(%s::bigint[], %s::bigint[]) AS {{alias}}({a}, {b})",
            [[p[0] for p in pairs], [p[1] for p in pairs]],
        )
    # Column names come from this module, never from a request.
    select = f"(SELECT json_extract(value, '$[0]') AS {a}, json_extract(value, '$[1]') AS {b} "
    return select + "FROM json_each(%s)) AS {alias}", [json.dumps(pairs)]  # noqa: S608


RAW_SUM = """
SELECT m.asked, q.wanted, dv.indicator_id, SUM(dv.value), COUNT(*)
FROM {source}
JOIN {periods} ON q.period_id = dv.period_id
WHERE dv.indicator_id IN ({indicators})
GROUP BY m.asked, q.wanted, dv.indicator_id
"""
# Stocks: per unit the last (or first) value inside the period, then summed over units;
# the count is every value the unit had in the period, as `unit_totals_naive` counts.
RAW_PICK = """
SELECT ranked.asked, ranked.wanted, ranked.indicator_id, SUM(ranked.value), SUM(ranked.n)
FROM (
    SELECT m.asked, q.wanted, dv.indicator_id, dv.value,
           COUNT(*) OVER w AS n,
           ROW_NUMBER() OVER (PARTITION BY m.asked, q.wanted, dv.unit_id, dv.indicator_id
                              ORDER BY {order}) AS pick
    FROM {source}
    JOIN {periods} ON q.period_id = dv.period_id
    JOIN data_period p ON p.id = dv.period_id
    WHERE dv.indicator_id IN ({indicators})
    WINDOW w AS (PARTITION BY m.asked, q.wanted, dv.unit_id, dv.indicator_id)
) ranked
WHERE ranked.pick = 1
GROUP BY ranked.asked, ranked.wanted, ranked.indicator_id
"""
# The values of the units of a batch. PostgreSQL would scan the whole values table for a
# hash join; read unit by unit through the (unit, indicator, period) index instead (the
# OFFSET 0 keeps the planner from folding the lateral read back into a join). The list of
# indicators descends the index once per indicator (PostgreSQL 15), so a unit is first
# asked whether it holds any value at all (one descent, a one-time filter): the units
# above the chi hội mostly hold none of their own. SQLite loops over the units and that
# index by itself.
SOURCE = {
    "postgresql": "{units} CROSS JOIN LATERAL (SELECT d.unit_id, d.period_id, d.indicator_id, "
    "d.value FROM data_datavalue d WHERE d.unit_id = m.unit_id "
    "AND d.indicator_id IN ({indicators}) "
    "AND EXISTS (SELECT FROM data_datavalue e WHERE e.unit_id = m.unit_id) OFFSET 0) dv",
    "sqlite": "data_datavalue dv JOIN {units} ON m.unit_id = dv.unit_id",
}
ORDER: dict[str, str] = {
    TimeAggregation.LAST: 'p."end" DESC, p.start DESC',
    TimeAggregation.FIRST: 'p.start ASC, p."end" ASC',
}


def _raw_sums(
    pairs: Sequence[tuple[int, int]], period_list: Sequence[Period], raw: Sequence[Indicator]
) -> Sums:
    """Sum the raw values of the units of `pairs` (unit, asked) into (asked, period)."""
    if not pairs or not raw:
        return {}
    span_start = min(p.start for p in period_list)
    span_end = max(p.end for p in period_list)
    inside = Period.objects.filter(start__gte=span_start, end__lte=span_end).values_list(
        "pk", "start", "end"
    )
    period_pairs = [
        (pk, wanted.pk)
        for pk, start, end in inside
        for wanted in period_list
        if start >= wanted.start and end <= wanted.end
    ]
    if not period_pairs:
        return {}
    units_sql, units_params = _pairs_table(pairs, "unit_id", "asked")
    periods_sql, periods_params = _pairs_table(period_pairs, "period_id", "wanted")
    by_aggregation: dict[str, list[int]] = defaultdict(list)
    for indicator in raw:
        by_aggregation[indicator.time_aggregation].append(indicator.pk)
    result: Sums = {}
    with read_connection().cursor() as cursor:
        for aggregation, ids in by_aggregation.items():
            marks = ",".join(str(int(i)) for i in ids)
            source = SOURCE.get(connection.vendor, SOURCE["sqlite"]).format(
                units=units_sql.format(alias="m"), indicators=marks
            )
            sql = (RAW_SUM if aggregation == TimeAggregation.SUM else RAW_PICK).format(
                source=source,
                periods=periods_sql.format(alias="q"),
                indicators=marks,
                order=ORDER.get(aggregation, ""),
            )
            cursor.execute(sql, [*units_params, *periods_params])
            exact = connection.vendor == "postgresql"  # integers and Decimals already
            while chunk := cursor.fetchmany(10000):
                for asked, wanted, indicator_id, value, count in chunk:
                    if exact:
                        result.setdefault((asked, wanted), {})[indicator_id] = (value, count)
                        continue
                    result.setdefault((int(asked), int(wanted)), {})[int(indicator_id)] = (
                        Decimal(value),
                        int(count),
                    )
    return result


__all__ = [
    "BATCH_UNITS",
    "Figures",
    "grid_batches",
    "grid_figures",
    "grid_totals",
    "own_sums",
    "subtree_sums",
]
