"""Progress of a running task, seen at once from any process or machine.

A long task (a file import) holds its transaction open to its end, so that a failure, or a
worker killed mid-way, leaves nothing half-written. Its counts cannot go through that
transaction (nobody would see them before the end), so `Progress` writes them through a
second connection, `progress`, in autocommit: on PostgreSQL the same database, on SQLite a
small file of its own (the open import holds SQLite's only write lock). Each write is also the
task's heartbeat: a task that has not reported for `JOBS_STALE_AFTER` seconds has died.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.conf import settings
from django.utils import timezone

from phongtrao.jobs.models import TaskProgress
from phongtrao.jobs.routers import PROGRESS

REPORT_EVERY = 0.3  # seconds between two writes of the counts


def stale_after() -> dt.timedelta:
    """How long a running task may stay silent before it is taken for dead."""
    return dt.timedelta(seconds=getattr(settings, "JOBS_STALE_AFTER", 600))


class Progress:
    """Counts one task reports; written now and then (`add`) and at once (`write`)."""

    def __init__(self, key: str, **counts: int) -> None:
        self.key = key
        self.counts: dict[str, int] = dict(counts)
        self.last = 0.0

    def add(self, name: str, amount: int) -> None:
        self.counts[name] = self.counts.get(name, 0) + amount
        now = time.monotonic()
        if now - self.last >= REPORT_EVERY:
            self.last = now
            self.write()

    def write(self) -> None:
        TaskProgress.objects.using(PROGRESS).update_or_create(
            key=self.key, defaults={"counts": self.counts, "heartbeat_at": timezone.now()}
        )


def progress_read(key: str) -> tuple[dict[str, Any], dt.datetime | None]:
    """The counts a task last reported and when (empty and None if it never did)."""
    row = TaskProgress.objects.using(PROGRESS).filter(key=key).first()
    if row is None:
        return {}, None
    return dict(row.counts), row.heartbeat_at


def progress_forget(key: str) -> None:
    """Drop a finished task's live counts (its end state is kept by its owner)."""
    TaskProgress.objects.using(PROGRESS).filter(key=key).delete()
