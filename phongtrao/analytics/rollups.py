"""Keeping roll-ups fresh: every change to a raw value is pushed to its ancestors at once.

Kept for the units at the levels where a subtree is large (central, province, district).

A unit's contribution to a period P for an indicator is computed from its own raw values
inside P, as the indicator aggregates over time: the sum, the last value (stocks such as
members) or the first. When a value changes, the contribution before and after is computed
for P = the value's period and each quarter, half-year and year containing it, and the
difference is added to the roll-up rows of every ancestor of the unit. The work is
proportional to depth × containers, whatever the size of the data.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from django.db import connection

from phongtrao import periods
from phongtrao.catalog.models import TimeAggregation
from phongtrao.data.models import DataValue, Period
from phongtrao.orgs.models import Level, Unit

ZERO = Decimal(0)
# Roll-ups are kept for the central, province and district levels, whose subtrees are large;
# a commune's subtree (its chi hội and tổ) is small enough to sum when asked.
ROLLUP_MAX_LEVEL = Level.DISTRICT
Key = tuple[int, int, int]  # (unit id, indicator id, period id)


@dataclass(frozen=True)
class Change:
    """One raw value that changed: `old` or `new` is None where it did not exist."""

    unit_id: int
    unit_path: str
    indicator_id: int
    aggregation: str
    period: Period
    old: Decimal | None
    new: Decimal | None


def period_rows(codes: Iterable[str]) -> dict[str, Period]:
    """The Period rows for these codes, created when missing."""
    wanted = set(codes)
    found = {p.code: p for p in Period.objects.filter(code__in=wanted)}
    missing = [periods.parse(code) for code in wanted - found.keys()]
    if missing:
        Period.objects.bulk_create(
            [
                Period(code=p.code, period_type=p.period_type.name, start=p.start, end=p.end)
                for p in missing
            ],
            ignore_conflicts=True,
        )
        found.update({p.code: p for p in Period.objects.filter(code__in=[m.code for m in missing])})
    return found


@lru_cache(maxsize=4096)
def container_codes(code: str) -> tuple[str, ...]:
    """The period itself and the wider periods whose roll-ups it feeds."""
    period = periods.parse(code)
    return (code, *(p.code for p in periods.rollup_containers(period)))


def contribution(
    aggregation: str, values: Sequence[tuple[Period, Decimal]], container: Period
) -> tuple[Decimal, int]:
    """A unit's amount for one indicator over `container`, and how many values fed it."""
    inside = [(p, v) for p, v in values if p.start >= container.start and p.end <= container.end]
    if not inside:
        return ZERO, 0
    if aggregation == TimeAggregation.SUM:
        return sum((v for _, v in inside), ZERO), len(inside)
    if aggregation == TimeAggregation.LAST:
        return max(inside, key=lambda pv: (pv[0].end, pv[0].start))[1], len(inside)
    return min(inside, key=lambda pv: (pv[0].start, pv[0].end))[1], len(inside)


def _deltas_for_group(
    changes: Sequence[Change], containers: dict[str, Period], context: list[tuple[Period, Decimal]]
) -> dict[int, tuple[Decimal, int]]:
    """Per container period id: the change in one (unit, indicator)'s contribution.

    `context` holds the unit's stored values of the indicator around the changed periods.
    """
    first = changes[0]
    codes = {c for change in changes for c in container_codes(change.period.code)}
    result: dict[int, tuple[Decimal, int]] = {}
    if first.aggregation == TimeAggregation.SUM:
        # Sums are linear: no need to look at the other values.
        for change in changes:
            amount = (change.new or ZERO) - (change.old or ZERO)
            count = (change.new is not None) - (change.old is not None)
            for code in container_codes(change.period.code):
                pid = containers[code].id
                prev_amount, prev_count = result.get(pid, (ZERO, 0))
                result[pid] = (prev_amount + amount, prev_count + count)
        return result
    # The context may be read before or after the changes were written: rebuild both sides.
    changed_ids = {change.period.id for change in changes}
    unchanged = [(p, v) for p, v in context if p.id not in changed_ids]
    before = unchanged + [(c.period, c.old) for c in changes if c.old is not None]
    after = unchanged + [(c.period, c.new) for c in changes if c.new is not None]
    for code in codes:
        container = containers[code]
        amount_before, count_before = contribution(first.aggregation, before, container)
        amount_after, count_after = contribution(first.aggregation, after, container)
        result[container.id] = (amount_after - amount_before, count_after - count_before)
    return result


def rollup_apply(changes: Sequence[Change]) -> None:
    """Push raw value changes to the roll-ups of every ancestor, in the caller's transaction.

    The caller holds the lock on the unit, so that the other values of a stock indicator
    (read here to find the last or first value) cannot change underneath.
    """
    if not changes:
        return
    containers = period_rows({c for ch in changes for c in container_codes(ch.period.code)})
    groups: dict[tuple[int, int], list[Change]] = defaultdict(list)
    for change in changes:
        groups[(change.unit_id, change.indicator_id)].append(change)
    contexts = _stock_contexts(
        [group for group in groups.values() if group[0].aggregation != TimeAggregation.SUM],
        containers,
    )

    own: dict[Key, tuple[Decimal, int]] = {}
    for (unit_id, indicator_id), group in groups.items():
        deltas = _deltas_for_group(group, containers, contexts.get((unit_id, indicator_id), []))
        for period_id, delta in deltas.items():
            if delta[0] or delta[1]:
                own[(unit_id, indicator_id, period_id)] = delta
    paths = [change.unit_path for change in changes]
    lifted = _lift(own, paths)
    rollup_increment(sorted((u, i, p, a, c) for (u, i, p), (a, c) in lifted.items()))
    activity_increment(_activity(own, paths))


def _activity(
    own: dict[Key, tuple[Decimal, int]], paths: Iterable[str]
) -> list[tuple[int, int, int]]:
    """Changes of value counts per (ancestor, period), for every ancestor of the units."""
    chains = {int(path.strip("/").split("/")[-1]): path for path in set(paths)}
    per_unit: dict[tuple[int, int], int] = defaultdict(int)
    for (unit_id, _, period_id), (_, count) in own.items():
        if count:
            per_unit[(unit_id, period_id)] += count
    totals: dict[tuple[int, int], int] = defaultdict(int)
    for (unit_id, period_id), count in per_unit.items():
        for part in chains[unit_id].strip("/").split("/")[:-1]:
            totals[(int(part), period_id)] += count
    return sorted((u, p, c) for (u, p), c in totals.items() if c)


def _lift(
    own: dict[Key, tuple[Decimal, int]], paths: Iterable[str]
) -> dict[Key, tuple[Decimal, int]]:
    """Add each unit's change to the roll-ups of its ancestors that keep them."""
    keepers = _keeping_ancestors(paths)
    lifted: dict[Key, tuple[Decimal, int]] = {}
    for (unit_id, indicator_id, period_id), (amount, count) in own.items():
        for ancestor in keepers[unit_id]:
            key = (ancestor, indicator_id, period_id)
            old = lifted.get(key)
            lifted[key] = (amount, count) if old is None else (old[0] + amount, old[1] + count)
    return {key: delta for key, delta in lifted.items() if delta[0] or delta[1]}


def _keeping_ancestors(paths: Iterable[str]) -> dict[int, list[int]]:
    """For each unit on these paths, its strict ancestors whose level keeps roll-ups."""
    chains = {path: [int(part) for part in path.strip("/").split("/")] for path in set(paths)}
    ids = {unit_id for chain in chains.values() for unit_id in chain[:-1]}
    keeping = set(
        Unit.objects.filter(pk__in=ids, level__lte=ROLLUP_MAX_LEVEL).values_list("pk", flat=True)
    )
    return {chain[-1]: [a for a in chain[:-1] if a in keeping] for chain in chains.values()}


def _stock_contexts(
    groups: Sequence[Sequence[Change]], containers: dict[str, Period]
) -> dict[tuple[int, int], list[tuple[Period, Decimal]]]:
    """The stored values of each (unit, indicator) of stock type over the containers' span."""
    result: dict[tuple[int, int], list[tuple[Period, Decimal]]] = defaultdict(list)
    for start in range(0, len(groups), 500):
        chunk = groups[start : start + 500]
        unit_ids = {g[0].unit_id for g in chunk}
        indicator_ids = {g[0].indicator_id for g in chunk}
        spans = [containers[c] for g in chunk for ch in g for c in container_codes(ch.period.code)]
        low = min(p.start for p in spans)
        high = max(p.end for p in spans)
        rows = DataValue.objects.filter(
            unit_id__in=unit_ids,
            indicator_id__in=indicator_ids,
            period__start__gte=low,
            period__end__lte=high,
        ).select_related("period")
        wanted = {(g[0].unit_id, g[0].indicator_id) for g in chunk}
        for row in rows:
            key = (row.unit_id, row.indicator_id)
            if key in wanted:
                result[key].append((row.period, row.value))
    return result


UPSERT_INCREMENT = """
INSERT INTO analytics_rollup (unit_id, indicator_id, period_id, value, count)
VALUES (%s, %s, %s, %s, %s)
ON CONFLICT (unit_id, period_id, indicator_id) DO UPDATE
SET value = analytics_rollup.value + excluded.value,
    count = analytics_rollup.count + excluded.count
"""


def rollup_increment(rows: Sequence[tuple[int, int, int, Decimal, int]]) -> None:
    """Add (unit, indicator, period, amount, count) to the roll-up rows, creating them.

    Rows are written in key order so that concurrent writers lock in the same order.
    """
    if not rows:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(rows) > 1000:
            _increment_by_copy(cursor, rows)
        else:
            cursor.executemany(UPSERT_INCREMENT, [(u, i, p, str(a), c) for u, i, p, a, c in rows])


ACTIVITY_INCREMENT = """
INSERT INTO analytics_activity (unit_id, period_id, count) VALUES (%s, %s, %s)
ON CONFLICT (unit_id, period_id) DO UPDATE SET count = analytics_activity.count + excluded.count
"""


def activity_increment(rows: Sequence[tuple[int, int, int]]) -> None:
    """Add (unit, period, count) to the activity rows, creating them."""
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(ACTIVITY_INCREMENT, rows)


def _increment_by_copy(cursor: object, rows: Sequence[tuple[int, int, int, Decimal, int]]) -> None:
    """PostgreSQL: stream the increments with COPY, then merge them in one statement."""
    raw = cursor.cursor  # type: ignore[attr-defined]  # psycopg cursor under Django's wrapper
    raw.execute(
        "CREATE TEMP TABLE IF NOT EXISTS rollup_delta "
        "(unit_id bigint, indicator_id bigint, period_id bigint, value numeric, count bigint) "
        "ON COMMIT DELETE ROWS"
    )
    with raw.copy(
        "COPY rollup_delta (unit_id, indicator_id, period_id, value, count) FROM STDIN"
    ) as copy:
        for row in rows:
            copy.write_row(row)
    raw.execute(
        "INSERT INTO analytics_rollup (unit_id, indicator_id, period_id, value, count) "
        "SELECT unit_id, indicator_id, period_id, value, count FROM rollup_delta "
        "ORDER BY unit_id, indicator_id, period_id "
        "ON CONFLICT (unit_id, period_id, indicator_id) DO UPDATE "
        "SET value = analytics_rollup.value + excluded.value, "
        "count = analytics_rollup.count + excluded.count"
    )
    raw.execute("TRUNCATE rollup_delta")
