"""Writes of the traffic app: visits, link clicks. Each is exact under concurrency: atomic
statements (upserts, increments in the database), never read-modify-write in Python (what a
batch reads to compute its changes, it reads from rows it holds locked)."""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from phongtrao.portal.traffic.models import (
    DailyVisits,
    Link,
    OnlineMinute,
    Presence,
    VisitorKind,
    minute_of,
)

T = TypeVar("T")

# Concurrent visitors of a day spread their increments over this many rows.
DAILY_SHARDS = 8
# One visit in this many prunes the presence rows older than the visit window.
PRUNE_ONE_IN = 500


def visit_window() -> timedelta:
    """A browser counts one visit per window (TRAFFIC_VISIT_MINUTES, default 30)."""
    return timedelta(minutes=getattr(settings, "TRAFFIC_VISIT_MINUTES", 30))


def _table(model: type[Presence] | type[DailyVisits] | type[OnlineMinute]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def visit_record(*, key: str, kind: VisitorKind, at: datetime | None = None) -> bool:
    """Note that the visitor `key` (a browser or a robot) was seen `at` (now by default).

    Adds one visit to the day when this is the visitor's first request, or its first since
    its last visit was counted more than the visit window ago. Returns whether it did.
    A batch of one (`visits_record`): concurrent requests of one visitor add exactly one visit.
    Pages write their visits in batches (phongtrao.batched); this is the path of
    COUNTS_FLUSH_SECONDS = 0.
    """
    return visits_record(visits=[(key, kind, at or timezone.now())]) == 1


# Rows per statement of `visits_record` (SQLite takes at most 32,766 parameters).
VISITS_PER_STATEMENT = 500


def visits_record(*, visits: Sequence[tuple[str, VisitorKind, datetime]]) -> int:
    """Note each (visitor key, kind, time) of `visits`, set-wise in one transaction: the
    visits the requests of a moment added (see phongtrao.batched). Returns how many visits
    were counted. Now and then forgets the visitors idle longer than the visit window
    (`presence_prune`, in a transaction of its own once the batch is written)."""
    counted = _visits_write(visits)
    if counted and secrets.randbelow(max(1, PRUNE_ONE_IN // counted)) == 0:
        presence_prune(before=timezone.now() - visit_window())
    return counted


@transaction.atomic
def _visits_write(visits: Sequence[tuple[str, VisitorKind, datetime]]) -> int:
    """A few statements whatever the batch's size: the new visitors inserted, the known ones
    read and locked in the keys' order, those whose counted visit is older than the window
    moved, then `last_seen` of the rest, then one upsert of the minutes' figures of
    "đang truy cập" (`OnlineMinute`) and one increment of the day's figure.

    Concurrent batches stay exact: the database serialises them on each visitor's row and
    re-checks the conditions. Each takes its locks in one order (visitors by key, then the
    minutes in order, then the day; the minutes' and the day's rows of one shard, drawn per
    batch), so that concurrent batches do not deadlock on them (a batch the database refuses
    anyway is kept and written again, see phongtrao.batched).
    A visitor twice in the batch counts as its latest request (the earlier one is within the
    window of it).
    """
    latest: dict[str, tuple[VisitorKind, datetime]] = {}
    for key, kind, at in sorted(visits, key=lambda visit: visit[2]):
        latest[key] = (kind, at)
    rows = [(key, *latest[key]) for key in sorted(latest)]
    minutes: Counter[tuple[datetime, int]] = Counter()
    counted_days: Counter[date] = Counter()
    zone = timezone.get_current_timezone()  # timezone.localdate's, looked up once
    for key in _visits_counted(rows, minutes):
        counted_days[latest[key][1].astimezone(zone).date()] += 1
    shard = secrets.randbelow(DAILY_SHARDS)
    _minutes_add(minutes, shard)
    daily = _table(DailyVisits)
    with connection.cursor() as cursor:
        for day, visits_of_day in sorted(counted_days.items()):
            cursor.execute(
                f"INSERT INTO {daily} AS d (day, shard, visits) VALUES (%s, %s, %s) "  # noqa: S608
                "ON CONFLICT (day, shard) DO UPDATE SET visits = d.visits + excluded.visits",
                [connection.ops.adapt_datefield_value(day), shard, visits_of_day],
            )
    return sum(counted_days.values())


def _chunks(rows: list[T]) -> Iterator[list[T]]:
    for start in range(0, len(rows), VISITS_PER_STATEMENT):
        yield rows[start : start + VISITS_PER_STATEMENT]


def _visits_counted(
    rows: list[tuple[str, VisitorKind, datetime]], minutes: Counter[tuple[datetime, int]]
) -> set[str]:
    """The visitors of `rows` (key, kind, time; keys distinct and in order) whose visit counts:
    new ones, and known ones last counted more than the window before; `last_seen` of every
    other one moved. Each visitor seen anew moved in `minutes` ((minute, kind): visitors) from
    the minute it was last seen in to this one. Four statements per 500 visitors: every
    insert before any lock of a known visitor (so that two batches, each waiting for the
    other's new visitor or locked one, cannot wait on each other)."""
    presence, key_column = _table(Presence), connection.ops.quote_name("key")
    window = visit_window()
    stamp = _stamp()
    # Each time adapted once (the connection's adapter looked up once): most of a batch's
    # Python time was these conversions.
    adapt = connection.ops.adapt_datetimefield_value
    adapted = {key: adapt(at) for key, _, at in rows}
    counted: set[str] = set()
    with connection.cursor() as cursor:
        for chunk in _chunks(rows):
            cursor.execute(
                f"INSERT INTO {presence} ({key_column}, kind, last_seen, counted_at) VALUES "  # noqa: S608
                + ", ".join([f"(%s, %s, {stamp}, {stamp})"] * len(chunk))
                + f" ON CONFLICT ({key_column}) DO NOTHING RETURNING {key_column}",
                [v for key, kind, _ in chunk for v in (key, int(kind), adapted[key], adapted[key])],
            )
            counted.update(row[0] for row in cursor.fetchall())
        for key, kind, at in rows:
            if key in counted:
                minutes[minute_of(at), int(kind)] += 1
        known = [row for row in rows if row[0] not in counted]
        # Where each known visitor was last seen, its row locked (in the keys' order) until
        # the batch commits: the minute it leaves is the one it was counted in.
        before: dict[str, tuple[int, datetime]] = {}
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        for chunk in _chunks(known):
            cursor.execute(
                f"SELECT {key_column}, kind, last_seen FROM {presence} "  # noqa: S608
                f"WHERE {key_column} IN ({', '.join(['%s'] * len(chunk))}) "
                f"ORDER BY {key_column}{lock}",
                [row[0] for row in chunk],
            )
            for key, kind, last_seen in cursor.fetchall():
                if last_seen.tzinfo is None:  # SQLite's, in UTC
                    last_seen = last_seen.replace(tzinfo=UTC)
                before[key] = (kind, last_seen)
        moved: set[str] = set()
        for chunk in _chunks(known):
            values = ", ".join([f"(%s, %s, {stamp}, {stamp})"] * len(chunk))
            cursor.execute(
                f"WITH v (k, kind, at, since) AS (VALUES {values}) "  # noqa: S608
                f"UPDATE {presence} SET kind = v.kind, last_seen = v.at, counted_at = v.at "
                f"FROM v WHERE {presence}.{key_column} = v.k "
                f"AND {presence}.counted_at <= v.since RETURNING {key_column}",
                [
                    v
                    for key, kind, at in chunk
                    for v in (key, int(kind), adapted[key], adapt(at - window))
                ],
            )
            moved.update(row[0] for row in cursor.fetchall())
        seen = set(moved)
        for chunk in _chunks([row for row in known if row[0] not in moved]):
            values = ", ".join([f"(%s, %s, {stamp})"] * len(chunk))
            cursor.execute(
                f"WITH v (k, kind, at) AS (VALUES {values}) "  # noqa: S608
                f"UPDATE {presence} SET kind = v.kind, last_seen = v.at FROM v "
                f"WHERE {presence}.{key_column} = v.k AND {presence}.last_seen < v.at "
                f"RETURNING {key_column}",
                [v for key, kind, _ in chunk for v in (key, int(kind), adapted[key])],
            )
            seen.update(row[0] for row in cursor.fetchall())
    for key, kind, at in known:
        if key in seen and key in before:
            old_kind, old_seen = before[key]
            minutes[minute_of(old_seen), old_kind] -= 1
            minutes[minute_of(at), int(kind)] += 1
    return counted | moved


def _stamp() -> str:
    """A time parameter in a VALUES list (PostgreSQL types it from the cast)."""
    return "CAST(%s AS timestamptz)" if connection.vendor == "postgresql" else "%s"


def _minutes_add(minutes: Counter[tuple[datetime, int]], shard: int) -> None:
    """Add `minutes` ((minute, kind): visitors, some negative) to the figures of "đang truy
    cập", in one statement, the rows in order."""
    changes = sorted((minute, kind, n) for (minute, kind), n in minutes.items() if n)
    if not changes:
        return
    table, stamp = _table(OnlineMinute), _stamp()
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} AS m (minute, kind, shard, visitors) VALUES "  # noqa: S608
            + ", ".join([f"({stamp}, %s, %s, %s)"] * len(changes))
            + " ON CONFLICT (minute, kind, shard) DO UPDATE SET visitors = m.visitors + "
            "excluded.visitors",
            [v for minute, kind, n in changes for v in (adapt(minute), kind, shard, n)],
        )


def presence_prune(*, before: datetime) -> int:
    """Forget visitors not seen since `before` (older than the visit window: a returning one
    counts anew either way), and the minutes' figures whose visitors are all forgotten.
    Returns how many visitors were forgotten."""
    deleted, _ = Presence.objects.filter(last_seen__lt=before).delete()
    OnlineMinute.objects.filter(minute__lt=minute_of(before)).delete()
    return deleted


def link_click_record(*, link: Link) -> None:
    """One more click on `link` (the caller has checked it is this browser's first)."""
    Link.objects.filter(pk=link.pk).update(clicks=F("clicks") + 1)
