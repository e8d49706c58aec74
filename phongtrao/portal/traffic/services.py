"""Writes of the traffic app: visits, link clicks. Each is exact under concurrency: atomic
statements (upserts, increments in the database), never read-modify-write in Python."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
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


@transaction.atomic
def visit_record(*, key: str, kind: VisitorKind, at: datetime | None = None) -> bool:
    """Note that the visitor `key` (a browser or a robot) was seen `at` (now by default).

    Adds one visit to the day when this is the visitor's first request, or its first since
    its last visit was counted more than the visit window ago. Returns whether it did.
    Concurrent requests of one visitor add exactly one visit: the insert and the conditional
    update are single statements that the database serialises on the visitor's row.
    """
    now = at or timezone.now()
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
    if secrets.randbelow(PRUNE_ONE_IN) == 0:
        presence_prune(before=now - visit_window())
    return True


def presence_prune(*, before: datetime) -> int:
    """Forget visitors not seen since `before` (older than the visit window: a returning one
    counts anew either way). Returns how many were forgotten."""
    deleted, _ = Presence.objects.filter(last_seen__lt=before).delete()
    return deleted


def link_click_record(*, link: Link) -> None:
    """One more click on `link` (the caller has checked it is this browser's first)."""
    Link.objects.filter(pk=link.pk).update(clicks=F("clicks") + 1)
