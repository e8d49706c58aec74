"""The test databases copied from a template migrated once per `make test`.

Running the 268 migrations (Django's, Wagtail's and ours) costs a test run about 26 s of CPU,
40 s under coverage, most of it in Django's rendering of model states; `make test` has four
runs. It migrates one database per engine first (`scripts/test_template.py`) and names it to
the runs in PHONGTRAO_TEST_TEMPLATE; each run's database starts as a copy of it, and Django's
`migrate` then finds nothing to apply. Without the variable, a run migrates as usual.

- SQLite: the template is a file; it is copied with SQLite's backup into the shared in-memory
  database Django's test run then opens (`file:memorydb_default?...`), whose content lives as
  long as a connection holds it (`KEPT`).
- PostgreSQL: the template is a database on the run's server; Django creates the test
  database with `CREATE DATABASE … TEMPLATE` (its TEST TEMPLATE setting). Two runs may share
  one server: PHONGTRAO_TEST_RUN names each run's test database.
"""

from __future__ import annotations

import os
import sqlite3
from typing import Any

TEMPLATE_ENV = "PHONGTRAO_TEST_TEMPLATE"
RUN_ENV = "PHONGTRAO_TEST_RUN"

# The connections that keep the in-memory copies alive for the whole run.
KEPT: list[sqlite3.Connection] = []


def in_memory_name(alias: str) -> str:
    """The shared in-memory database Django's SQLite test run uses for `alias`."""
    return f"file:memorydb_{alias}?mode=memory&cache=shared"


def test_databases_from_template(databases: dict[str, Any]) -> None:
    """Point the default database's test copy at the template named in PHONGTRAO_TEST_TEMPLATE
    (if any), and name it after PHONGTRAO_TEST_RUN on PostgreSQL; called by conftest.py just
    before pytest-django creates the test databases."""
    default = databases["default"]
    test = default.setdefault("TEST", {})
    run = os.environ.get(RUN_ENV, "")
    sqlite = default["ENGINE"] == "django.db.backends.sqlite3"
    if run and not sqlite:
        test["NAME"] = f"test_{run}"
    template = os.environ.get(TEMPLATE_ENV, "")
    if not template:
        return
    if not sqlite:
        test["TEMPLATE"] = template
        return
    test["NAME"] = in_memory_name("default")
    source = sqlite3.connect(f"file:{template}?mode=ro", uri=True)
    target = sqlite3.connect(test["NAME"], uri=True)
    try:
        source.backup(target)
    finally:
        source.close()
    KEPT.append(target)
