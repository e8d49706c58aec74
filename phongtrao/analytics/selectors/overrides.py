"""DHIS2's `aggregationType` override: a grid's cells computed from the raw values as DHIS2's
analytics computes them (`JdbcAnalyticsManager`, 2.40), rather than from the roll-ups.

Each kind is DHIS2's pair (across units, across time) of `AnalyticsAggregationType`:
SUM, AVERAGE (mean of the values), AVERAGE_SUM_ORG_UNIT (units added up, time averaged by
the days each value covers over the days of the asked period), LAST / FIRST (each unit's
latest / earliest value in the ten years up to the period's end, then added up), their
`_AVERAGE_ORG_UNIT` forms (averaged over the units), COUNT, MIN, MAX, STDDEV and VARIANCE
(sample, as PostgreSQL's `stddev` and `variance`). Values are rounded to two decimals as
DHIS2's `getRoundedValueObject`.

This is the slow path: the raw values of the asked units' subtrees are read once per request
and bucketed in Python. It serves the rare overrides; the roll-ups serve everything else.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q

from phongtrao.catalog.models import Indicator
from phongtrao.data.models import DataValue, Period
from phongtrao.orgs.models import Unit

# (across units, across time) for each kind DHIS2 documents for `/api/analytics`.
KINDS: dict[str, tuple[str, str]] = {
    "SUM": ("SUM", "SUM"),
    "AVERAGE": ("AVERAGE", "AVERAGE"),
    "AVERAGE_SUM_ORG_UNIT": ("SUM", "AVERAGE"),
    "LAST": ("SUM", "LAST"),
    "LAST_AVERAGE_ORG_UNIT": ("AVERAGE", "LAST"),
    "FIRST": ("SUM", "FIRST"),
    "FIRST_AVERAGE_ORG_UNIT": ("AVERAGE", "FIRST"),
    "COUNT": ("COUNT", "COUNT"),
    "MIN": ("MIN", "MIN"),
    "MAX": ("MAX", "MAX"),
    "STDDEV": ("STDDEV", "STDDEV"),
    "VARIANCE": ("VARIANCE", "VARIANCE"),
}
# DHIS2's `LAST_VALUE_YEARS_OFFSET`: LAST and FIRST look this far back from the period's end.
LOOK_BACK_YEARS = 10
CENT = Decimal("0.01")

# One raw value: (unit id, indicator id, data period start, data period end, value).
Raw = tuple[int, int, dt.date, dt.date, Decimal]
# A cell: (dx index, pe index, ou index) of the plan's items.
Cell = tuple[int, int, int]


def _window_start(end: dt.date) -> dt.date:
    try:
        return end.replace(year=end.year - LOOK_BACK_YEARS)
    except ValueError:  # 29 February
        return end.replace(year=end.year - LOOK_BACK_YEARS, day=28)


def override_raw(
    *,
    units: Sequence[Unit],
    period_list: Sequence[Period],
    indicators: Sequence[Indicator],
    kind: str,
) -> dict[Cell, list[Raw]]:
    """The raw values feeding each (indicator, period, unit) of the plan under `kind`: those
    of the unit's subtree whose period lies inside the asked one (for LAST and FIRST, ending
    within the ten years up to its end)."""
    _, in_time = KINDS[kind]
    first_last = in_time in ("LAST", "FIRST")
    latest = max(p.end for p in period_list)
    earliest = (
        _window_start(min(p.end for p in period_list))
        if first_last
        else min(p.start for p in period_list)
    )
    by_path: dict[str, list[int]] = defaultdict(list)
    for index, unit in enumerate(units):
        by_path[unit.path].append(index)
    where = Q(pk__in=[])
    for path in by_path:
        where |= Q(unit__path__startswith=path)
    by_indicator = {
        i.pk: [ix for ix, j in enumerate(indicators) if j.pk == i.pk] for i in indicators
    }
    rows = (
        DataValue.objects.filter(where)
        .filter(
            indicator_id__in=list(by_indicator),
            period__start__gte=earliest,
            period__end__lte=latest,
        )
        .values_list(
            "unit_id", "unit__path", "indicator_id", "period__start", "period__end", "value"
        )
    )
    cells: dict[Cell, list[Raw]] = defaultdict(list)
    for unit_id, path, indicator_id, start, end, value in rows.iterator(chunk_size=5000):
        parts = path.strip("/").split("/")
        owners = [
            index
            for depth in range(1, len(parts) + 1)
            for index in by_path.get("/" + "/".join(parts[:depth]) + "/", ())
        ]
        if not owners:
            continue
        for ip, period in enumerate(period_list):
            if first_last:
                inside = end <= period.end and start >= _window_start(period.end)
            else:
                inside = period.start <= start and end <= period.end
            if not inside:
                continue
            raw = (unit_id, indicator_id, start, end, value)
            for ix in by_indicator[indicator_id]:
                for iu in owners:
                    cells[(ix, ip, iu)].append(raw)
    return cells


def override_value(raws: Sequence[Raw], kind: str, days: int) -> Decimal | None:
    """The value of one cell from its raw values (each counted once), None when DHIS2 has
    none; `days` the days of the asked period(s), for AVERAGE_SUM_ORG_UNIT."""
    raws = list(dict.fromkeys(raws))
    if not raws:
        return None
    across_units, in_time = KINDS[kind]
    values = [r[4] for r in raws]
    result: Decimal | None
    if in_time in ("LAST", "FIRST"):
        # Each unit's latest (earliest) value of each indicator, ranked by its period's end,
        # then its start (DHIS2 partitions by data, unit and combinations).
        ordered = sorted(raws, key=lambda r: (r[3], r[2]), reverse=in_time == "FIRST")
        picked = {(raw[0], raw[1]): raw for raw in ordered}
        chosen = [r[4] for r in picked.values()]
        result = sum(chosen, Decimal(0))
        if across_units == "AVERAGE":
            result = result / len(chosen)
    elif kind == "AVERAGE_SUM_ORG_UNIT":
        weighted = sum((r[4] * ((r[3] - r[2]).days + 1) for r in raws), Decimal(0))
        result = weighted / days
    elif kind == "AVERAGE":
        result = sum(values, Decimal(0)) / len(values)
    elif kind == "COUNT":
        result = Decimal(len(values))
    elif kind == "MIN":
        result = min(values)
    elif kind == "MAX":
        result = max(values)
    elif kind in ("STDDEV", "VARIANCE"):
        if len(values) < 2:
            return None
        spread = statistics.variance(values)
        result = Decimal(spread).sqrt() if kind == "STDDEV" else Decimal(spread)
    else:
        result = sum(values, Decimal(0))
    return result.quantize(CENT, rounding=ROUND_HALF_UP)


__all__ = ["KINDS", "override_raw", "override_value"]
