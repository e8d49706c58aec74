"""Where the seconds of a set-wise file import go, statement by statement (issue 18).

`python bench/importprofile.py --values 200000 [--base 1000000] [--format json]` on a fresh
database (under `scripts/with_postgres.py` for PostgreSQL): loads the 2025 units (and, with
`--base`, that many stored values rolled up, as measure.py's tiers), writes a DHIS2 file of
new values, imports it in this process through `datavalueset_import` and prints one JSON line:

- `parse_cpu_s`: reading the file alone (the reader's loop and the raw rows built), Python CPU;
- per phase, the wall seconds and, on PostgreSQL, the server backend's CPU seconds (read
  from /proc, so that a figure measured beside other work stays meaningful): `copy` (the raw
  rows streamed into the stage, parsing included on the Python side), each group of SQL
  statements (`sql`), and the `commit` (the deferred foreign-key checks);
- `python_cpu_s`: this process's CPU for the whole import.

A profile, not a speed: run old and new code at the same moment and compare the pairs.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import re
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from phongtrao.data import setwise  # noqa: E402
from phongtrao.exchange import services  # noqa: E402
from phongtrao.exchange.formats import Format  # noqa: E402
from phongtrao.exchange.readers import reader_for  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


class Backend:
    """The CPU seconds the database server's process for this connection has used."""

    def __init__(self) -> None:
        self.pid = 0
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self.pid = int(cursor.fetchone()[0])

    def cpu(self) -> float:
        if not self.pid:
            return 0.0
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / TICK


def label(sql: str) -> str:
    """A statement's group: its verb and first table, helper names kept."""
    text = re.sub(r"\s+", " ", sql).strip()
    words = text.split(" ")
    verb = words[0].upper()
    if verb == "INSERT":
        return f"INSERT {words[2]}"
    if verb == "UPDATE":
        return f"UPDATE {words[1]}"
    if verb in {"ANALYZE", "CREATE", "DROP"}:
        return verb
    if verb == "DELETE":
        return f"DELETE {words[2]}"
    tables = re.findall(r"FROM (\w+)", text)
    return f"SELECT {tables[0] if tables else ''}".strip()


class Timer:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.wall: dict[str, float] = defaultdict(float)
        self.server: dict[str, float] = defaultdict(float)
        self.count: dict[str, int] = defaultdict(int)
        self.python = 0.0

    def add(self, name: str, wall: float, server: float) -> None:
        self.wall[name] += wall
        self.server[name] += server
        self.count[name] += 1

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        wall, server = time.perf_counter(), self.backend.cpu()
        try:
            return execute(sql, params, many, context)
        finally:
            self.add(label(sql), time.perf_counter() - wall, self.backend.cpu() - server)


def profile(path: Path, fmt: str, cprofile: int = 0) -> dict[str, Any]:
    from fileimport import _importer as importer

    backend = Backend()
    timer = Timer(backend)
    original = setwise.stage_rows

    def stage_rows(table: str, columns: Any, rows: Any, text: bytes | None = None) -> int:
        wall, server, mine = time.perf_counter(), backend.cpu(), time.process_time()
        try:
            return original(table, columns, rows, text)
        finally:
            raw = table in (services.RAW, getattr(services, "PART_TABLE", ""))
            name = f"COPY {table}" if raw else "COPY helper"
            timer.add(name, time.perf_counter() - wall, backend.cpu() - server)
            if raw:
                timer.python += time.process_time() - mine

    setwise.stage_rows = stage_rows
    setattr(services, "stage_rows", stage_rows)  # noqa: B010 - not exported, patched
    actor = importer()
    started, server, mine = time.perf_counter(), backend.cpu(), time.process_time()
    with connection.execute_wrapper(timer):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            with path.open("rb") as stream:
                profiler = cProfile.Profile() if cprofile else None
                if profiler is not None:
                    profiler.enable()
                summary = services.datavalueset_import(
                    stream=stream, format=fmt, actor=actor, read_thread=True
                )
                if profiler is not None:
                    profiler.disable()
                    stats = pstats.Stats(profiler, stream=sys.stderr)
                    stats.sort_stats("tottime").print_stats(cprofile)
        except BaseException:
            atomic.__exit__(*sys.exc_info())
            raise
        commit_wall, commit_server = time.perf_counter(), backend.cpu()
        atomic.__exit__(None, None, None)
        timer.add("COMMIT", time.perf_counter() - commit_wall, backend.cpu() - commit_server)
    seconds = time.perf_counter() - started
    assert summary.status == "SUCCESS", summary.as_dict()
    order = sorted(timer.wall, key=lambda k: -timer.wall[k])
    return {
        "imported": summary.imported,
        "import_s": round(seconds, 2),
        "values_per_s": round(summary.imported / seconds),
        "python_cpu_s": round(time.process_time() - mine, 2),
        "server_cpu_s": round(backend.cpu() - server, 2),
        "copy_raw_python_cpu_s": round(timer.python, 2),
        "outside_phases_s": round(seconds - sum(timer.wall.values()), 2),
        "phases": {
            k: {
                "n": timer.count[k],
                "wall_s": round(timer.wall[k], 3),
                "server_cpu_s": round(timer.server[k], 2),
            }
            for k in order
        },
    }


def parse_cpu(path: Path, fmt: str) -> float:
    """Python CPU of reading the file alone, as the set-wise path turns it into raw rows."""
    mine = time.process_time()
    with path.open("rb") as stream:
        for raw in reader_for(Format(fmt), stream):
            _ = (raw.index, raw.data_element, raw.period, raw.org_unit, raw.value)
    return time.process_time() - mine


def main() -> None:
    from fileimport import FORMATS

    parser = argparse.ArgumentParser()
    parser.add_argument("--values", type=int, default=200_000)
    parser.add_argument("--base", type=int, default=0, help="stored values first (a tier)")
    parser.add_argument("--format", default="json", choices=FORMATS)
    parser.add_argument("--part", type=int, default=0, help="values staged at a time")
    parser.add_argument(
        "--cprofile", type=int, default=0, help="print the N costliest functions (this thread's)"
    )
    args = parser.parse_args()
    if args.part:
        setattr(services, "PART", args.part)  # noqa: B010 - not exported
    call_command("migrate", verbosity=0)
    call_command("load_admin_units", verbosity=0)
    if args.base:
        from measure import build_branches, load_base

        from phongtrao.analytics.rebuild import rollups_rebuild
        from phongtrao.catalog.models import Indicator
        from phongtrao.orgs.models import Edition

        leaves = build_branches(Edition.objects.get(code="2025"))
        indicators = list(Indicator.objects.filter(formula="").exclude(code="CS_TOT_TL"))
        load_base(leaves, indicators, args.base)
        rollups_rebuild()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    upload, suffix, write = FORMATS[args.format]
    with tempfile.TemporaryDirectory(prefix="phongtrao-profile-") as folder:
        path = Path(folder) / f"values.{suffix}"
        written = write(path, args.values, 2027)
        load = os.getloadavg()
        line: dict[str, Any] = {
            "database": connection.vendor,
            "format": args.format,
            "values": written,
            "base": args.base,
            "part": getattr(services, "PART", 0),
            "load_before": round(load[0], 1),
            "parse_cpu_s": round(parse_cpu(path, upload), 2),
        }
        line.update(profile(path, upload, args.cprofile))
        line["load_after"] = round(os.getloadavg()[0], 1)
    print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
