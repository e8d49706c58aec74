"""What holds a server's worker for long: the project's WSGI application, traced per request.

Served instead of `config.wsgi:application` (granian ... bench.portal_stalls:application),
with PORTAL_STALLS_DIR set: each worker writes `<dir>/<pid>.json` now and then (every 2,000
requests and at exit) with

- requests: how many, and how many took at least 5, 10, 20, 50 ms in the application
  (from the call to the body's close, as the server sees it), each with its CPU;
- gc: the cyclic collector's collections per generation, their total and longest pause, and
  how many of the slow requests had one;
- flushes: the batches of counts written (`phongtrao.batched`), their wall and CPU time, and
  how many counts, and how many of them the writer thread wrote (not a request);
- slow path: the requests the fast path did not answer (`fastpath.find` gave None), and the
  queries run (all requests);
- slowest: the 40 slowest requests with what happened in each (path, wall, CPU, collections,
  flush, queries, fast or not).

Counts, not timings, are what to compare between two trees measured beside other work.
`python bench/portal_stalls.py DIR` sums the workers' files.
"""

from __future__ import annotations

import atexit
import gc
import heapq
import json
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

THRESHOLDS_MS = (5, 10, 20, 50)
SLOWEST_KEPT = 40


class _Trace:
    def __init__(self) -> None:
        self.requests = 0
        self.slow = dict.fromkeys(THRESHOLDS_MS, 0)
        self.slow_cpu_ms = dict.fromkeys(THRESHOLDS_MS, 0.0)
        self.wall_ms = 0.0
        self.cpu_ms = 0.0
        self.gc_count = [0, 0, 0]
        self.gc_ms = [0.0, 0.0, 0.0]
        self.gc_max_ms = [0.0, 0.0, 0.0]
        self.gc_objects_gen2 = 0
        self.flushes = 0
        self.flush_ms = 0.0
        self.flush_cpu_ms = 0.0
        self.flush_max_ms = 0.0
        self.flushed_counts = 0
        self.flushes_in_thread = 0
        self.not_fast = 0
        self.queries = 0
        self.slow_with_gc = dict.fromkeys(THRESHOLDS_MS, 0)
        self.slow_with_flush = dict.fromkeys(THRESHOLDS_MS, 0)
        self.slow_not_fast = dict.fromkeys(THRESHOLDS_MS, 0)
        self.slowest: list[tuple[float, int, dict[str, Any]]] = []
        # The request under way: what happened in it.
        self.current: dict[str, Any] = {}
        self._gc_started = 0.0

    def gc_callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._gc_started = time.perf_counter()
            return
        spent = (time.perf_counter() - self._gc_started) * 1000
        generation = info["generation"]
        self.gc_count[generation] += 1
        self.gc_ms[generation] += spent
        self.gc_max_ms[generation] = max(self.gc_max_ms[generation], spent)
        if generation == 2:
            self.gc_objects_gen2 = len(gc.get_objects(2))
        self.current.setdefault("gc", []).append((generation, round(spent, 2)))

    def done(self, path: str, wall: float, cpu: float) -> None:
        wall_ms, cpu_ms = wall * 1000, cpu * 1000
        self.requests += 1
        self.wall_ms += wall_ms
        self.cpu_ms += cpu_ms
        current = self.current
        self.current = {}
        for limit in THRESHOLDS_MS:
            if wall_ms >= limit:
                self.slow[limit] += 1
                self.slow_cpu_ms[limit] += cpu_ms
                self.slow_with_gc[limit] += bool(current.get("gc"))
                self.slow_with_flush[limit] += "flush" in current
                self.slow_not_fast[limit] += not current.get("fast", False)
        record = {"path": path, "wall_ms": round(wall_ms, 2), "cpu_ms": round(cpu_ms, 2)}
        record.update(current)
        item = (wall_ms, self.requests, record)
        if len(self.slowest) < SLOWEST_KEPT:
            heapq.heappush(self.slowest, item)
        elif wall_ms > self.slowest[0][0]:
            heapq.heapreplace(self.slowest, item)
        if self.requests % 2000 == 0:
            self.write()

    def summary(self) -> dict[str, Any]:
        return {
            "pid": os.getpid(),
            "requests": self.requests,
            "wall_ms": round(self.wall_ms, 1),
            "cpu_ms": round(self.cpu_ms, 1),
            "slow": self.slow,
            "slow_cpu_ms": {k: round(v, 1) for k, v in self.slow_cpu_ms.items()},
            "slow_with_gc": self.slow_with_gc,
            "slow_with_flush": self.slow_with_flush,
            "slow_not_fast": self.slow_not_fast,
            "gc_count": self.gc_count,
            "gc_ms": [round(v, 1) for v in self.gc_ms],
            "gc_max_ms": [round(v, 2) for v in self.gc_max_ms],
            "gc_objects_gen2": self.gc_objects_gen2,
            "gc_frozen": gc.get_freeze_count(),
            "gc_threshold": gc.get_threshold(),
            "flushes": self.flushes,
            "flush_ms": round(self.flush_ms, 1),
            "flush_cpu_ms": round(self.flush_cpu_ms, 1),
            "flush_max_ms": round(self.flush_max_ms, 2),
            "flushed_counts": self.flushed_counts,
            "flushes_in_thread": self.flushes_in_thread,
            "not_fast": self.not_fast,
            "queries": self.queries,
            "slowest": [r for _, _, r in sorted(self.slowest, reverse=True)],
        }

    def write(self) -> None:
        folder = os.environ.get("PORTAL_STALLS_DIR")
        if folder:
            Path(folder, f"{os.getpid()}.json").write_text(json.dumps(self.summary()))


TRACE = _Trace()


def _instrument() -> None:
    from phongtrao import batched
    from phongtrao.portal import fastpath

    flush = batched.CountBuffer.flush

    def traced_flush(self: Any) -> int:
        wall, cpu = time.perf_counter(), time.thread_time()
        written = flush(self)
        wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
        if written:
            TRACE.flushes += 1
            TRACE.flush_ms += wall * 1000
            TRACE.flush_cpu_ms += cpu * 1000
            TRACE.flush_max_ms = max(TRACE.flush_max_ms, wall * 1000)
            TRACE.flushed_counts += written
            if threading.current_thread().name == "phongtrao-counts":
                TRACE.flushes_in_thread += 1
            else:
                TRACE.current.setdefault("flush", []).append(
                    (self._what, written, round(wall * 1000, 2), round(cpu * 1000, 2))
                )
        return written

    batched.CountBuffer.flush = traced_flush  # type: ignore[method-assign]
    find = fastpath.find

    def traced_find(request: Any) -> Any:
        found = find(request)
        TRACE.current["fast"] = found is not None
        if found is None:
            TRACE.not_fast += 1
        return found

    fastpath.find = traced_find


def _count_queries() -> None:
    from django.db import connections

    connection = connections["default"]

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        TRACE.queries += 1
        TRACE.current["queries"] = TRACE.current.get("queries", 0) + 1
        return execute(sql, params, many, context)

    if count not in connection.execute_wrappers:
        connection.execute_wrappers.append(count)


class _Body:
    def __init__(self, inner: Iterable[bytes], path: str, wall: float, cpu: float) -> None:
        self.inner, self.path, self.wall, self.cpu = inner, path, wall, cpu

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.inner)

    def close(self) -> None:
        try:
            close = getattr(self.inner, "close", None)
            if close is not None:
                close()
        finally:
            TRACE.done(self.path, time.perf_counter() - self.wall, time.thread_time() - self.cpu)


def _traced(app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
    wrapped: list[bool] = []

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        wall, cpu = time.perf_counter(), time.thread_time()
        if not wrapped:  # in the serving thread: its connection
            _count_queries()
            wrapped.append(True)
        path = environ.get("PATH_INFO", "")
        result = app(environ, start_response)
        return _Body(result, path, wall, cpu)

    return application


def _application() -> Callable[..., Iterable[bytes]]:
    from config.wsgi import application as project

    _instrument()
    gc.callbacks.append(TRACE.gc_callback)
    atexit.register(TRACE.write)
    return _traced(project)


application = _application() if os.environ.get("PORTAL_STALLS_DIR") else None


def _sum(folder: Path) -> dict[str, Any]:
    workers = [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]
    total: dict[str, Any] = {"workers": len(workers)}
    for key in ("requests", "wall_ms", "cpu_ms", "flushes", "flush_ms", "flush_cpu_ms"):
        total[key] = round(sum(w[key] for w in workers), 1)
    for key in ("flushed_counts", "flushes_in_thread", "not_fast", "queries"):
        total[key] = sum(w[key] for w in workers)
    total["flush_max_ms"] = max((w["flush_max_ms"] for w in workers), default=0)
    for key in ("slow", "slow_cpu_ms", "slow_with_gc", "slow_with_flush", "slow_not_fast"):
        total[key] = {
            str(limit): round(sum(w[key][str(limit)] for w in workers), 1)
            for limit in THRESHOLDS_MS
        }
    total["gc_count"] = [sum(w["gc_count"][g] for w in workers) for g in range(3)]
    total["gc_ms"] = [round(sum(w["gc_ms"][g] for w in workers), 1) for g in range(3)]
    total["gc_max_ms"] = [max((w["gc_max_ms"][g] for w in workers), default=0) for g in range(3)]
    total["gc_objects_gen2"] = [w["gc_objects_gen2"] for w in workers]
    total["gc_frozen"] = [w["gc_frozen"] for w in workers]
    slowest = sorted(
        (r for w in workers for r in w["slowest"]), key=lambda r: r["wall_ms"], reverse=True
    )
    total["slowest"] = slowest[:12]
    return total


if __name__ == "__main__":
    print(json.dumps(_sum(Path(sys.argv[1])), indent=1))
