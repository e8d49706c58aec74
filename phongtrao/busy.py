"""Writes a reader's page can do without: counters that a busy database may drop.

SQLite has one writer at a time. A guest's view or visit counted while a long import holds
the write lock must not wait the connection's 20 s timeout nor turn the page into a 500: the
write is tried a few times with a short wait, then dropped and logged. Other errors, and
every error of other writes, are raised as usual.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from django.db import OperationalError, connection, transaction

logger = logging.getLogger(__name__)

T = TypeVar("T")

ATTEMPTS = 3
WAIT_MS = 100


def is_busy(error: OperationalError) -> bool:
    """SQLite's "database is locked" (and the table-level variant of a shared cache)."""
    return "locked" in str(error).lower()


@contextmanager
def _short_busy_timeout(wait_ms: int) -> Iterator[None]:
    """SQLite's busy handler set to `wait_ms` for the block (on the driver's connection: a
    pragma without I/O, not one of the page's queries)."""
    connection.ensure_connection()
    raw = connection.connection
    before = int(raw.execute("PRAGMA busy_timeout").fetchone()[0])
    raw.execute(f"PRAGMA busy_timeout = {int(wait_ms)}")
    try:
        yield
    finally:
        raw.execute(f"PRAGMA busy_timeout = {before}")


def write_or_drop(
    write: Callable[[], T], *, what: str, attempts: int = ATTEMPTS, wait_ms: int = WAIT_MS
) -> T | None:
    """Run `write` (in its own transaction or savepoint); when the database stays busy for
    `attempts` tries of about `wait_ms` each, log it and return None instead of raising."""
    if connection.vendor != "sqlite":  # PostgreSQL's writers wait on rows, never "locked"
        return write()
    with _short_busy_timeout(wait_ms):
        for attempt in range(1, attempts + 1):
            try:
                with transaction.atomic():
                    return write()
            except OperationalError as error:
                if not is_busy(error):
                    raise
                logger.info("Database busy, %s: attempt %d of %d", what, attempt, attempts)
                time.sleep(wait_ms / 1000 * attempt / 2)
    logger.warning("Database busy: %s dropped after %d attempts", what, attempts)
    return None
