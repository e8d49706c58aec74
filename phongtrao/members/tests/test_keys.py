"""A member's unit, an enrolment's and a history row's member, unit and user exist, and stay
while the registry names them.

PostgreSQL checks them once per statement by triggers (migration `members/0008`: a foreign
key is checked one row at a time, a fifth of an import's time); SQLite keeps its foreign-key
constraints. Either way the database refuses a row naming no unit, member or user, and the
deletion of one that the registry still names.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import psycopg
import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from phongtrao.members.bulk import members_bulk_write
from phongtrao.members.models import Enrolment, Member, MemberEvent
from phongtrao.members.services import member_admit
from phongtrao.members.tests.conftest import SYSTEM, person
from phongtrao.orgs.models import Level
from phongtrao.orgs.services import unit_create

MISSING = 10**9
TABLES = ("members_member", "members_enrolment", "members_memberevent")


def _refused(sql: str, params: list[Any]) -> None:
    """`sql` is refused as a broken key: at once on PostgreSQL, at the check on SQLite (its
    constraints are deferred to the commit)."""
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        connection.check_constraints(table_names=list(TABLES))


def _stamp() -> Any:
    return connection.ops.adapt_datetimefield_value(timezone.now())


def _admitted(registry: dict[str, Any]) -> Member:
    return member_admit(
        actor=registry["officer_a"],
        unit=registry["branch"],
        data=person(),
        purpose="Quản lý hội viên",
        consent_on=dt.date(2023, 3, 8),
    )


def _event(member: int, to_unit: int | None, actor: int | None) -> tuple[str, list[Any]]:
    return (
        'INSERT INTO members_memberevent (member_id, kind, "on", from_unit_id, to_unit_id, '
        "reason, actor_id, actor_name, at) VALUES (%s, 'update', %s, NULL, %s, '', %s, 'x', %s)",
        [member, dt.date(2024, 1, 1), to_unit, actor, _stamp()],
    )


@pytest.mark.django_db
def test_rows_naming_no_unit_member_or_user_are_refused(registry: dict[str, Any]) -> None:
    member = _admitted(registry)
    unit, user = registry["branch"], registry["officer_a"]
    enrolment = (
        "INSERT INTO members_enrolment (member_id, unit_id, unit_path, start, start_kind, "
        "\"end\", end_kind, by_residence) VALUES (%s, %s, '/', %s, 'admitted', %s, 'left', TRUE)"
    )
    _refused(enrolment, [MISSING, unit.pk, dt.date(2000, 1, 1), dt.date(2001, 1, 1)])
    _refused(enrolment, [member.pk, MISSING, dt.date(2000, 1, 1), dt.date(2001, 1, 1)])
    _refused(*_event(MISSING, unit.pk, user.pk))
    _refused(*_event(member.pk, MISSING, user.pk))
    _refused(*_event(member.pk, unit.pk, MISSING))
    # The same row naming what exists is written; nullable keys may be empty.
    with connection.cursor() as cursor:
        cursor.execute(*_event(member.pk, None, None))
    assert MemberEvent.objects.filter(member=member, kind="update").count() == 1
    # A changed key is checked too; the rest of a row changes freely.
    _refused("UPDATE members_member SET unit_id = %s WHERE id = %s", [MISSING, member.pk])
    _refused("UPDATE members_member SET residence_unit_id = %s WHERE id = %s", [MISSING, member.pk])
    _refused(
        "UPDATE members_enrolment SET member_id = %s WHERE member_id = %s", [MISSING, member.pk]
    )
    _refused(
        "UPDATE members_memberevent SET actor_id = %s WHERE member_id = %s", [MISSING, member.pk]
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE members_member SET residence_unit_id = %s, phone = '0912345678' WHERE id = %s",
            [registry["c1"].pk, member.pk],
        )
    member.refresh_from_db()
    assert (member.unit_id, member.residence_unit_id) == (unit.pk, registry["c1"].pk)


@pytest.mark.django_db
def test_a_unit_member_or_user_the_registry_names_is_not_deleted(
    registry: dict[str, Any],
) -> None:
    member = _admitted(registry)
    clerk = get_user_model().objects.create_user("thu_ky", password="x")
    with connection.cursor() as cursor:
        cursor.execute(*_event(member.pk, None, clerk.pk))
    # Below Django's PROTECT, CASCADE and SET_NULL (which act first): the database's own
    # refusal.
    _refused("DELETE FROM orgs_unit WHERE id = %s", [registry["branch"].pk])
    _refused("DELETE FROM members_member WHERE id = %s", [member.pk])
    _refused("DELETE FROM auth_user WHERE id = %s", [clerk.pk])
    _refused("UPDATE members_member SET id = %s WHERE id = %s", [MISSING, member.pk])
    _refused("UPDATE auth_user SET id = %s WHERE id = %s", [MISSING, clerk.pk])
    # Django's own deletions work: the history keeps the event, without its user; the
    # member goes with her enrolments and history.
    clerk.delete()
    assert MemberEvent.objects.filter(member=member, kind="update", actor=None).exists()
    member.delete()
    assert not Enrolment.objects.filter(member_id=member.pk).exists()
    assert not MemberEvent.objects.filter(member_id=member.pk).exists()


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_checks_the_keys_per_statement_not_per_row(registry: dict[str, Any]) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL: SQLite keeps its foreign-key constraints")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text FROM pg_constraint "
            "WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)",
            [list(TABLES)],
        )
        assert not cursor.fetchall(), "no per-row foreign-key check on the registry's tables"
        cursor.execute(
            "SELECT tgname, tgrelid::regclass::text FROM pg_trigger WHERE NOT tgisinternal "
            "AND tgname LIKE 'members_%%key%%' ORDER BY 1, 2"
        )
        assert cursor.fetchall() == [
            ("members_enrolment_keys_added", "members_enrolment"),
            ("members_enrolment_keys_changed", "members_enrolment"),
            ("members_member_key_kept", "members_member"),
            ("members_member_keys_added", "members_member"),
            ("members_member_keys_changed", "members_member"),
            ("members_member_keys_kept", "members_member"),
            ("members_memberevent_keys_added", "members_memberevent"),
            ("members_memberevent_keys_changed", "members_memberevent"),
            ("members_unit_key_kept", "orgs_unit"),
            ("members_unit_keys_kept", "orgs_unit"),
            ("members_user_key_kept", "auth_user"),
            ("members_user_keys_kept", "auth_user"),
        ]
    # A list's COPY is one statement: one unknown unit among good rows refuses all of it.
    good = [person(f"Lê Thị Mai {i}", unit_id=registry["branch"].pk) for i in range(3)]
    bad = person("Lê Thị Lan", unit_id=MISSING)
    rows = [r._replace(unit_path=registry["branch"].path) for r in [*good, bad]]
    with pytest.raises(psycopg.errors.ForeignKeyViolation):  # the driver's own COPY
        members_bulk_write(actor=SYSTEM, rows=rows, purpose="x", consent_on=dt.date(2020, 1, 1))
    assert not Member.objects.exists()
    # The units and members named by the rows added are locked (FOR KEY SHARE, as the
    # constraint locks them) until the transaction ends, so that no other transaction
    # deletes them meanwhile: the lock is in the row's xmax.
    member = _admitted(registry)
    # A unit made here: rows of the shared tree may carry locks of the run's own transaction.
    far = unit_create(
        edition=registry["c3"].edition,
        code="T-70301-9",
        name="Chi hội Xa",
        level=Level.BRANCH,
        parent=registry["c3"],
    )

    def locked(table: str, pk: int) -> bool:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT xmax::text <> '0' FROM {table} WHERE id = %s", [pk])  # noqa: S608
            return bool(cursor.fetchone()[0])

    assert not locked("orgs_unit", far.pk)
    # A member her own transaction wrote is seen by no other until it commits: rows naming
    # her do not lock her (migration 0010). One written before is locked.
    assert not locked("members_member", member.pk)
    with connection.cursor() as cursor:
        # As if she had been written by an earlier transaction: this one's note forgotten.
        cursor.execute("SELECT set_config('members.new_ids', '', true)")
        cursor.execute(*_event(member.pk, far.pk, None))
    assert locked("orgs_unit", far.pk)
    assert locked("members_member", member.pk)


def _noted() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('members.new_ids', true)")
        return cursor.fetchone()[0] or ""


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_notes_the_members_a_transaction_writes(registry: dict[str, Any]) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL: the key triggers' note")
    branch = registry["branch"]
    rows = [person(f"Lê Thị Mai {i}", unit_id=branch.pk, unit_path=branch.path) for i in range(3)]
    members_bulk_write(actor=SYSTEM, rows=rows, purpose="x", consent_on=dt.date(2020, 1, 1))
    ids = sorted(Member.objects.values_list("pk", flat=True))
    assert _noted() == f"{{[{ids[0]},{ids[-1] + 1})}}"
    # A savepoint rolled back takes its note back with its rows.
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        _admitted(registry)
        assert _noted() == f"{{[{ids[0]},{ids[-1] + 2})}}"
        raise ZeroDivisionError
    assert _noted() == f"{{[{ids[0]},{ids[-1] + 1})}}"
    # Rows whose ids are not one run are not noted (the run's gaps may be older members).
    stamp = _stamp()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO members_member (id, uid, full_name, name_key, birth_date, ethnicity, "
            "religion, occupation, education, address, phone, citizen_id, card_number, "
            "join_date, by_residence, unit_id, unit_path, status, status_since, purpose, "
            "consent_on, erased, created_at, updated_at) "
            "SELECT g, 'u' || g, 'A', 'a', %s, '01', 'none', 'other', '', '', '', '', '', %s, "
            "TRUE, %s, %s, 'active', %s, 'x', %s, FALSE, %s, %s "
            "FROM unnest(ARRAY[%s, %s]::bigint[]) AS g",
            [dt.date(1980, 1, 1), dt.date(2020, 1, 1), branch.pk, branch.path]
            + [dt.date(2020, 1, 1), dt.date(2020, 1, 1), stamp, stamp, 10**8, 10**8 + 2],
        )
    assert _noted() == f"{{[{ids[0]},{ids[-1] + 1})}}"


@pytest.mark.django_db
def test_postgresql_trusts_the_note_until_a_member_is_taken_away(
    registry: dict[str, Any],
) -> None:
    """Rows naming the members this transaction wrote do not look them up (0011); once a
    member is deleted the note is forgotten, and a row naming her is refused."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL: the key triggers' note")
    branch = registry["branch"]
    rows = [person(f"Lê Thị Mai {i}", unit_id=branch.pk, unit_path=branch.path) for i in range(3)]

    def lookups() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_get_xact_numscans('members_member_pkey'::regclass)")
            return int(cursor.fetchone()[0])

    members_bulk_write(actor=SYSTEM, rows=rows, purpose="x", consent_on=dt.date(2020, 1, 1))
    ids = sorted(Member.objects.values_list("pk", flat=True))
    before = lookups()
    with connection.cursor() as cursor:
        cursor.execute(*_event(ids[1], None, None))
    assert lookups() == before  # a member written by this transaction: not looked up
    Enrolment.objects.filter(member_id=ids[0]).delete()
    MemberEvent.objects.filter(member_id=ids[0]).delete()
    Member.objects.filter(pk=ids[0]).delete()
    assert _noted() == ""
    _refused(*_event(ids[0], None, None))
    # The others are looked up again, and found.
    before = lookups()
    with connection.cursor() as cursor:
        cursor.execute(*_event(ids[2], None, None))
    assert lookups() > before


@pytest.mark.django_db
def test_a_member_has_one_open_enrolment(registry: dict[str, Any]) -> None:
    member = _admitted(registry)
    enrolment = (
        "INSERT INTO members_enrolment (member_id, unit_id, unit_path, start, start_kind, "
        "\"end\", end_kind, by_residence) VALUES (%s, %s, '/', %s, 'admitted', %s, %s, TRUE)"
    )
    unit = registry["branch"].pk
    _refused(enrolment, [member.pk, unit, dt.date(2000, 1, 1), None, ""])
    with connection.cursor() as cursor:
        cursor.execute(
            enrolment, [member.pk, unit, dt.date(2000, 1, 1), dt.date(2001, 1, 1), "moved"]
        )
    assert Enrolment.objects.filter(member=member).count() == 2
    if connection.vendor == "postgresql":
        # One index by member serves both (migration 0009): her enrolments, her open one.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE tablename = 'members_enrolment' "
                "AND indexdef LIKE '%%(member_id%%' ORDER BY 1"
            )
            assert [row[0].split(" USING ")[1] for row in cursor.fetchall()] == [
                'btree (member_id, "end") NULLS NOT DISTINCT'
            ]
