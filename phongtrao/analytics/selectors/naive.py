"""The naive path: totals summed from the raw values of a subtree at query time.

The baseline the roll-ups must match (`unit_totals_naive`, the tests, the benchmark), and the
way to total periods the roll-ups do not keep and subtrees below the roll-up levels.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal

from django.db import connection

from phongtrao.analytics.selectors.base import MappedSource, Total, read_connection
from phongtrao.catalog.models import Indicator, TimeAggregation
from phongtrao.data.models import Period
from phongtrao.data.rollups import ZERO
from phongtrao.orgs.models import Unit


def naive_subtree_totals(
    unit: Unit, period: Period, indicators: Sequence[Indicator]
) -> dict[int, Total]:
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
    with read_connection().cursor() as cursor:
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


def naive_source_totals(
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
    with read_connection().cursor() as cursor:
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
