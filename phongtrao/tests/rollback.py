"""Serialized rollback by SQL: the migrated tables copied inside the database, copied back.

A transactional test (`transaction=True`) ends with Django's flush, which empties every table;
with `serialized_rollback=True` the next one first gets back what the migrations wrote (the
catalog, content types, Wagtail's root page...). Django does it by serialising every row to
JSON when the test database is made and saving them again one by one through the ORM, about
4 s per test on this machine. Here the same rows are copied, once, into tables beside the
test database's (a schema of their own on PostgreSQL, an attached in-memory database on
SQLite), and each restore is one `DELETE` and one `INSERT ... SELECT` per table that had rows:
the same rows, primary keys and all, in milliseconds. `conftest.py` installs it.

The flush itself, on PostgreSQL, deletes the rows of the tables that hold any instead of
Django's one `TRUNCATE` of every table: a truncation makes new files for each of the ~250
tables and their indexes, about a second per transactional test, while such a test leaves rows
in a few tables.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from django.db import transaction
from django.db.backends.base.creation import BaseDatabaseCreation
from django.db.backends.postgresql.operations import DatabaseOperations

MARK = "phongtrao-snapshot:"
SCHEMA = "test_snapshot"
# SQLite: the in-memory database holding the copy lives as long as one connection to it.
_KEEPERS: dict[str, sqlite3.Connection] = {}


def _sqlite_uri(alias: str) -> str:
    return f"file:phongtrao_snapshot_{alias}?mode=memory&cache=shared"


def _attach(connection: Any) -> None:
    """The copy's database attached to this SQLite connection (as `SCHEMA`) if it isn't."""
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA database_list")
        if SCHEMA not in {row[1] for row in cursor.fetchall()}:
            cursor.execute(f"ATTACH DATABASE %s AS {SCHEMA}", [_sqlite_uri(connection.alias)])


def snapshot_take(creation: BaseDatabaseCreation) -> str:
    """Copy the rows of every table the flush empties (`serialize_db_to_string`'s place);
    return the mark that `snapshot_restore` reads back."""
    connection = creation.connection
    quote = connection.ops.quote_name
    tables = sorted(
        connection.introspection.django_table_names(only_existing=True, include_views=False)
    )
    if connection.vendor == "sqlite":
        _KEEPERS[connection.alias] = sqlite3.connect(_sqlite_uri(connection.alias), uri=True)
        _attach(connection)
    elif connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE SCHEMA {SCHEMA}")
    else:  # pragma: no cover - the project runs on SQLite and PostgreSQL only
        raise NotImplementedError(connection.vendor)
    copied = tables_with_rows(connection, tables)
    with connection.cursor() as cursor:
        for table in copied:
            cursor.execute(f"CREATE TABLE {SCHEMA}.{quote(table)} AS SELECT * FROM {quote(table)}")
    return MARK + json.dumps(copied)


def tables_with_rows(connection: Any, tables: list[str]) -> list[str]:
    """Those of `tables` that hold at least one row, in their order: a query per 200 tables
    (SQLite takes at most 500 SELECTs in one UNION)."""
    quote = connection.ops.quote_name
    found: list[str] = []
    with connection.cursor() as cursor:
        for start in range(0, len(tables), 200):
            part = tables[start : start + 200]
            cursor.execute(
                " UNION ALL ".join(
                    f"SELECT {index} WHERE EXISTS (SELECT 1 FROM {quote(table)})"
                    for index, table in enumerate(part)
                )
            )
            found += [part[row[0]] for row in cursor.fetchall()]
    return found


def snapshot_restore(creation: BaseDatabaseCreation, data: str) -> None:
    """Put the copied rows back (`deserialize_db_from_string`'s place). The tables are empty
    after a flush, but a flush without serialized rollback lets post_migrate write content
    types and permissions again: those tables are emptied first."""
    connection = creation.connection
    quote = connection.ops.quote_name
    tables = json.loads(data.removeprefix(MARK))
    if connection.vendor == "sqlite":
        _attach(connection)
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {quote(table)}")
        for table in tables:
            cursor.execute(f"INSERT INTO {quote(table)} SELECT * FROM {SCHEMA}.{quote(table)}")


def install() -> None:
    """Serialized rollback by SQL copies for every connection of the test run, and
    PostgreSQL's flush by deletes."""
    serialize = BaseDatabaseCreation.serialize_db_to_string
    deserialize = BaseDatabaseCreation.deserialize_db_from_string
    truncate = DatabaseOperations.sql_flush

    def delete_filled(
        self: DatabaseOperations,
        style: Any,
        tables: list[str],
        *,
        reset_sequences: bool = False,
        allow_cascade: bool = False,
    ) -> list[str]:
        if reset_sequences or not tables:
            return truncate(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        # Every row of every table goes, so no key can dangle: the keys' and the other
        # triggers (data_datavalue's keys are checked by statement triggers that a delete
        # in the wrong order would trip) are off for the flush's transaction, as TRUNCATE
        # fires none. Never an empty list: the flush command writes post_migrate's rows again
        # only after SQL ran, as after a TRUNCATE.
        filled = tables_with_rows(self.connection, tables)
        quote = self.quote_name
        return [
            "SET LOCAL session_replication_role = replica;",
            *(f"DELETE FROM {quote(t)};" for t in filled),
        ]

    def serialize_by_copy(self: BaseDatabaseCreation) -> str:
        if self.connection.vendor not in ("sqlite", "postgresql"):  # pragma: no cover
            return serialize(self)
        return snapshot_take(self)

    def deserialize_by_copy(self: BaseDatabaseCreation, data: str) -> None:
        if not data.startswith(MARK):  # pragma: no cover - Django's own serialization
            deserialize(self, data)
            return
        snapshot_restore(self, data)

    BaseDatabaseCreation.serialize_db_to_string = serialize_by_copy  # type: ignore[method-assign]
    BaseDatabaseCreation.deserialize_db_from_string = deserialize_by_copy  # type: ignore[method-assign]
    DatabaseOperations.sql_flush = delete_filled  # type: ignore[method-assign, assignment]
