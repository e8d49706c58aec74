#!/usr/bin/env python3
"""`make restore-check`: a base backup with WAL archiving restores to a point in time.

A throw-away PostgreSQL 15 server archives its WAL (archive_command copies each segment) and
holds phongtrao's own schema (`migrate`) with the demo: the national units and the Bình Phước
communes' figures (`load_admin_units`, `demo_binh_phuoc_load`). A base backup is taken
(pg_basebackup); more figures are written through the app's import service (every 2023 value
of the province's communes raised by one, audited, roll-ups kept), the moment is noted, and
then the "mistake": one district's 2023 figures deleted, through the same service. The backup
is restored beside it with restore_command and recovery_target_time = that moment. The
figures read on the restored server (values and roll-ups per unit, and the province's 2023
totals as the app computes them) must equal those read at the moment, the mistake absent.
Prints a JSON line last.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))
from with_postgres import pg_tool  # noqa: E402

PREFIX = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def run(*args: str) -> str:
    done = subprocess.run([*PREFIX, *args], check=True, capture_output=True, text=True)
    return done.stdout.strip()


def sql(sock: Path, query: str) -> str:
    return run(pg_tool("psql"), "-h", str(sock), "-U", "postgres", "-AtqX", "-c", query)


def start(data: Path, sock: Path, log: Path, extra: str = "") -> None:
    options = f"-k {sock} -c listen_addresses='' {extra}"
    run(pg_tool("pg_ctl"), "-D", str(data), "-o", options, "-l", str(log), "-w", "start")


ROOT = Path(__file__).resolve().parent.parent

# Run inside the app (`manage.py shell -c`) against the server DATABASE_URL names.
RAISE_2023 = """
from phongtrao.actors import SYSTEM
from phongtrao.data.bulk import BulkValue, datavalues_import
from phongtrao.data.models import DataValue
from phongtrao.demo.binh_phuoc import demo_province
rows = DataValue.objects.filter(
    unit__path__startswith=demo_province().path, period__code="2023"
).select_related("unit", "indicator", "period")
values = [
    BulkValue(unit_id=v.unit_id, unit_path=v.unit.path, indicator=v.indicator,
              period=v.period, value=v.value + 1)
    for v in rows if not v.indicator.formula
]
print(datavalues_import(values=values, actor=SYSTEM, source="restore-check").updated)
"""
MISTAKE = """
from phongtrao.actors import SYSTEM
from phongtrao.data.bulk import BulkValue, datavalues_import
from phongtrao.data.models import DataValue
from phongtrao.demo.binh_phuoc import demo_province
from phongtrao.orgs.models import Level, Unit
district = Unit.objects.filter(
    path__startswith=demo_province().path, level=Level.DISTRICT
).order_by("code").first()
rows = DataValue.objects.filter(
    unit__path__startswith=district.path, period__code="2023"
).select_related("unit", "indicator", "period")
values = [
    BulkValue(unit_id=v.unit_id, unit_path=v.unit.path, indicator=v.indicator,
              period=v.period, value=None)
    for v in rows
]
print(datavalues_import(values=values, actor=SYSTEM, source="restore-check").deleted)
"""
PROVINCE_TOTALS = """
import json
from phongtrao.analytics.selectors import unit_totals
from phongtrao.catalog.models import Indicator
from phongtrao.demo.binh_phuoc import demo_province
indicators = list(Indicator.objects.order_by("code"))
found = unit_totals(demo_province(), "2023", indicators)
print(json.dumps({i.code: str(found[i.pk].value) for i in indicators if i.pk in found}))
"""


def app(sock: Path, *args: str) -> str:
    """`manage.py` with these arguments against the throw-away server's database."""
    env = dict(os.environ, DATABASE_URL=f"postgres://postgres@{quote(str(sock), safe='')}/demo")
    command = [sys.executable, str(ROOT / "manage.py"), *args]
    done = subprocess.run(command, env=env, cwd=ROOT, check=True, capture_output=True, text=True)
    return done.stdout.strip()


class Figures(NamedTuple):
    values: list[str]  # unit|sum|count of data_datavalue
    rollups: list[str]  # unit|sum|count of analytics_rollup
    province_2023: dict[str, str]  # indicator code → the province's 2023 total


def figures(sock: Path) -> Figures:
    """Values and roll-ups per unit, read in SQL, and the province's 2023 totals as the app
    computes them."""

    def rows(table: str) -> list[str]:
        # `table` is one of the two names below, never input.
        query = f"SELECT unit_id, sum(value), count(*) FROM {table} GROUP BY 1 ORDER BY 1"  # noqa: S608
        return run(
            pg_tool("psql"), "-h", str(sock), "-U", "postgres", "-d", "demo", "-AtqX", "-c", query
        ).splitlines()

    return Figures(
        rows("data_datavalue"),
        rows("analytics_rollup"),
        json.loads(app(sock, "shell", "-c", PROVINCE_TOTALS).splitlines()[-1]),
    )


def main() -> int:
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="phongtrao-restore-"))
    data, base, restored = work / "data", work / "base", work / "restored"
    archive, sock, sock2 = work / "archive", work / "sock", work / "sock2"
    for folder in (archive, sock, sock2):
        folder.mkdir()
    if PREFIX:
        user = pwd.getpwnam("postgres")
        for path in (work, archive, sock, sock2):
            os.chown(path, user.pw_uid, user.pw_gid)
    try:
        run(pg_tool("initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync")
        start(
            data,
            sock,
            work / "primary.log",
            f"-c archive_mode=on -c archive_command='cp %p {archive}/%f' -c archive_timeout=1",
        )
        sql(sock, "CREATE DATABASE demo")
        app(sock, "migrate", "--noinput")
        app(sock, "load_admin_units", "--verbosity", "0")
        app(
            sock,
            "shell",
            "-c",
            "from phongtrao.demo.binh_phuoc import demo_binh_phuoc_load as load; load()",
        )
        run(
            pg_tool("pg_basebackup"),
            "-h",
            str(sock),
            "-U",
            "postgres",
            "-D",
            str(base),
            "-X",
            "stream",
            "--no-sync",
            "-c",
            "fast",
        )
        raised = int(app(sock, "shell", "-c", RAISE_2023).splitlines()[-1])
        time.sleep(1.1)
        target = sql(sock, "SELECT now()")
        expected = figures(sock)
        time.sleep(1.1)
        deleted = int(app(sock, "shell", "-c", MISTAKE).splitlines()[-1])  # the mistake to undo
        mistaken = figures(sock)
        sql(sock, "SELECT pg_switch_wal()")
        time.sleep(2)
        shutil.copytree(base, restored)
        (restored / "recovery.signal").touch()
        with open(restored / "postgresql.auto.conf", "a") as conf:
            conf.write(f"restore_command = 'cp {archive}/%f %p'\n")
            conf.write(f"recovery_target_time = '{target}'\nrecovery_target_action = 'promote'\n")
        if PREFIX:
            subprocess.run(["chown", "-R", "postgres:postgres", str(restored)], check=True)
        start(restored, sock2, work / "restored.log", "-c archive_mode=off")
        for _ in range(200):
            if sql(sock2, "SELECT pg_is_in_recovery()") == "f":
                break
            time.sleep(0.1)
        got = figures(sock2)
        ok = got == expected and mistaken != expected and raised > 0 and deleted > 0
        print(
            f"restored to {target}: {len(got.values)} units with values, "
            f"{len(got.rollups)} with roll-ups, figures {'equal' if ok else 'DIFFER'}"
        )
        print(
            json.dumps(
                {
                    "restored_to": target,
                    "units": len(got.values),
                    "values": sum(int(r.split("|")[2]) for r in got.values),
                    "raised_after_backup": raised,
                    "mistake_deleted": deleted,
                    "province_2023_indicators": len(got.province_2023),
                    "figures_equal": ok,
                    "seconds": round(time.monotonic() - started, 1),
                }
            )
        )
        return 0 if ok else 1
    finally:
        for folder in (restored, data):
            if folder.exists():
                subprocess.run(
                    [*PREFIX, pg_tool("pg_ctl"), "-D", str(folder), "-m", "immediate", "stop"],
                    capture_output=True,
                )
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
