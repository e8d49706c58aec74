"""Rebuilding every roll-up from the raw values, set-wise, in SQL.

The roll-ups are maintained incrementally with every write; this rebuild computes the same
rows from scratch (after restoring a backup, after loading values outside the services, or
to check them). It gives exactly what the incremental path gives: the tests hold the two equal.
"""

from __future__ import annotations

from django.db import connection, transaction

from phongtrao.catalog.models import TimeAggregation
from phongtrao.data.models import Period
from phongtrao.data.rollups import (
    ROLLUP_MAX_LEVEL,
    container_codes,
    period_rows,
)
from phongtrao.freshness import figures_changed
from phongtrao.orgs.models import Unit

# (unit, indicator, container) contributions, per time aggregation, then summed per ancestor.
SUM_CONTRIBUTIONS = """
SELECT dv.unit_id, dv.indicator_id, pc.container_id, dv.value AS amount, 1 AS n
FROM data_datavalue dv
JOIN catalog_indicator i ON i.id = dv.indicator_id
JOIN rebuild_container pc ON pc.period_id = dv.period_id
WHERE i.time_aggregation = 'sum'
"""
PICK_CONTRIBUTIONS = """
SELECT unit_id, indicator_id, container_id, amount, n FROM (
    SELECT dv.unit_id, dv.indicator_id, pc.container_id, dv.value AS amount,
           COUNT(*) OVER w AS n,
           ROW_NUMBER() OVER (
               PARTITION BY dv.unit_id, dv.indicator_id, pc.container_id ORDER BY {order}
           ) AS pick
    FROM data_datavalue dv
    JOIN catalog_indicator i ON i.id = dv.indicator_id
    JOIN rebuild_container pc ON pc.period_id = dv.period_id
    JOIN data_period p ON p.id = dv.period_id
    WHERE i.time_aggregation = '{aggregation}'
    WINDOW w AS (PARTITION BY dv.unit_id, dv.indicator_id, pc.container_id)
) picked WHERE pick = 1
"""
# Each keeper's share from the units whose nearest keeping ancestor it is (`rebuild_nearest`);
# the keepers' own roll-ups are then added to their nearest keeping ancestor, deepest first.
# Written in the order of the (unit, period, indicator) key, every time aggregation in one
# statement and each level's lifted rows likewise, so that the rows of a unit and a period
# lie together on disk: readers probe them by that pair (`selectors.grid`), and one written
# per aggregation left a pair's rows in three places, read a page per indicator.
ROLLUP_INSERT = """
INSERT INTO analytics_rollup (unit_id, indicator_id, period_id, value, count)
SELECT k.ancestor_id, c.indicator_id, c.container_id, SUM(c.amount), SUM(c.n)
FROM ({source}) c JOIN rebuild_nearest k ON k.unit_id = c.unit_id
GROUP BY k.ancestor_id, c.container_id, c.indicator_id
ORDER BY k.ancestor_id, c.container_id, c.indicator_id
"""
# SQLite reads `ON CONFLICT` after a join as the join's condition unless a WHERE comes first.
ROLLUP_LIFT = """
INSERT INTO analytics_rollup (unit_id, indicator_id, period_id, value, count)
SELECT k.ancestor_id, r.indicator_id, r.period_id, SUM(r.value), SUM(r.count)
FROM analytics_rollup r JOIN rebuild_nearest k ON k.unit_id = r.unit_id
WHERE k.depth = %s
GROUP BY k.ancestor_id, r.period_id, r.indicator_id
ORDER BY k.ancestor_id, r.period_id, r.indicator_id
ON CONFLICT (unit_id, period_id, indicator_id) DO UPDATE
SET value = analytics_rollup.value + excluded.value,
    count = analytics_rollup.count + excluded.count
"""
# Activity: each unit's values counted at its parent, then each unit's activity added to its
# parent's, deepest first.
ACTIVITY_INSERT = """
INSERT INTO analytics_activity (unit_id, period_id, count)
SELECT k.ancestor_id, pc.container_id, COUNT(*) FROM data_datavalue dv
JOIN rebuild_container pc ON pc.period_id = dv.period_id
JOIN rebuild_parent k ON k.unit_id = dv.unit_id
GROUP BY k.ancestor_id, pc.container_id
"""
ACTIVITY_LIFT = """
INSERT INTO analytics_activity (unit_id, period_id, count)
SELECT k.ancestor_id, a.period_id, SUM(a.count)
FROM analytics_activity a JOIN rebuild_parent k ON k.unit_id = a.unit_id
WHERE k.depth = %s
GROUP BY k.ancestor_id, a.period_id
ON CONFLICT (unit_id, period_id) DO UPDATE SET count = analytics_activity.count + excluded.count
"""
ORDER = {
    TimeAggregation.LAST: 'p."end" DESC, p.start DESC',
    TimeAggregation.FIRST: 'p.start ASC, p."end" ASC',
}


@transaction.atomic
def rollups_rebuild() -> tuple[int, int]:
    """Replace all roll-up and activity rows with ones computed from the raw values.

    Returns the numbers of roll-up and activity rows written.
    """
    figures_changed()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The sums are sorts and aggregates over every value: compiling them (114
            # functions, inlined and optimised) cost seconds and saved nothing measurable.
            cursor.execute("SET LOCAL jit = off")
        max_depth = _helper_tables(cursor)
        cursor.execute("DELETE FROM analytics_rollup")
        cursor.execute("DELETE FROM analytics_activity")
        source = " UNION ALL ".join(
            SUM_CONTRIBUTIONS
            if aggregation == TimeAggregation.SUM
            else PICK_CONTRIBUTIONS.format(order=ORDER[aggregation], aggregation=aggregation)
            for aggregation in TimeAggregation
        )
        cursor.execute(ROLLUP_INSERT.format(source=source))
        cursor.execute(ACTIVITY_INSERT)
        # A unit's roll-up (or activity) is whole once every deeper unit's has been added.
        for depth in range(max_depth, 0, -1):
            cursor.execute(ROLLUP_LIFT, [depth])
            cursor.execute(ACTIVITY_LIFT, [depth])
        cursor.execute("SELECT COUNT(*) FROM analytics_rollup")
        rollups = int(cursor.fetchone()[0])
        cursor.execute("SELECT COUNT(*) FROM analytics_activity")
        activity = int(cursor.fetchone()[0])
        for table in ("rebuild_container", "rebuild_nearest", "rebuild_parent"):
            cursor.execute(f"DROP TABLE {table}")
    return rollups, activity


def _helper_tables(cursor: object) -> int:
    """Temporary tables: period → containers; unit → its nearest keeping ancestor
    (`rebuild_nearest`) and unit → its parent (`rebuild_parent`), each with the unit's depth.

    Returns the greatest depth.
    """
    execute = cursor.execute  # type: ignore[attr-defined]
    executemany = cursor.executemany  # type: ignore[attr-defined]
    codes = list(
        Period.objects.filter(datavalue__isnull=False).values_list("code", flat=True).distinct()
    )
    by_code = period_rows({c for code in codes for c in container_codes(code)})
    execute("CREATE TEMP TABLE rebuild_container (period_id bigint, container_id bigint)")
    executemany(
        "INSERT INTO rebuild_container VALUES (%s, %s)",
        [(by_code[code].id, by_code[c].id) for code in codes for c in container_codes(code)],
    )
    levels = dict(Unit.objects.values_list("id", "level"))
    nearest, parents = [], []
    max_depth = 0
    for unit_id, path in Unit.objects.values_list("id", "path"):
        chain = [int(part) for part in path.strip("/").split("/")[:-1]]
        depth = len(chain) + 1
        max_depth = max(max_depth, depth)
        keeping = [a for a in chain if levels[a] <= ROLLUP_MAX_LEVEL]
        if keeping:
            nearest.append((unit_id, keeping[-1], depth))
        if chain:
            parents.append((unit_id, chain[-1], depth))
    for name, rows in (("rebuild_nearest", nearest), ("rebuild_parent", parents)):
        execute(f"CREATE TEMP TABLE {name} (unit_id bigint, ancestor_id bigint, depth int)")
        executemany(f"INSERT INTO {name} VALUES (%s, %s, %s)", rows)  # noqa: S608
        execute(f"CREATE INDEX {name}_unit ON {name} (unit_id)")
    return max_depth
