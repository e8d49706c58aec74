"""Progress of a running task, seen at once from any process or machine.

A long task (a file import) holds its transaction open to its end, so that a failure, or a
worker killed mid-way, leaves nothing half-written. Its counts cannot go through that
transaction (nobody would see them before the end), so `Progress` writes them through a
second connection, `progress`, in autocommit: on PostgreSQL the same database, on SQLite a
small file of its own (the open import holds SQLite's only write lock). Each write is also the
task's heartbeat: a task that has not reported for `JOBS_STALE_AFTER` seconds has died.

A task can be silent for long while it is alive: one set-wise statement over a large stage
reports nothing until it ends. `Progress.beating()` keeps the heartbeat going meanwhile from a
thread of the worker process (never of a web process), which writes only the heartbeat through
its own `progress` connection; it stops with the task, and with the worker if it is killed.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import connections
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
            key=self.key, defaults={"counts": dict(self.counts), "heartbeat_at": timezone.now()}
        )

    @contextmanager
    def beating(self) -> Iterator[None]:
        """Keep the heartbeat going while the block runs, a beat a quarter of
        `stale_after()` apart, however long its statements are silent."""
        stop = threading.Event()
        every = max(0.5, stale_after().total_seconds() / 4)

        def beat() -> None:
            try:
                while not stop.wait(every):
                    TaskProgress.objects.using(PROGRESS).filter(key=self.key).update(
                        heartbeat_at=timezone.now()
                    )
            finally:
                connections[PROGRESS].close()

        beater = threading.Thread(target=beat, name=f"heartbeat {self.key}", daemon=True)
        beater.start()
        try:
            yield
        finally:
            stop.set()
            beater.join()


def progress_read(key: str) -> tuple[dict[str, Any], dt.datetime | None]:
    """The counts a task last reported and when (empty and None if it never did)."""
    row = TaskProgress.objects.using(PROGRESS).filter(key=key).first()
    if row is None:
        return {}, None
    return dict(row.counts), row.heartbeat_at


def progress_forget(key: str) -> None:
    """Drop a finished task's live counts (its end state is kept by its owner)."""
    TaskProgress.objects.using(PROGRESS).filter(key=key).delete()
