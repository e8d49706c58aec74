"""Rebuilding every roll-up from the raw values, set-wise, in SQL.

The roll-ups are maintained incrementally with every write; this rebuild computes the same
rows from scratch (after restoring a backup, after loading values outside the services, or
to check them). It gives exactly what the incremental path gives: the tests hold the two equal.

It goes chunk by chunk: a chunk is a run of keeping units (in id order) with the units whose
nearest keeping ancestor they are, about `CHUNK_VALUES` raw values in all. Each statement
reads one chunk's values through the values' (unit, indicator, period) index and sorts only
them, so the database's temporary files are bounded by a chunk, not by the table (one
statement over every value needed 48 GB of them at 100 million values, three times the
database).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, NamedTuple

from django.db import connection, transaction

from phongtrao.catalog.models import Indicator, TimeAggregation
from phongtrao.data.models import Period
from phongtrao.data.rollups import (
    ROLLUP_MAX_LEVEL,
    container_codes,
    period_rows,
)
from phongtrao.freshness import figures_changed
from phongtrao.orgs.models import Unit

# Raw values read (and sorted, times their containers) by one statement, about.
CHUNK_VALUES = 100_000
# (keeper, indicator, container) contributions of one chunk's units, per time aggregation.
SUM_CONTRIBUTIONS = """
SELECT k.ancestor_id, dv.indicator_id, pc.container_id, dv.value AS amount, 1 AS n
FROM rebuild_nearest k
{values}
JOIN catalog_indicator i ON i.id = dv.indicator_id
JOIN rebuild_container pc ON pc.period_id = dv.period_id
WHERE k.chunk = %s AND i.time_aggregation = 'sum'
"""
PICK_CONTRIBUTIONS = """
SELECT ancestor_id, indicator_id, container_id, amount, n FROM (
    SELECT k.ancestor_id, dv.indicator_id, pc.container_id, dv.value AS amount,
           COUNT(*) OVER w AS n,
           ROW_NUMBER() OVER (
               PARTITION BY dv.unit_id, dv.indicator_id, pc.container_id ORDER BY {order}
           ) AS pick
    FROM rebuild_nearest k
    {values}
    JOIN catalog_indicator i ON i.id = dv.indicator_id
    JOIN rebuild_container pc ON pc.period_id = dv.period_id
    JOIN data_period p ON p.id = dv.period_id
    WHERE k.chunk = %s AND i.time_aggregation = '{aggregation}'
    WINDOW w AS (PARTITION BY dv.unit_id, dv.indicator_id, pc.container_id)
) picked WHERE pick = 1
"""
# Each keeper's share from the units whose nearest keeping ancestor it is (`rebuild_nearest`);
# the keepers' own roll-ups are then added to their nearest keeping ancestor, deepest first.
# Written in the order of the (unit, period, indicator) key, every time aggregation in one
# statement and each level's lifted rows likewise, chunks in keeper order, so that the rows of
# a unit and a period lie together on disk: readers probe them by that pair
# (`selectors.grid`), and one written per aggregation left a pair's rows in three places,
# read a page per indicator.
ROLLUP_INSERT = """
INSERT INTO analytics_rollup (unit_id, indicator_id, period_id, value, count)
SELECT c.ancestor_id, c.indicator_id, c.container_id, SUM(c.amount), SUM(c.n)
FROM ({source}) c
GROUP BY c.ancestor_id, c.container_id, c.indicator_id
ORDER BY c.ancestor_id, c.container_id, c.indicator_id
"""
# SQLite reads `ON CONFLICT` after a join as the join's condition unless a WHERE comes first.
ROLLUP_LIFT = """
INSERT INTO analytics_rollup (unit_id, indicator_id, period_id, value, count)
SELECT k.ancestor_id, r.indicator_id, r.period_id, SUM(r.value), SUM(r.count)
FROM rebuild_nearest k {rollups}
WHERE k.chunk = %s AND k.depth = %s
GROUP BY k.ancestor_id, r.period_id, r.indicator_id
ORDER BY k.ancestor_id, r.period_id, r.indicator_id
ON CONFLICT (unit_id, period_id, indicator_id) DO UPDATE
SET value = analytics_rollup.value + excluded.value,
    count = analytics_rollup.count + excluded.count
"""
# Activity: each unit's values counted at its parent, then each unit's activity added to its
# parent's, deepest first. Siblings share their chunk, so a parent's counts are whole in one.
ACTIVITY_INSERT = """
INSERT INTO analytics_activity (unit_id, period_id, count)
SELECT k.ancestor_id, pc.container_id, COUNT(*)
FROM rebuild_parent k
{values}
JOIN rebuild_container pc ON pc.period_id = dv.period_id
WHERE k.chunk = %s
GROUP BY k.ancestor_id, pc.container_id
ORDER BY k.ancestor_id, pc.container_id
"""
ACTIVITY_LIFT = """
INSERT INTO analytics_activity (unit_id, period_id, count)
SELECT k.ancestor_id, a.period_id, SUM(a.count)
FROM rebuild_parent k {activity}
WHERE k.chunk = %s AND k.depth = %s
GROUP BY k.ancestor_id, a.period_id
ORDER BY k.ancestor_id, a.period_id
ON CONFLICT (unit_id, period_id) DO UPDATE SET count = analytics_activity.count + excluded.count
"""
ORDER = {
    TimeAggregation.LAST: 'p."end" DESC, p.start DESC',
    TimeAggregation.FIRST: 'p.start ASC, p."end" ASC',
}


@transaction.atomic
def rollups_rebuild(chunk_units: int | None = None) -> tuple[int, int]:
    """Replace all roll-up and activity rows with ones computed from the raw values.

    `chunk_units`: units per chunk (by default from the values' count: `CHUNK_VALUES`).
    Returns the numbers of roll-up and activity rows written.
    """
    figures_changed()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The sums are sorts and aggregates: compiling them (over a hundred functions,
            # inlined and optimised) cost seconds and saved nothing measurable.
            cursor.execute("SET LOCAL jit = off")
        plan = _helper_tables(cursor, chunk_units)
        cursor.execute("DELETE FROM analytics_rollup")
        cursor.execute("DELETE FROM analytics_activity")
        values = _unit_rows("data_datavalue", "dv", "unit_id, indicator_id, period_id, value")
        source = " UNION ALL ".join(
            SUM_CONTRIBUTIONS.format(values=values)
            if aggregation == TimeAggregation.SUM
            else PICK_CONTRIBUTIONS.format(
                order=ORDER[aggregation], aggregation=aggregation, values=values
            )
            for aggregation in TimeAggregation
        )
        insert = ROLLUP_INSERT.format(source=source)
        activity_insert = ACTIVITY_INSERT.format(values=values)
        sources = len(TimeAggregation)
        for chunk in range(plan.chunks):
            cursor.execute(insert, [chunk] * sources)
            cursor.execute(activity_insert, [chunk])
        # A unit's roll-up (or activity) is whole once every deeper unit's has been added.
        kept = _unit_rows("analytics_rollup", "r", "indicator_id, period_id, value, count")
        lift = ROLLUP_LIFT.format(rollups=kept)
        for chunk, depth in plan.rollup_lifts:
            cursor.execute(lift, [chunk, depth])
        lift = ACTIVITY_LIFT.format(
            activity=_unit_rows("analytics_activity", "a", "period_id, count")
        )
        for chunk, depth in plan.activity_lifts:
            cursor.execute(lift, [chunk, depth])
        cursor.execute("SELECT COUNT(*) FROM analytics_rollup")
        rollups = int(cursor.fetchone()[0])
        cursor.execute("SELECT COUNT(*) FROM analytics_activity")
        activity = int(cursor.fetchone()[0])
        for table in ("rebuild_container", "rebuild_nearest", "rebuild_parent"):
            cursor.execute(f"DROP TABLE {table}")
    return rollups, activity


class _Plan(NamedTuple):
    """The chunks' count and the (chunk, depth) pairs to lift, deepest first."""

    chunks: int
    rollup_lifts: list[tuple[int, int]]
    activity_lifts: list[tuple[int, int]]


def _deepest_first(pairs: set[tuple[int, int]]) -> list[tuple[int, int]]:
    return sorted(pairs, key=lambda pair: (-pair[1], pair[0]))


def _helper_tables(cursor: Any, chunk_units: int | None) -> _Plan:
    """Temporary tables: period → containers; unit → its nearest keeping ancestor
    (`rebuild_nearest`) and unit → its parent (`rebuild_parent`), each with the unit's depth
    and chunk.

    A unit's chunk is its group's: its nearest keeping ancestor, or for a unit with none its
    root (siblings share both, so a parent's and a keeper's contributions are whole in one
    chunk); groups go into chunks in id order, about `CHUNK_VALUES` values to a chunk.
    """
    codes = list(
        Period.objects.filter(datavalue__isnull=False).values_list("code", flat=True).distinct()
    )
    by_code = period_rows({c for code in codes for c in container_codes(code)})
    cursor.execute("CREATE TEMP TABLE rebuild_container (period_id bigint, container_id bigint)")
    cursor.executemany(
        "INSERT INTO rebuild_container VALUES (%s, %s)",
        [(by_code[code].id, by_code[c].id) for code in codes for c in container_codes(code)],
    )
    levels = dict(Unit.objects.values_list("id", "level"))
    # (unit, nearest keeper or None, parent, depth, group)
    units: list[tuple[int, int | None, int, int, int]] = []
    for unit_id, path in Unit.objects.values_list("id", "path"):
        chain = [int(part) for part in path.strip("/").split("/")[:-1]]
        if not chain:
            continue
        keeping = [a for a in chain if levels[a] <= ROLLUP_MAX_LEVEL]
        nearest = keeping[-1] if keeping else None
        group = chain[0] if nearest is None else nearest
        units.append((unit_id, nearest, chain[-1], len(chain) + 1, group))
    # A chunk holds about `limit` values: each unit weighs the values per unit and a keeper
    # also the most roll-up rows it can have (every indicator × container), which its lift
    # reads. `chunk_units` (the tests): that many units, whatever their values.
    if chunk_units is None:
        per_unit = _values_per_unit(cursor, len(units))
        keeper_rows = Indicator.objects.count() * len(by_code)
        limit = float(CHUNK_VALUES)
    else:
        per_unit, keeper_rows, limit = 1.0, 0, float(chunk_units)
    sizes: dict[int, float] = defaultdict(float)
    for unit_id, _, _, _, group in units:
        sizes[group] += per_unit + (keeper_rows if levels[unit_id] <= ROLLUP_MAX_LEVEL else 0)
    chunk_of: dict[int, int] = {}
    chunks, filled = 0, limit
    for group in sorted(sizes):
        if filled >= limit:
            chunks, filled = chunks + 1, 0
        chunk_of[group] = chunks - 1
        filled += sizes[group]
    nearest_rows, parent_rows = [], []
    rollup_lifts, activity_lifts = set(), set()
    for unit_id, nearest, parent, depth, group in units:
        chunk = chunk_of[group]
        if nearest is not None:
            nearest_rows.append((unit_id, nearest, depth, chunk))
            if levels[unit_id] <= ROLLUP_MAX_LEVEL:
                rollup_lifts.add((chunk, depth))
        parent_rows.append((unit_id, parent, depth, chunk))
        activity_lifts.add((chunk, depth))
    for name, rows in (("rebuild_nearest", nearest_rows), ("rebuild_parent", parent_rows)):
        cursor.execute(
            f"CREATE TEMP TABLE {name} (unit_id bigint, ancestor_id bigint, depth int, chunk int)"
        )
        cursor.executemany(f"INSERT INTO {name} VALUES (%s, %s, %s, %s)", rows)  # noqa: S608
        cursor.execute(f"CREATE INDEX {name}_chunk ON {name} (chunk, depth, unit_id)")
    if connection.vendor == "postgresql":
        # Temporary tables have no statistics until asked: the chunks' plans need them.
        for name in ("rebuild_container", "rebuild_nearest", "rebuild_parent"):
            cursor.execute(f"ANALYZE {name}")
    return _Plan(chunks, _deepest_first(rollup_lifts), _deepest_first(activity_lifts))


def _values_per_unit(cursor: Any, units: int) -> float:
    """The raw values per unit, about."""
    values = None
    if connection.vendor == "postgresql":
        # The planner's own estimate: the last count's density times the table's size now.
        cursor.execute(
            "SELECT reltuples / relpages"
            " * (pg_relation_size(oid) / current_setting('block_size')::int) FROM pg_class"
            " WHERE oid = 'data_datavalue'::regclass AND reltuples > 0 AND relpages > 0"
        )
        row = cursor.fetchone()
        values = None if row is None else int(row[0])
    if values is None:
        cursor.execute("SELECT COUNT(*) FROM data_datavalue")
        values = int(cursor.fetchone()[0])
    return values / max(units, 1)


def _unit_rows(table: str, alias: str, columns: str) -> str:
    """The rows of a chunk's unit `k` in `table`, read through its unit-first index.

    PostgreSQL's planner costs a chunk against the whole table and, at 1 million values, chose
    to scan all of it for each chunk; a lateral subquery that it cannot flatten (`OFFSET 0`)
    reads each unit's rows by the index, so a statement's work follows its chunk. SQLite joins
    by nested loops through the index already.
    """
    if connection.vendor == "postgresql":
        return (
            f"CROSS JOIN LATERAL (SELECT {columns} FROM {table}"  # noqa: S608
            f" WHERE unit_id = k.unit_id OFFSET 0) {alias}"
        )
    return f"JOIN {table} {alias} ON {alias}.unit_id = k.unit_id"
