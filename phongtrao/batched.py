"""Counts a reader's page adds (an article's views, the site's visits), written in batches.

Every guest page counts: the article its view, every page its visit. Written one by one, each
costs a transaction of its own on the request's path (on SQLite, the one writer's lock, its
commit and now and then a WAL checkpoint; on PostgreSQL, a commit's flush), which was most of
a cached page's cost and the reason for its slowest requests. Instead the request adds its
count to this process's buffer, and the first request to finish once the oldest count is
COUNTS_FLUSH_SECONDS old (default 0.05) writes the whole buffer in one transaction, set-wise
(`CountBuffer.flush`), after its response has been handed to the server (`request_finished`).
No thread and no timer: the batch is written by a request of the process, or by the process
itself when it exits, so a quiet process holds its last counts until its next request.

Nothing is dropped: a batch the database refuses (busy beyond its timeout, or down) is kept
and tried again by the next request (up to `KEPT_MAX` counts, then the oldest are dropped and
logged), and the process writes what it holds when it exits normally. A process killed
outright loses the counts it had not yet written.

COUNTS_FLUSH_SECONDS = 0 writes each count in the request, as before (the tests' default, so
that a request's count is in the database when it returns).
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from django.conf import settings

logger = logging.getLogger(__name__)

T = TypeVar("T")

KEPT_MAX = 200_000  # counts kept while the database refuses them


def flush_seconds() -> float:
    """How long a count may wait before a request writes it (COUNTS_FLUSH_SECONDS); 0: each
    request writes its own."""
    return float(getattr(settings, "COUNTS_FLUSH_SECONDS", 0))


def batching() -> bool:
    """Whether counts go through the buffers rather than straight to the database."""
    return flush_seconds() > 0


class CountBuffer(Generic[T]):
    """One kind of count added by requests and written by `write` (a service, in one
    transaction); `pending` tells what is added but not yet written, so that a page can show
    the count with its own request in it."""

    def __init__(self, write: Callable[[Sequence[T]], object], *, what: str) -> None:
        self._write = write
        self._what = what
        self._lock = threading.Lock()
        self._flushing = threading.Lock()
        self._items: list[T] = []
        self._in_flight: list[T] = []
        self._oldest = 0.0  # time.monotonic() of the oldest count not yet written
        BUFFERS.append(self)
        atexit.register(self.flush)

    def add(self, item: T) -> None:
        """Count `item`; written by a request finishing `flush_seconds()` later at most."""
        with self._lock:
            if not self._items:
                self._oldest = time.monotonic()
            self._items.append(item)

    def pending(self, item: T) -> int:
        """How many of `item` this process counted that are not yet in the database."""
        with self._lock:
            return self._items.count(item) + self._in_flight.count(item)

    def due(self) -> bool:
        """Whether the oldest count waiting has waited `flush_seconds()`."""
        with self._lock:
            return bool(self._items) and time.monotonic() - self._oldest >= flush_seconds()

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
                    self._oldest = time.monotonic()
                return 0
            finally:
                with self._lock:
                    self._in_flight = []
            return len(items)


BUFFERS: list[CountBuffer[Any]] = []


def buffers_flush_due(**kwargs: Any) -> None:
    """Write every buffer whose oldest count is due: connected to `request_finished`, so the
    request that finishes writes the batch after its response went out."""
    for buffer in BUFFERS:
        if buffer.due():
            buffer.flush()
