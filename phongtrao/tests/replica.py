"""The real streaming replica in tests: `scripts/with_postgres.py --replica` starts one and
names it in DATABASE_REPLICA_URL; tests mirror the `replica` alias to the primary unless they
ask for `real_replica`. Tests that need it are marked `needs_replica` (skipped, saying so, on
SQLite or without a replica) and take the `real_replica` fixture (conftest.py)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import dj_database_url
import pytest
from django.db import connections

from config.replica import REPLICA

REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
needs_replica = pytest.mark.skipif(
    not REPLICA_URL, reason="needs a streaming replica: scripts/with_postgres.py --replica"
)


def replica_settings(primary: dict[str, Any]) -> dict[str, Any]:
    """The primary's connection settings, with the host of the real replica."""
    where = dj_database_url.parse(REPLICA_URL)
    options = {**primary["OPTIONS"], **where["OPTIONS"], "connect_timeout": 2}
    return {**primary, "HOST": where["HOST"], "OPTIONS": options}


def replica_caught_up(seconds: float = 10) -> None:
    """Wait until the replica has replayed everything the primary wrote so far."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_insert_lsn()")
        lsn = cursor.fetchone()[0]
    deadline = time.monotonic() + seconds
    with connections[REPLICA].cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])
            if cursor.fetchone()[0]:
                return
            time.sleep(0.02)
        cursor.execute("SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn(), current_database()")
        raise AssertionError(f"the replica did not catch up with {lsn}: {cursor.fetchone()}")


@contextmanager
def replica_behind() -> Iterator[None]:
    """The replica receives the primary's changes but does not apply them inside the block
    (a replica lagging behind, deterministically); it catches up after it."""
    with connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()")
    try:
        yield
    finally:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_resume()")
        replica_caught_up()
