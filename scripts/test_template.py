#!/usr/bin/env python3
"""Migrate a template for the test runs' databases (`phongtrao/tests/databases.py`).

`scripts/test_template.py sqlite PATH` migrates a new SQLite file at PATH;
`scripts/test_template.py postgres NAME` (re)creates the database NAME on the server that
DATABASE_URL names (the one `scripts/with_postgres.py` started) and migrates it. `make test`
runs it once per engine, under coverage like the runs themselves, then gives the template to
the runs in PHONGTRAO_TEST_TEMPLATE.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    if len(sys.argv) != 3 or sys.argv[1] not in {"sqlite", "postgres"}:
        sys.exit("usage: test_template.py sqlite PATH | postgres NAME")
    engine, name = sys.argv[1:]
    os.environ.pop("DATABASE_REPLICA_URL", None)
    if engine == "sqlite":
        path = Path(name).resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in path.parent.glob(path.name + "*"):
            old.unlink()
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    else:
        import psycopg

        server = urlsplit(os.environ["DATABASE_URL"])
        with psycopg.connect(server.geturl(), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = urlunsplit(server._replace(path=f"/{name}"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    from django.core.management import call_command
    from django.db import connections

    django.setup()
    call_command("migrate", verbosity=0, interactive=False, run_syncdb=True)
    connections.close_all()
    if engine == "sqlite":
        # One file, no write-ahead log beside it: the runs copy it with SQLite's backup.
        with sqlite3.connect(path) as done:
            done.execute("PRAGMA journal_mode=DELETE")
    return 0


if __name__ == "__main__":
    sys.exit(main())
