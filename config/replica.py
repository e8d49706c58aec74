"""Reads that tolerate a second of lag go to the PostgreSQL streaming replica.

When `DATABASE_REPLICA_URL` names a replica, the database alias `replica` exists and
`ReplicaReadsMiddleware` runs the views that settings.REPLICA_READ_VIEWS lists (portal pages,
the analytics API), and those of REPLICA_CLOSED_PERIOD_VIEWS (a report's page and documents)
when their period has ended, with their reads on it, through `ReplicaRouter`. Everything
else stays on the primary: writes and every request with an unsafe method; a browser that
wrote within REPLICA_READ_YOUR_WRITES_SECONDS (a cookie set on its write), so a user reads
their own writes; sessions, accounts, login records and the task queue's tables; a replica
that does not answer or lags more than REPLICA_MAX_LAG_SECONDS (checked at most every
REPLICA_CHECK_SECONDS per process). A view whose replica fails mid-way is run again on the
primary (only GET and HEAD reach the replica, so a second run changes nothing).

The trade-off: a tolerant page may show figures up to REPLICA_MAX_LAG_SECONDS old, which
portal readers and analytics callers do not notice, while officers entering figures are never
sent to the replica.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connections
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils import timezone

from phongtrao import periods

REPLICA = "replica"
WROTE_COOKIE = "phongtrao_wrote"
# Tables read fresh, always: who is signed in, their rights, login records, queued work.
PRIMARY_ONLY_APPS = frozenset(
    {"sessions", "auth", "accounts", "axes", "jobs", "django_tasks_db", "admin"}
)
SAFE_METHODS = frozenset({"GET", "HEAD"})

reading_replica: ContextVar[bool] = ContextVar("reading_replica", default=False)


class ReplicaHealth:
    """Whether the replica may serve reads now: it answers and is not too far behind (one
    check per REPLICA_CHECK_SECONDS per process; a failure keeps it out until the next)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.checked_at = -1e9
        self.usable = False
        self.lag_seconds: float | None = None

    def available(self) -> bool:
        if not settings.REPLICA_READS or REPLICA not in settings.DATABASES or mirrors_primary():
            return False
        every = float(getattr(settings, "REPLICA_CHECK_SECONDS", 2))
        with self.lock:
            if time.monotonic() - self.checked_at < every:
                return self.usable
            self.checked_at = time.monotonic()
        lag = replica_lag_seconds()
        most = float(getattr(settings, "REPLICA_MAX_LAG_SECONDS", 1))
        self.lag_seconds = lag
        self.usable = lag is not None and lag <= most
        return self.usable

    def mark_down(self) -> None:
        with self.lock:
            self.usable, self.checked_at = False, time.monotonic()


health = ReplicaHealth()


def mirrors_primary() -> bool:
    """Whether `replica` names the primary itself (tests mirror it): nothing to offload."""
    return server(connections[REPLICA].settings_dict) == server(
        connections["default"].settings_dict
    )


def server(config: dict[str, Any]) -> tuple[Any, ...]:
    """Where a database configuration connects (a Unix socket may be named in OPTIONS)."""
    options = config.get("OPTIONS") or {}
    return (config.get("HOST"), options.get("host"), config.get("PORT"), config.get("NAME"))


def replica_lag_seconds() -> float | None:
    """How far the replica's replay is behind (0 when it has replayed all it received), or
    None when it does not answer."""
    connection = connections[REPLICA]
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
                " ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END"
            )
            row = cursor.fetchone()
    except DatabaseError:
        connection.close()
        return None
    return float(row[0]) if row and row[0] is not None else 0.0


@contextmanager
def replica_reads() -> Iterator[bool]:
    """Run the block's reads on the replica if it is usable (for services whose reads
    tolerate lag, e.g. a report of a closed period); yields whether it is."""
    if not health.available():
        yield False
        return
    token = reading_replica.set(True)
    try:
        yield True
    finally:
        reading_replica.reset(token)


class ReplicaRouter:
    """Reads to the replica inside `replica_reads` (the middleware's tolerant views), except
    the primary-only apps; every write to the primary."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str | None:
        if (
            reading_replica.get()
            and model._meta.app_label not in PRIMARY_ONLY_APPS
            # Inside a transaction on the primary (a view counted), reads stay with it.
            and not connections["default"].in_atomic_block
        ):
            return REPLICA
        return None

    def db_for_write(self, model: type[Any], **hints: Any) -> str | None:
        instance = hints.get("instance")
        if instance is not None and instance._state.db == REPLICA:
            return "default"  # an object read on the replica is saved on the primary
        return None

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        if {obj1._state.db, obj2._state.db} <= {"default", REPLICA}:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return False if db == REPLICA else None


def view_name(view: Callable[..., Any]) -> str:
    return f"{view.__module__}.{getattr(view, '__qualname__', type(view).__name__)}"


def period_closed(code: str) -> bool:
    """Whether the period of this code ended before today (an invalid code is not)."""
    try:
        return periods.parse(code).end < timezone.localdate()
    except ValueError:
        return False


def tolerant(
    request: HttpRequest, view: Callable[..., Any], kwargs: dict[str, Any] | None = None
) -> bool:
    """May this request's reads lag? A listed view (a report's only for a closed period), a
    safe method, no recent write."""
    if request.method not in SAFE_METHODS or WROTE_COOKIE in request.COOKIES:
        return False
    name = view_name(view)
    if any(name.startswith(prefix) for prefix in settings.REPLICA_READ_VIEWS):
        return True
    return name in getattr(settings, "REPLICA_CLOSED_PERIOD_VIEWS", ()) and period_closed(
        str((kwargs or {}).get("period", ""))
    )


class ReplicaReadsMiddleware:
    """Runs tolerant views with their reads on the replica; marks a browser that wrote."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if request.method not in SAFE_METHODS and response.status_code < 500:
            seconds = int(getattr(settings, "REPLICA_READ_YOUR_WRITES_SECONDS", 10))
            response.set_cookie(WROTE_COOKIE, "1", max_age=seconds, httponly=True, samesite="Lax")
        return response

    def process_view(
        self,
        request: HttpRequest,
        view: Callable[..., HttpResponseBase],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> HttpResponseBase | None:
        if not tolerant(request, view, kwargs):
            return None
        try:
            with replica_reads() as on_replica:
                if not on_replica:
                    return None
                response = view(request, *args, **kwargs)
                render = getattr(response, "render", None)
                if render is not None and not getattr(response, "is_rendered", True):
                    render()  # a template response's queries, on the replica too
                response.headers["X-Phongtrao-Db"] = REPLICA
                return response
        except DatabaseError:
            if replica_lag_seconds() is not None:
                raise  # the replica answers: the failure is the view's own
            health.mark_down()
            return None  # Django runs the view again, on the primary
