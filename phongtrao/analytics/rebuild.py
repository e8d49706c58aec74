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
ROLLUP_INSERT = """
INSERT INTO analytics_rollup (unit_id, indicator_id, period_id, value, count)
SELECT k.ancestor_id, c.indicator_id, c.container_id, SUM(c.amount), SUM(c.n)
FROM ({source}) c JOIN rebuild_keeper k ON k.unit_id = c.unit_id
GROUP BY k.ancestor_id, c.indicator_id, c.container_id
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
        _helper_tables(cursor)
        cursor.execute("DELETE FROM analytics_rollup")
        cursor.execute("DELETE FROM analytics_activity")
        for aggregation in TimeAggregation:
            source = (
                SUM_CONTRIBUTIONS
                if aggregation == TimeAggregation.SUM
                else PICK_CONTRIBUTIONS.format(order=ORDER[aggregation], aggregation=aggregation)
            )
            cursor.execute(ROLLUP_INSERT.format(source=source))
        cursor.execute(
            "INSERT INTO analytics_activity (unit_id, period_id, count) "
            "SELECT a.ancestor_id, pc.container_id, COUNT(*) FROM data_datavalue dv "
            "JOIN rebuild_container pc ON pc.period_id = dv.period_id "
            "JOIN rebuild_ancestor a ON a.unit_id = dv.unit_id "
            "GROUP BY a.ancestor_id, pc.container_id"
        )
        cursor.execute("SELECT COUNT(*) FROM analytics_rollup")
        rollups = int(cursor.fetchone()[0])
        cursor.execute("SELECT COUNT(*) FROM analytics_activity")
        activity = int(cursor.fetchone()[0])
        for table in ("rebuild_container", "rebuild_keeper", "rebuild_ancestor"):
            cursor.execute(f"DROP TABLE {table}")
    return rollups, activity


def _helper_tables(cursor: object) -> None:
    """Temporary tables: period → containers, unit → ancestors (all, and those keeping)."""
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
    keepers, ancestors = [], []
    for unit_id, path in Unit.objects.values_list("id", "path"):
        for part in path.strip("/").split("/")[:-1]:
            ancestor = int(part)
            ancestors.append((unit_id, ancestor))
            if levels[ancestor] <= ROLLUP_MAX_LEVEL:
                keepers.append((unit_id, ancestor))
    for name, rows in (("rebuild_keeper", keepers), ("rebuild_ancestor", ancestors)):
        execute(f"CREATE TEMP TABLE {name} (unit_id bigint, ancestor_id bigint)")
        executemany(f"INSERT INTO {name} VALUES (%s, %s)", rows)  # noqa: S608
        execute(f"CREATE INDEX {name}_unit ON {name} (unit_id)")
