"""Keeping roll-ups fresh: every change to a raw value is pushed to its ancestors at once.

Kept for the units at the levels that answer country-sized questions (central, province,
district, commune): a question about every commune of the country reads one roll-up row per
cell instead of summing its chi hội's raw values.

A unit's contribution to a period P for an indicator is computed from its own raw values
inside P, as the indicator aggregates over time: the sum, the last value (stocks such as
members) or the first. When a value changes, the contribution before and after is computed
for P = the value's period and each quarter, half-year and year containing it, and the
difference is added to the roll-up rows of every ancestor of the unit. The work is
proportional to depth × containers, whatever the size of the data.

Owned by `data`, the write path that keeps the invariant (every saved value is in the
roll-ups at commit): its services call `rollup_apply` in their transaction. The tables it
writes (`analytics_rollup`, `analytics_activity`) are declared by `analytics.models`, whose
reads (`analytics.selectors`) and rebuild sit above `data`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from django.db import connection, router

from phongtrao import periods
from phongtrao.catalog.models import TimeAggregation
from phongtrao.data.models import DataValue, Period
from phongtrao.freshness import figures_changed
from phongtrao.orgs.models import Level, Unit

ZERO = Decimal(0)
# Roll-ups are kept down to the communes (issue 22: the questions about every commune of the
# country read them); a chi hội's subtree (its tổ) is small enough to sum when asked.
ROLLUP_MAX_LEVEL = Level.COMMUNE
Key = tuple[int, int, int]  # (unit id, indicator id, period id)


class Change(NamedTuple):
    """One raw value that changed: `old` or `new` is None where it did not exist.

    A named tuple rather than a dataclass: imports build one per value.
    """

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
        # Read back where they were written: a view reading a replica would not see them yet.
        written = Period.objects.using(router.db_for_write(Period))
        found.update({p.code: p for p in written.filter(code__in=[m.code for m in missing])})
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


def _stock_deltas(
    changes: Sequence[Change], containers: dict[str, Period], context: list[tuple[Period, Decimal]]
) -> dict[int, tuple[Decimal, int]]:
    """Per container period id: the change in one (unit, stock indicator)'s contribution.

    `context` holds the unit's stored values of the indicator around the changed periods; it
    may be read before or after the changes were written, so both sides are rebuilt from it.
    """
    aggregation = changes[0].aggregation
    changed_ids = {change.period.id for change in changes}
    unchanged = [(p, v) for p, v in context if p.id not in changed_ids]
    before = unchanged + [(c.period, c.old) for c in changes if c.old is not None]
    after = unchanged + [(c.period, c.new) for c in changes if c.new is not None]
    result: dict[int, tuple[Decimal, int]] = {}
    for code in {c for change in changes for c in container_codes(change.period.code)}:
        container = containers[code]
        amount_before, count_before = contribution(aggregation, before, container)
        amount_after, count_after = contribution(aggregation, after, container)
        result[container.id] = (amount_after - amount_before, count_after - count_before)
    return result


def rollup_apply(changes: Sequence[Change]) -> None:
    """Push raw value changes to the roll-ups of every ancestor, in the caller's transaction.

    The caller holds the lock on the unit, so that the other values of a stock indicator
    (read here to find the last or first value) cannot change underneath.
    """
    if not changes:
        return
    figures_changed()
    wanted = {c for ch in changes for c in container_codes(ch.period.code)}
    # The changed periods are at hand; only the wider ones are read (none for a year).
    containers = {ch.period.code: ch.period for ch in changes if ch.period.pk is not None}
    if wanted - containers.keys():
        containers.update(period_rows(wanted - containers.keys()))
    container_ids = {
        code: tuple(containers[c].id for c in container_codes(code))
        for code in {ch.period.code for ch in changes}
    }
    own: dict[Key, tuple[Decimal, int]] = {}
    stocks: dict[tuple[int, int], list[Change]] = defaultdict(list)
    for change in changes:
        if change.aggregation != TimeAggregation.SUM:
            stocks[(change.unit_id, change.indicator_id)].append(change)
            continue
        # Sums are linear: the change adds the same difference to every container.
        amount = (change.new or ZERO) - (change.old or ZERO)
        count = (change.new is not None) - (change.old is not None)
        for period_id in container_ids[change.period.code]:
            key = (change.unit_id, change.indicator_id, period_id)
            old = own.get(key)
            own[key] = (amount, count) if old is None else (old[0] + amount, old[1] + count)
    contexts = _stock_contexts(list(stocks.values()), containers)
    for (unit_id, indicator_id), group in stocks.items():
        deltas = _stock_deltas(group, containers, contexts.get((unit_id, indicator_id), []))
        for period_id, delta in deltas.items():
            own[(unit_id, indicator_id, period_id)] = delta
    rollups, activity = _lift(own, {change.unit_path for change in changes})
    rollup_increment(sorted((u, p, i, a, c) for (u, i, p), (a, c) in rollups.items()))
    activity_increment(sorted((u, p, c) for (u, p), c in activity.items()))


def _lift(
    own: dict[Key, tuple[Decimal, int]], paths: Iterable[str]
) -> tuple[dict[Key, tuple[Decimal, int]], dict[tuple[int, int], int]]:
    """Carry each unit's change to its ancestors.

    Returns the changes of the roll-ups (ancestors at the levels that keep them) and of the
    activity counts (every ancestor), without the entries that did not change.
    """
    chains = {
        ids[-1]: ids for ids in ([int(part) for part in p.strip("/").split("/")] for p in paths)
    }
    keeping = set(
        Unit.objects.filter(
            pk__in={a for ids in chains.values() for a in ids[:-1]}, level__lte=ROLLUP_MAX_LEVEL
        ).values_list("pk", flat=True)
    )
    rollups: dict[Key, tuple[Decimal, int]] = {}
    per_unit: dict[tuple[int, int], int] = defaultdict(int)
    for (unit_id, indicator_id, period_id), (amount, count) in own.items():
        if not amount and not count:
            continue
        per_unit[(unit_id, period_id)] += count
        for ancestor in chains[unit_id][:-1]:
            if ancestor not in keeping:
                continue
            key = (ancestor, indicator_id, period_id)
            old = rollups.get(key)
            rollups[key] = (amount, count) if old is None else (old[0] + amount, old[1] + count)
    activity: dict[tuple[int, int], int] = defaultdict(int)
    for (unit_id, period_id), count in per_unit.items():
        if count:
            for ancestor in chains[unit_id][:-1]:
                activity[(ancestor, period_id)] += count
    return (
        {key: delta for key, delta in rollups.items() if delta[0] or delta[1]},
        {key: count for key, count in activity.items() if count},
    )


def _stock_contexts(
    groups: Sequence[Sequence[Change]], containers: dict[str, Period]
) -> dict[tuple[int, int], list[tuple[Period, Decimal]]]:
    """The stored values of each (unit, indicator) of stock type over the containers' span."""
    result: dict[tuple[int, int], list[tuple[Period, Decimal]]] = defaultdict(list)
    periods_by_id: dict[int, Period] = {p.id: p for p in containers.values()}
    for start in range(0, len(groups), 500):
        chunk = groups[start : start + 500]
        spans = [containers[c] for g in chunk for ch in g for c in container_codes(ch.period.code)]
        rows = DataValue.objects.filter(
            unit_id__in={g[0].unit_id for g in chunk},
            indicator_id__in={g[0].indicator_id for g in chunk},
            period__start__gte=min(p.start for p in spans),
            period__end__lte=max(p.end for p in spans),
        ).values_list("unit_id", "indicator_id", "period_id", "value")
        found = list(rows)
        missing = {period_id for _, _, period_id, _ in found} - periods_by_id.keys()
        periods_by_id.update(Period.objects.in_bulk(missing))
        wanted = {(g[0].unit_id, g[0].indicator_id) for g in chunk}
        for unit_id, indicator_id, period_id, value in found:
            if (unit_id, indicator_id) in wanted:
                result[(unit_id, indicator_id)].append((periods_by_id[period_id], value))
    return result


@dataclass(frozen=True)
class Counter:
    """A table of running totals: key columns, and columns that increments are added to."""

    table: str
    keys: tuple[str, ...]
    sums: tuple[str, ...]
    sum_types: tuple[str, ...]

    @property
    def columns(self) -> str:
        return ", ".join(self.keys + self.sums)

    def upsert(self, source: str) -> str:
        added = ", ".join(f"{c} = {self.table}.{c} + excluded.{c}" for c in self.sums)
        return (
            f"INSERT INTO {self.table} ({self.columns}) {source} "  # noqa: S608
            f"ON CONFLICT ({', '.join(self.keys)}) DO UPDATE SET {added}"
        )


ROLLUPS = Counter(
    "analytics_rollup",
    ("unit_id", "period_id", "indicator_id"),
    ("value", "count"),
    ("numeric", "bigint"),
)
ACTIVITY = Counter("analytics_activity", ("unit_id", "period_id"), ("count",), ("bigint",))


def rollup_increment(rows: Sequence[tuple[int, int, int, Decimal, int]]) -> None:
    """Add (unit, period, indicator, amount, count) to the roll-up rows, creating them."""
    _increment(ROLLUPS, rows)


def activity_increment(rows: Sequence[tuple[int, int, int]]) -> None:
    """Add (unit, period, count) to the activity rows, creating them."""
    _increment(ACTIVITY, rows)


def _increment(counter: Counter, rows: Sequence[tuple[int | Decimal, ...]]) -> None:
    """Add the rows' sums to the counter's rows, creating missing ones.

    Rows come sorted by key, so concurrent writers lock rows in the same order. Many rows
    on PostgreSQL are streamed with COPY into a temporary table and merged in one statement.
    """
    if not rows:
        return
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql" or len(rows) <= 1000:
            marks = ", ".join(["%s"] * (len(counter.keys) + len(counter.sums)))
            cursor.executemany(counter.upsert(f"VALUES ({marks})"), rows)
            return
        raw = cursor.cursor  # psycopg's own cursor under Django's wrapper, for COPY
        delta = f"{counter.table}_delta"
        types = [f"{c} bigint" for c in counter.keys] + [
            f"{c} {t}" for c, t in zip(counter.sums, counter.sum_types, strict=True)
        ]
        raw.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {delta} ({', '.join(types)}) ON COMMIT DELETE ROWS"
        )
        with raw.copy(f"COPY {delta} ({counter.columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        ordered = f"SELECT {counter.columns} FROM {delta} ORDER BY {counter.columns}"  # noqa: S608
        raw.execute(counter.upsert(ordered))
        raw.execute(f"TRUNCATE {delta}")
