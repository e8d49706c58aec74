"""The SQL that the registry's PostgreSQL-only migrations build (0007, 0008, 0010, 0011).

Migrations `members/0008`, `0010` and `0011` write the key triggers that stand in for the
registry's foreign keys on PostgreSQL, and check a key over a statement's new rows the same
way; 0007, 0008, 0010 and 0011 run their statements on PostgreSQL only. The builders live
here once.

History: a migration that has run must run the same SQL on every later database. What these
functions return is what those migrations ran; change it only by adding a builder (and a
migration that uses it), never by editing one that a migration calls.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

RunPython = Callable[[Any, Any], None]
# The members a transaction wrote, noted by the statement trigger of `members_member`
# (0010): a setting local to the transaction, an int8multirange of their ids.
NEW_MEMBERS = "members.new_ids"


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


def keys_added_function(table: str, body: str) -> str:
    """The statement trigger function `{table}_keys_added` (0010's form) running `body`, with
    the variables the key checks use."""
    return f"""
CREATE OR REPLACE FUNCTION {table}_keys_added() RETURNS trigger LANGUAGE plpgsql
SET jit = off AS $$
DECLARE
    wanted bigint;
    found bigint;
    locked bigint;
    others bigint[];
    new_ids int8multirange;
    lo bigint;
    hi bigint;
BEGIN{body}
    RETURN NULL;
END $$"""


def member_key_new_unlocked(table: str) -> str:
    """PL/pgSQL of a statement trigger on `table` (0010): every `member_id` names a member,
    looked up; those not written by this transaction (`NEW_MEMBERS`) are locked."""
    noted = f"COALESCE(NULLIF(current_setting('{NEW_MEMBERS}', true), ''), '{{}}')"
    fail = violation(table, f'insert on table "{table}" violates its key member_id: no such member')
    return f"""
    SELECT COUNT(DISTINCT member_id) INTO wanted FROM {table}_added;
    IF wanted > 0 THEN
        new_ids := {noted}::int8multirange;
        SELECT COUNT(*) FILTER (WHERE r.id <@ new_ids),
            array_agg(r.id) FILTER (WHERE NOT r.id <@ new_ids)
            INTO found, others
            FROM members_member r WHERE r.id IN (SELECT member_id FROM {table}_added);
        IF others IS NOT NULL THEN
            PERFORM 1 FROM members_member r WHERE r.id = ANY (others) FOR KEY SHARE OF r;
            GET DIAGNOSTICS locked = ROW_COUNT;
            found := found + locked;
        END IF;
        IF found < wanted THEN
            {fail}
        END IF;
    END IF;"""  # noqa: S608


def member_key_new_trusted(table: str) -> str:
    """PL/pgSQL of a statement trigger on `table` (0011): every `member_id` names a member.
    Those this transaction wrote (noted in `NEW_MEMBERS`, a note that a delete, an id change
    or a truncation of members forgets) exist, and nobody else can delete them before it
    commits: not looked up. The others are looked up and locked FOR KEY SHARE."""
    noted = f"COALESCE(NULLIF(current_setting('{NEW_MEMBERS}', true), ''), '{{}}')"
    fail = violation(table, f'insert on table "{table}" violates its key member_id: no such member')
    return f"""
    new_ids := {noted}::int8multirange;
    SELECT array_agg(DISTINCT member_id) FILTER (WHERE NOT member_id <@ new_ids) INTO others
        FROM {table}_added;
    IF others IS NOT NULL THEN
        PERFORM 1 FROM members_member r WHERE r.id = ANY (others) FOR KEY SHARE OF r;
        GET DIAGNOSTICS found = ROW_COUNT;
        IF found < cardinality(others) THEN
            {fail}
        END IF;
    END IF;"""  # noqa: S608


def member_key_looked_up(table: str) -> str:
    """PL/pgSQL of a statement trigger on `table` (0008): every `member_id` names a member,
    each looked up and locked."""
    return key_check(table, "member_id", "members_member", "member")


def rows_of_members_functions(member_key: Callable[[str], str]) -> list[str]:
    """The key trigger functions of enrolments and history rows, their member checked by
    `member_key` (one of the `member_key_*` builders), their units and users by `key_check`."""
    return [
        keys_added_function(
            "members_enrolment",
            member_key("members_enrolment")
            + key_check("members_enrolment", "unit_id", "orgs_unit", "unit"),
        ),
        keys_added_function(
            "members_memberevent",
            member_key("members_memberevent")
            + key_check("members_memberevent", "from_unit_id", "orgs_unit", "unit")
            + key_check("members_memberevent", "to_unit_id", "orgs_unit", "unit")
            + key_check("members_memberevent", "actor_id", "auth_user", "user"),
        ),
    ]


__all__ = [
    "NEW_MEMBERS",
    "key_check",
    "keys_added_function",
    "member_key_new_trusted",
    "member_key_looked_up",
    "member_key_new_unlocked",
    "on_postgresql",
    "rows_of_members_functions",
    "violation",
]
