"""The SQL that the registry's PostgreSQL-only migrations build (0007, 0008, 0010).

Migrations `members/0008` and `0010` write the key triggers that stand in for the registry's
foreign keys on PostgreSQL, and both check a key over a statement's new rows the same way;
0007, 0008 and 0010 run their statements on PostgreSQL only. The builders live here once.

History: a migration that has run must run the same SQL on every later database. What these
functions return is what those migrations ran; change it only by adding a builder (and a
migration that uses it), never by editing one that a migration calls.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

RunPython = Callable[[Any, Any], None]


def on_postgresql(statements: Sequence[str]) -> RunPython:
    """A RunPython function that executes `statements` in order on PostgreSQL, and nothing
    on any other database."""

    def run(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


def violation(table: str, text: str) -> str:
    """PL/pgSQL raising PostgreSQL's foreign-key violation (SQLSTATE 23503) on `table`."""
    return (
        f"RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation', TABLE = '{table}', "
        f"MESSAGE = '{text}';"
    )


def key_check(table: str, column: str, referenced: str, what: str) -> str:
    """PL/pgSQL of a statement trigger on `table` (its new rows in `{table}_added`): every
    `column` names a row of `referenced` (a `what`), each such row locked FOR KEY SHARE.
    Needs the variables `wanted` and `found` (bigint). Names only, no values: not SQL
    injection."""
    fail = violation(table, f'insert on table "{table}" violates its key {column}: no such {what}')
    return f"""
    SELECT COUNT(DISTINCT {column}) INTO wanted FROM {table}_added;
    IF wanted > 0 THEN
        PERFORM 1 FROM {referenced} r
            WHERE r.id IN (SELECT {column} FROM {table}_added) FOR KEY SHARE OF r;
        GET DIAGNOSTICS found = ROW_COUNT;
        IF found < wanted THEN
            {fail}
        END IF;
    END IF;"""  # noqa: S608


__all__ = ["key_check", "on_postgresql", "violation"]
