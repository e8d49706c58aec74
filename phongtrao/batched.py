"""Counts a reader's page adds (an article's views, the site's visits), written in batches.

Every guest page counts: the article its view, every page its visit. Written one by one, each
costs a transaction of its own on the request's path (on SQLite, the one writer's lock, its
commit and now and then a WAL checkpoint; on PostgreSQL, a commit's flush), which was most of
a cached page's cost and the reason for its slowest requests. Instead the request adds its
count to this process's buffer, and a thread of the process writes what was added every
COUNTS_FLUSH_SECONDS (default 0.25) in one transaction, set-wise (`CountBuffer.flush`).

Nothing is dropped: a batch the database refuses (busy beyond its timeout, or down) is kept
and tried again at the next turn (up to `KEPT_MAX` counts, then the oldest are dropped and
logged), and the process writes what it holds when it exits normally. A process killed
outright loses at most the last fraction of a second of counts.

COUNTS_FLUSH_SECONDS = 0 writes each count in the request, as before (the tests' default, so
that a request's count is in the database when it returns).
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from django.conf import settings
from django.db import close_old_connections

logger = logging.getLogger(__name__)

T = TypeVar("T")

KEPT_MAX = 200_000  # counts kept while the database refuses them


def flush_seconds() -> float:
    """How often the counts are written (COUNTS_FLUSH_SECONDS); 0: in each request."""
    return float(getattr(settings, "COUNTS_FLUSH_SECONDS", 0))


def batching() -> bool:
    """Whether counts go through the buffers rather than straight to the database."""
    return flush_seconds() > 0


class CountBuffer(Generic[T]):
    """One kind of count added by requests, written by `write` (a service, in one
    transaction) from a thread of the process; `pending` tells what is added but not yet
    written, so that a page can show the count with its own request in it."""

    def __init__(self, write: Callable[[Sequence[T]], object], *, what: str) -> None:
        self._write = write
        self._what = what
        self._lock = threading.Lock()
        self._flushing = threading.Lock()
        self._items: list[T] = []
        self._in_flight: list[T] = []
        self._thread: threading.Thread | None = None
        self._pid = 0
        atexit.register(self.flush)

    def add(self, item: T) -> None:
        """Count `item`; written within `flush_seconds()`."""
        with self._lock:
            self._items.append(item)
            if self._pid != os.getpid() or self._thread is None or not self._thread.is_alive():
                self._start()

    def pending(self, item: T) -> int:
        """How many of `item` this process counted that are not yet in the database."""
        with self._lock:
            return self._items.count(item) + self._in_flight.count(item)

    def _start(self) -> None:
        # Started by the first count of each process (after a server forks its workers).
        if self._pid != os.getpid():
            self._in_flight = []
        self._pid = os.getpid()
        self._thread = threading.Thread(target=self._run, name=f"counts-{self._what}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        wake = threading.Event()
        while True:
            wake.wait(max(flush_seconds(), 0.05))
            try:
                self.flush()
            finally:
                close_old_connections()

    def flush(self) -> int:
        """Write what was counted so far, in one transaction; how many counts were written.
        A batch the database refuses is kept for the next turn."""
        with self._flushing:
            with self._lock:
                items, self._items = self._items, []
                self._in_flight = items
            if not items:
                return 0
            try:
                self._write(items)
            except Exception:
                logger.exception("Counts not written yet (%s): kept for the next turn", self._what)
                with self._lock:
                    kept = items + self._items
                    if len(kept) > KEPT_MAX:
                        logger.error("%d counts dropped (%s)", len(kept) - KEPT_MAX, self._what)
                        kept = kept[-KEPT_MAX:]
                    self._items = kept
                return 0
            finally:
                with self._lock:
                    self._in_flight = []
            return len(items)
