"""Writes of the traffic app: visits, link clicks. Each is exact under concurrency: atomic
statements (upserts, increments in the database), never read-modify-write in Python."""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from phongtrao.portal.traffic.models import DailyVisits, Link, Presence, VisitorKind

# Concurrent visitors of a day spread their increments over this many rows.
DAILY_SHARDS = 8
# One visit in this many prunes the presence rows older than the visit window.
PRUNE_ONE_IN = 500


def visit_window() -> timedelta:
    """A browser counts one visit per window (TRAFFIC_VISIT_MINUTES, default 30)."""
    return timedelta(minutes=getattr(settings, "TRAFFIC_VISIT_MINUTES", 30))


def _table(model: type[Presence] | type[DailyVisits]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _db_datetime(moment: datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(moment)


def visit_record(*, key: str, kind: VisitorKind, at: datetime | None = None) -> bool:
    """Note that the visitor `key` (a browser or a robot) was seen `at` (now by default).

    Adds one visit to the day when this is the visitor's first request, or its first since
    its last visit was counted more than the visit window ago. Returns whether it did.
    Concurrent requests of one visitor add exactly one visit: the insert and the conditional
    update are single statements that the database serialises on the visitor's row.
    """
    now = at or timezone.now()
    if connection.vendor == "postgresql":
        counted = _visit_record_in_one_statement(key, kind, now)
    else:
        counted = _visit_record_in_steps(key, kind, now)
    if counted and secrets.randbelow(PRUNE_ONE_IN) == 0:
        presence_prune(before=now - visit_window())
    return counted


# Rows per statement of `visits_record` (SQLite takes at most 32,766 parameters).
VISITS_PER_STATEMENT = 500


@transaction.atomic
def visits_record(*, visits: Sequence[tuple[str, VisitorKind, datetime]]) -> int:
    """Note each (visitor key, kind, time) of `visits` as `visit_record` does, set-wise in one
    transaction: the visits the requests of a moment added (see phongtrao.batched). Returns
    how many visits were counted.

    A few statements whatever the batch's size: the new visitors inserted, then the known ones
    whose counted visit is older than the window moved, then `last_seen` of the rest, then one
    increment of the day's figure. Concurrent batches stay exact as `visit_record` does (the
    database serialises them on each visitor's row and re-checks the conditions); new
    visitors are inserted in the keys' order and each batch increments one row of the day's
    figure, so that concurrent batches do not deadlock on them (a batch the database refuses
    anyway is kept and written again, see phongtrao.batched).
    A visitor twice in the batch counts as its latest request (the earlier one is within the
    window of it).
    """
    latest: dict[str, tuple[VisitorKind, datetime]] = {}
    for key, kind, at in sorted(visits, key=lambda visit: visit[2]):
        latest[key] = (kind, at)
    rows = [(key, *latest[key]) for key in sorted(latest)]
    counted_days: Counter[date] = Counter()
    zone = timezone.get_current_timezone()  # timezone.localdate's, looked up once
    for start in range(0, len(rows), VISITS_PER_STATEMENT):
        chunk = rows[start : start + VISITS_PER_STATEMENT]
        for key in _visits_counted(chunk):
            counted_days[latest[key][1].astimezone(zone).date()] += 1
    daily = _table(DailyVisits)
    with connection.cursor() as cursor:
        for day, visits_of_day in sorted(counted_days.items()):
            cursor.execute(
                f"INSERT INTO {daily} AS d (day, shard, visits) VALUES (%s, %s, %s) "  # noqa: S608
                "ON CONFLICT (day, shard) DO UPDATE SET visits = d.visits + excluded.visits",
                [
                    connection.ops.adapt_datefield_value(day),
                    secrets.randbelow(DAILY_SHARDS),
                    visits_of_day,
                ],
            )
    counted = sum(counted_days.values())
    if counted and secrets.randbelow(max(1, PRUNE_ONE_IN // counted)) == 0:
        presence_prune(before=timezone.now() - visit_window())
    return counted


def _visits_counted(rows: list[tuple[str, VisitorKind, datetime]]) -> set[str]:
    """The visitors of `rows` (key, kind, time; keys distinct and in order) whose visit counts:
    new ones, and known ones last counted more than the window before; `last_seen` of every
    other one moved. Three statements."""
    presence, key_column = _table(Presence), connection.ops.quote_name("key")
    window = visit_window()
    stamp = "CAST(%s AS timestamptz)" if connection.vendor == "postgresql" else "%s"
    # Each time adapted once (the connection's adapter looked up once): most of a batch's
    # Python time was these conversions, on the worker's writer thread (phongtrao.batched).
    adapt = connection.ops.adapt_datetimefield_value
    adapted = {key: adapt(at) for key, _, at in rows}
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {presence} ({key_column}, kind, last_seen, counted_at) VALUES "  # noqa: S608
            + ", ".join([f"(%s, %s, {stamp}, {stamp})"] * len(rows))
            + f" ON CONFLICT ({key_column}) DO NOTHING RETURNING {key_column}",
            [v for key, kind, _ in rows for v in (key, int(kind), adapted[key], adapted[key])],
        )
        counted = {row[0] for row in cursor.fetchall()}
        known = [row for row in rows if row[0] not in counted]
        if not known:
            return counted
        values = ", ".join([f"(%s, %s, {stamp}, {stamp})"] * len(known))
        params = [
            v for key, kind, at in known for v in (key, int(kind), adapted[key], adapt(at - window))
        ]
        cursor.execute(
            f"WITH v (k, kind, at, since) AS (VALUES {values}) "  # noqa: S608
            f"UPDATE {presence} SET kind = v.kind, last_seen = v.at, counted_at = v.at FROM v "
            f"WHERE {presence}.{key_column} = v.k AND {presence}.counted_at <= v.since "
            f"RETURNING {key_column}",
            params,
        )
        moved = {row[0] for row in cursor.fetchall()}
        counted |= moved
        rest = [row for row in known if row[0] not in moved]
        if rest:
            values = ", ".join([f"(%s, %s, {stamp})"] * len(rest))
            cursor.execute(
                f"WITH v (k, kind, at) AS (VALUES {values}) "  # noqa: S608
                f"UPDATE {presence} SET kind = v.kind, last_seen = v.at FROM v "
                f"WHERE {presence}.{key_column} = v.k AND {presence}.last_seen < v.at",
                [v for key, kind, _ in rest for v in (key, int(kind), adapted[key])],
            )
    return counted


def _visit_record_in_one_statement(key: str, kind: VisitorKind, now: datetime) -> bool:
    """PostgreSQL: the visit counted in one statement (one round trip, no transaction to
    open and close: a new browser's visit is on the hot path of every portal page).

    The insert of a new visitor, or else the update of one whose last counted visit is older
    than the window, and the day's increment when either wrote a row. A concurrent request of
    the same browser waits on the row and re-checks the update's condition on its new
    version (or no longer sees a row inserted meanwhile), so it adds nothing. A browser not
    counted gets its `last_seen` moved by a second statement, for "đang truy cập".
    """
    presence, daily = _table(Presence), _table(DailyVisits)
    params: dict[str, Any] = {
        "key": key,
        "kind": int(kind),
        "now": now,
        "since": now - visit_window(),
        "day": timezone.localdate(now),
        "shard": secrets.randbelow(DAILY_SHARDS),
    }
    with connection.cursor() as cursor:
        cursor.execute(
            f'WITH inserted AS (INSERT INTO {presence} ("key", kind, last_seen, counted_at) '  # noqa: S608
            "VALUES (%(key)s, %(kind)s, %(now)s, %(now)s) "
            'ON CONFLICT ("key") DO NOTHING RETURNING 1), '
            f"updated AS (UPDATE {presence} SET kind = %(kind)s, last_seen = %(now)s, "
            f'counted_at = %(now)s WHERE "key" = %(key)s AND counted_at <= %(since)s '
            "AND NOT EXISTS (SELECT 1 FROM inserted) RETURNING 1) "
            f"INSERT INTO {daily} AS d (day, shard, visits) SELECT %(day)s, %(shard)s, 1 "
            "WHERE EXISTS (SELECT 1 FROM inserted) OR EXISTS (SELECT 1 FROM updated) "
            "ON CONFLICT (day, shard) DO UPDATE SET visits = d.visits + 1 RETURNING 1",
            params,
        )
        if cursor.fetchone() is not None:
            return True
        cursor.execute(
            f"UPDATE {presence} SET kind = %(kind)s, last_seen = %(now)s "  # noqa: S608
            'WHERE "key" = %(key)s AND last_seen < %(now)s',
            params,
        )
    return False


@transaction.atomic
def _visit_record_in_steps(key: str, kind: VisitorKind, now: datetime) -> bool:
    """Other databases (SQLite has no writes in WITH): the same in a few statements of one
    transaction."""
    presence, stamp = _table(Presence), _db_datetime(now)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {presence} ({connection.ops.quote_name('key')}, kind, last_seen, "  # noqa: S608
            "counted_at) VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING kind",
            [key, int(kind), stamp, stamp],
        )
        counted = cursor.fetchone() is not None
        if not counted:
            cursor.execute(
                f"UPDATE {presence} SET kind = %s, last_seen = %s, counted_at = %s "  # noqa: S608
                f"WHERE {connection.ops.quote_name('key')} = %s AND counted_at <= %s",
                [int(kind), stamp, stamp, key, _db_datetime(now - visit_window())],
            )
            counted = cursor.rowcount == 1
        if not counted:
            cursor.execute(
                f"UPDATE {presence} SET kind = %s, last_seen = %s "  # noqa: S608
                f"WHERE {connection.ops.quote_name('key')} = %s AND last_seen < %s",
                [int(kind), stamp, key, stamp],
            )
            return False
        day = timezone.localdate(now)
        cursor.execute(
            f"INSERT INTO {_table(DailyVisits)} (day, shard, visits) VALUES (%s, %s, 1) "  # noqa: S608
            f"ON CONFLICT (day, shard) DO UPDATE SET visits = {_table(DailyVisits)}.visits + 1",
            [connection.ops.adapt_datefield_value(day), secrets.randbelow(DAILY_SHARDS)],
        )
    return True


def presence_prune(*, before: datetime) -> int:
    """Forget visitors not seen since `before` (older than the visit window: a returning one
    counts anew either way). Returns how many were forgotten."""
    deleted, _ = Presence.objects.filter(last_seen__lt=before).delete()
    return deleted


def link_click_record(*, link: Link) -> None:
    """One more click on `link` (the caller has checked it is this browser's first)."""
    Link.objects.filter(pk=link.pk).update(clicks=F("clicks") + 1)
