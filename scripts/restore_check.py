#!/usr/bin/env python3
"""`make restore-check`: a base backup with WAL archiving restores to a point in time.

A throw-away PostgreSQL 15 server archives its WAL (archive_command copies each segment);
figures are written, a base backup is taken (pg_basebackup), more figures are written, the
moment is noted, and figures written after it are the "mistake". The backup is restored
beside it with restore_command and recovery_target_time = that moment; the restored totals
must equal the totals at the moment, and the mistake must be absent. Prints a JSON line last.
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


def totals(sock: Path) -> list[str]:
    query = "SELECT unit, sum(value), count(*) FROM figure GROUP BY unit ORDER BY unit"
    return sql(sock, query).splitlines()


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
        sql(sock, "CREATE TABLE figure (unit int, value bigint, at timestamptz DEFAULT now())")
        sql(
            sock,
            "INSERT INTO figure (unit, value) SELECT g % 95, g FROM generate_series(1, 200000) g",
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
        sql(
            sock,
            "INSERT INTO figure (unit, value) SELECT g % 95, 7 FROM generate_series(1, 50000) g",
        )
        time.sleep(1.1)
        target = sql(sock, "SELECT now()")
        expected = totals(sock)
        time.sleep(1.1)
        sql(sock, "DELETE FROM figure WHERE unit < 40")  # the mistake to undo
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
        got = totals(sock2)
        ok = got == expected and len(got) == 95
        print(f"restored to {target}: {len(got)} units, totals {'equal' if ok else 'DIFFER'}")
        print(
            json.dumps(
                {
                    "restored_to": target,
                    "units": len(got),
                    "values": sum(int(r.split("|")[2]) for r in got),
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
