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
from typing import Any
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# The project's migrations, by module.
OURS = ("phongtrao.", "config.")


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
    _trace_our_migrations_only()
    call_command("migrate", verbosity=0, interactive=False, run_syncdb=True)
    connections.close_all()
    if engine == "sqlite":
        # One file, no write-ahead log beside it: the runs copy it with SQLite's backup.
        with sqlite3.connect(path) as done:
            done.execute("PRAGMA journal_mode=DELETE")
    return 0


def _trace_our_migrations_only() -> None:
    """Under coverage (as `make test` runs this), trace the project's migrations only: the
    other apps' (Django's, Wagtail's) run with the tracer paused: none of their lines is
    measured, and tracing made the SQLite template cost 35.4 s of CPU instead of 27.2 s
    (Django's rendering of model states calls many small functions). The migrations'
    modules are imported, and every signal after them runs, traced as before."""
    try:
        from coverage import Coverage
    except ImportError:
        return
    running = Coverage.current()
    # coverage.py's collector can pause and resume the tracer; `Coverage.stop()` and
    # `start()` would warn again of every module already imported.
    collector = getattr(running, "_collector", None)
    if collector is None or not hasattr(collector, "pause"):
        return
    from django.db import router
    from django.db.migrations.executor import MigrationExecutor

    # The database routers, imported (traced) before the first migration asks them.
    router.routers  # noqa: B018
    apply = MigrationExecutor.apply_migration

    def apply_migration(
        self: MigrationExecutor,
        state: Any,
        migration: Any,
        fake: bool = False,
        fake_initial: bool = False,
    ) -> Any:
        if type(migration).__module__.startswith(OURS):
            return apply(self, state, migration, fake=fake, fake_initial=fake_initial)
        collector.pause()
        try:
            return apply(self, state, migration, fake=fake, fake_initial=fake_initial)
        finally:
            collector.resume()

    MigrationExecutor.apply_migration = apply_migration  # type: ignore[method-assign]


if __name__ == "__main__":
    sys.exit(main())
