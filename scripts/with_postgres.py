#!/usr/bin/env python3
"""Run a command against a throw-away PostgreSQL 15 server.

`scripts/with_postgres.py [--replica] CMD...` creates a cluster in a temporary directory with
initdb, starts it on a Unix socket there (no TCP port to collide with), runs CMD with
DATABASE_URL pointing at it, then stops the server and removes the directory. With
`--replica`, a streaming replica of it is made with pg_basebackup and started on a socket of
its own, named by DATABASE_REPLICA_URL. As root, the server runs
as the `postgres` system user that Debian's package creates (PostgreSQL refuses root).
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

PG_BIN_DIRS = [Path("/usr/lib/postgresql/15/bin"), Path("/usr/local/bin"), Path("/usr/bin")]


def pg_tool(name: str) -> str:
    for directory in PG_BIN_DIRS:
        if (directory / name).exists():
            return str(directory / name)
    found = shutil.which(name)
    if not found:
        sys.exit(f"{name} not found: install Debian's postgresql package (make test does)")
    return found


def stop_on_signal(signum: int, frame: object) -> None:
    # Turn SIGTERM into an exception so that the server is stopped and the directory removed.
    raise SystemExit(128 + signum)


def main() -> int:
    signal.signal(signal.SIGTERM, stop_on_signal)
    command = sys.argv[1:]
    replica = bool(command) and command[0] == "--replica"
    command = command[1:] if replica else command
    if not command:
        sys.exit("usage: with_postgres.py [--replica] CMD [ARGS...]")
    as_root = os.geteuid() == 0
    prefix: list[str] = ["runuser", "-u", "postgres", "--"] if as_root else []
    workdir = Path(tempfile.mkdtemp(prefix="phongtrao-pg-"))
    data, sock = workdir / "data", workdir / "sock"
    replica_data, replica_sock = workdir / "replica", workdir / "replica-sock"
    sock.mkdir()
    replica_sock.mkdir()
    if as_root:
        user = pwd.getpwnam("postgres")
        for path in (workdir, sock, replica_sock):
            os.chown(path, user.pw_uid, user.pw_gid)
    try:
        subprocess.run(
            [
                *prefix,
                pg_tool("initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        options = (
            f"-k {sock} -c listen_addresses='' -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off -c shared_buffers=512MB -c max_connections=120 "
            f"-c work_mem=32MB -c maintenance_work_mem=512MB {os.environ.get('PG_EXTRA', '')}"
        )
        subprocess.run(
            [
                *prefix,
                pg_tool("pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(workdir / "server.log"),
                "-w",
                "start",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        env = dict(os.environ, DATABASE_URL=f"postgres://postgres@/postgres?host={sock}")
        if replica:
            subprocess.run(
                [*prefix, pg_tool("pg_basebackup"), "-h", str(sock), "-U", "postgres"]
                + ["-D", str(replica_data), "-R", "-X", "stream", "--no-sync"],
                check=True,
            )
            subprocess.run(
                [*prefix, pg_tool("pg_ctl"), "-D", str(replica_data), "-o"]
                # A hot standby allows at least as many connections as its primary.
                + [
                    f"-k {replica_sock} -c listen_addresses='' -c shared_buffers=128MB "
                    "-c max_connections=120"
                ]
                + ["-l", str(workdir / "replica.log"), "-w", "start"],
                check=True,
                stdout=subprocess.DEVNULL,
            )
            env["DATABASE_REPLICA_URL"] = f"postgres://postgres@/postgres?host={replica_sock}"
        return subprocess.run(command, env=env).returncode
    finally:
        if replica_data.exists():
            subprocess.run(
                [*prefix, pg_tool("pg_ctl"), "-D", str(replica_data), "-m", "immediate", "stop"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        subprocess.run(
            [*prefix, pg_tool("pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
