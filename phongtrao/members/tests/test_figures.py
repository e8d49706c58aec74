"""Registry figures moved by each change equal the figures counted from the whole book."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from phongtrao.data.models import DataValue
from phongtrao.members.bulk import ImportRejected, duplicates_in, members_import
from phongtrao.members.figures import REGISTRY_CODES, figures_count, figures_write
from phongtrao.members.models import Member, RegistryUnit
from phongtrao.members.services import (
    MemberData,
    member_admit,
    member_leave,
    member_transfer_request,
    transfer_accept,
    uids_new,
)
from phongtrao.orgs.models import Level
from phongtrao.orgs.services import unit_create

from .conftest import SYSTEM, person

CONSENT = {"purpose": "Quản lý hội viên", "consent_on": dt.date(2020, 1, 1)}
TODAY = dt.date.today()  # noqa: DTZ011 - the services' own "today"


def stored(unit: Any) -> dict[tuple[str, str], int]:
    """The registry figures stored as values for `unit`, by (indicator code, period code)."""
    return {
        (code, period): int(value)
        for code, period, value in DataValue.objects.filter(
            unit=unit, indicator__code__in=REGISTRY_CODES
        ).values_list("indicator__code", "period__code", "value")
    }


def counted(unit: Any, first_year: int) -> dict[tuple[str, str], int]:
    """The same figures counted from the book, for every year from `first_year` to today's."""
    return {
        (code, str(year)): count
        for year, counts in figures_count(unit, range(first_year, TODAY.year + 1)).items()
        for code, count in counts.items()
    }


def test_shifted_figures_equal_the_recount_after_random_changes(registry):
    """Admissions, leavings, deaths and transfers, at random days from 2019 (before the
    registry's start) to today, in chi hội and communes: each step's stored figures equal
    the count of the whole book; and recounting (`figures_write`) changes nothing."""
    draw = random.Random(19)  # noqa: S311
    places = [registry["c1"], registry["branch"], registry["c2"]]
    last = min(TODAY, registry["c1"].valid_to or TODAY)  # the units' edition may have ended
    day_count = (last - dt.date(2019, 1, 1)).days
    active: list[Member] = []
    for step in range(60):
        day = dt.date(2019, 1, 1) + dt.timedelta(days=draw.randrange(day_count))
        action = draw.choice(["admit", "admit", "leave", "transfer"]) if active else "admit"
        if action == "admit":
            member = member_admit(
                actor=SYSTEM,
                unit=draw.choice(places),
                data=person(
                    f"Người Thứ {step}",
                    join_date=day,
                    by_residence=draw.random() < 0.6,
                ),
                **CONSENT,
            )
            active.append(member)
        else:
            member = active.pop(draw.randrange(len(active)))
            start = member.enrolments.get(end__isnull=True).start
            if start >= last:
                continue
            on = start + dt.timedelta(days=1 + draw.randrange((last - start).days))
            if action == "leave":
                member_leave(
                    actor=SYSTEM,
                    member=member,
                    on=on,
                    reason="Chuyển đi",
                    deceased=draw.random() < 0.3,
                )
            else:
                target = draw.choice([p for p in places if p.pk != member.unit_id])
                transfer = member_transfer_request(
                    actor=SYSTEM, member=member, to_unit=target, on=on
                )
                active.append(transfer_accept(actor=SYSTEM, transfer=transfer))
        for commune in (registry["c1"], registry["c2"]):
            figures = stored(commune)
            if figures:  # from the first change of the commune's book on
                first = min(int(period) for _, period in figures)
                assert figures == counted(commune, first), f"step {step}: {action}"
    for commune in (registry["c1"], registry["c2"]):
        before = stored(commune)
        figures_write(unit=commune, days=[dt.date(2020, 1, 1)])
        assert stored(commune) == before


def test_shift_counts_a_year_not_yet_stored(registry):
    """Members written before the figures were (the demo's load): the first change of a
    year counts the book for the years not stored, then shifts."""
    member_admit(actor=SYSTEM, unit=registry["c1"], data=person(), **CONSENT)
    DataValue.objects.filter(unit=registry["c1"], period__code="2024").delete()
    member_admit(
        actor=SYSTEM,
        unit=registry["c1"],
        data=person("Trần Thị Lan", join_date=dt.date(2024, 2, 1)),
        **CONSENT,
    )
    assert stored(registry["c1"])[("HV_TONG", "2024")] == 2
    assert stored(registry["c1"])[("HV_KETNAP", "2024")] == 1


def test_admit_takes_the_same_queries_whatever_the_book_and_the_years(registry):
    """The cost of admitting does not grow with the members of the commune nor with the
    years since the admission (a fixed number of queries)."""

    def admit_counting(name: str, join: dt.date) -> int:
        with CaptureQueriesContext(connection) as queries:
            member_admit(
                actor=registry["officer_a"],
                unit=registry["branch"],
                data=person(name, join_date=join),
                **CONSENT,
            )
        return len(queries)

    admit_counting("Lê Thị Một", dt.date(2021, 3, 1))  # the years get stored
    small = admit_counting("Lê Thị Hai", dt.date(2024, 3, 1))
    for i in range(30):
        member_admit(actor=SYSTEM, unit=registry["branch"], data=person(f"Phạm Thị {i}"), **CONSENT)
    assert admit_counting("Lê Thị Ba", dt.date(2021, 5, 1)) == small
    assert small <= 17


def test_registry_of_a_commune_with_chi_hoi_counts_them(registry):
    second = unit_create(
        edition=registry["c1"].edition,
        code="T-70101-2",
        name="Chi hội Ấp 2",
        level=Level.BRANCH,
        parent=registry["c1"],
    )
    for unit in (registry["branch"], second, registry["c1"]):
        member_admit(actor=SYSTEM, unit=unit, data=person(f"Võ Thị {unit.code}"), **CONSENT)
    assert stored(registry["c1"])[("HV_TONG", "2023")] == 3
    assert not RegistryUnit.objects.filter(unit=second).exists()


def _rows(unit: Any, count: int, seed: int) -> list[MemberData]:
    draw = random.Random(seed)  # noqa: S311
    return [
        MemberData(
            full_name=f"Đỗ Thị Mẫu {i}",
            birth_date=dt.date(1960, 1, 1) + dt.timedelta(days=draw.randrange(12000)),
            join_date=dt.date(2018, 1, 1) + dt.timedelta(days=draw.randrange(2200)),
            unit_id=unit.pk,
            unit_path=unit.path,
            by_residence=draw.random() < 0.5,
            ethnicity=draw.choice(["01", "05", "08"]),
            phone=f"09{draw.randrange(10**8):08d}",
        )
        for i in range(count)
    ]


def _data(row: MemberData) -> MemberData:
    """The row as one admission sees it (the unit is the service's argument)."""
    return row._replace(unit_id=None, unit_path="")


def test_import_gives_what_admitting_one_by_one_gives(registry):
    """A list imported set-wise into Xã A and the same people admitted one by one into Xã B:
    the same members, enrolments, history and registry figures, year by year."""
    member_admit(actor=SYSTEM, unit=registry["c1"], data=person("Hà Thị Cũ"), **CONSENT)
    member_admit(
        actor=SYSTEM, unit=registry["c2"], data=person("Hà Thị Cũ"), **CONSENT, allow_namesake=True
    )
    rows = _rows(registry["c1"], 40, seed=4)
    members_import(
        actor=SYSTEM,
        unit=registry["c1"],
        rows=rows,
        numbers=list(range(2, 42)),
        **CONSENT,
    )
    for row in rows:
        member_admit(
            actor=SYSTEM, unit=registry["c2"], data=_data(row), allow_namesake=True, **CONSENT
        )

    def book(unit: Any) -> list[tuple[Any, ...]]:
        return sorted(
            Member.objects.filter(unit=unit).values_list(
                "full_name", "name_key", "birth_date", "join_date", "status", "status_since",
                "ethnicity", "phone", "by_residence", "enrolments__start", "events__kind",
            )
        )  # fmt: skip

    assert book(registry["c1"]) == book(registry["c2"])
    assert len(book(registry["c1"])) == 41
    first = {(code, period): count for (code, period), count in stored(registry["c1"]).items()}
    assert first == stored(registry["c2"])
    assert first == counted(registry["c1"], 2020)


def test_an_imported_lists_uids_follow_each_other(registry):
    """The members of a list get one run of uids of this hour (`uids_new`), in the order
    their rows are written: in the uid's index each lands beside the one before."""
    before = uids_new(1)[0][:4]
    members_import(
        actor=SYSTEM,
        unit=registry["c1"],
        rows=_rows(registry["c1"], 30, seed=5),
        numbers=list(range(2, 32)),
        **CONSENT,
    )
    listed = Member.objects.filter(unit=registry["c1"])
    by_id = list(listed.order_by("id").values_list("uid", flat=True))
    assert len(set(by_id)) == 30 and {uid[:4] for uid in by_id} <= {before, uids_new(1)[0][:4]}
    assert by_id == sorted(by_id)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite's writers take turns")
def test_a_list_never_takes_the_id_of_an_admission_under_way(registry):
    """An admission under way has taken her id from the sequence, her row not yet seen by
    others (not committed): a list written meanwhile must not give that id to one of its
    members, or one of the two fails. The largest id plus one was that id."""
    member_admit(actor=SYSTEM, unit=registry["c1"], data=person("Hà Thị Trước"), **CONSENT)
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('members_member', 'id'))")
        held = cursor.fetchone()[0]  # the admission under way, her row not yet committed
    members_import(
        actor=SYSTEM,
        unit=registry["c2"],
        rows=_rows(registry["c2"], 30, seed=6),
        numbers=list(range(2, 32)),
        **CONSENT,
    )
    ids = set(Member.objects.filter(unit=registry["c2"]).values_list("id", flat=True))
    assert len(ids) == 30 and held not in ids
    # The next admission comes after both.
    after = member_admit(actor=SYSTEM, unit=registry["c1"], data=person("Hà Thị Sau"), **CONSENT)
    assert after.pk > max(ids | {held})


def test_import_finds_duplicates_as_admitting_does(registry):
    """Set-wise duplicate check: the same name and birth date as an active member, or the
    same citizen ID as any, is a problem of the row; a namesake who left is not."""
    kept = member_admit(actor=SYSTEM, unit=registry["c2"], data=person(), **CONSENT)
    gone = member_admit(
        actor=SYSTEM,
        unit=registry["c2"],
        data=person("Lý Thị Đi", citizen_id="070185009999"),
        **CONSENT,
    )
    member_leave(actor=SYSTEM, member=gone, on=dt.date(2023, 5, 1), reason="Chuyển đi")
    branch = registry["branch"]
    placed = {"unit_id": branch.pk, "unit_path": branch.path}
    rows = [
        MemberData("NGUYEN THI HOA", kept.birth_date, dt.date(2023, 1, 2), **placed),
        MemberData("Lý Thị Đi", gone.birth_date, dt.date(2023, 6, 2), **placed),
        MemberData(
            "Mai Thị Khác", dt.date(1970, 1, 1), dt.date(2023, 1, 2), **placed,
            citizen_id="070185009999",
        ),
    ]  # fmt: skip
    problems = duplicates_in(rows)
    assert [(p.index, "Xã B" in p.message) for p in problems] == [(0, True), (2, True)]
    assert "CCCD" in problems[1].message


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_import_that_is_its_own_transaction_rolls_back_on_a_namesake(registry):
    """The list import of a task (the caller's whole transaction) looks for namesakes while it
    writes, on PostgreSQL on a connection of its own: one found rolls the whole list back,
    members and figures; without it the list is written."""
    kept = member_admit(actor=SYSTEM, unit=registry["c2"], data=person(), **CONSENT)
    branch = registry["branch"]
    placed = {"unit_id": branch.pk, "unit_path": branch.path}
    good = [
        MemberData(f"Phan Thị Mới {i}", dt.date(1990, 1, 1 + i), dt.date(2023, 1, 2), **placed)
        for i in range(5)
    ]
    twin = MemberData("NGUYEN THI HOA", kept.birth_date, dt.date(2023, 1, 2), **placed)
    members, figures = Member.objects.count(), stored(registry["c1"])
    with CaptureQueriesContext(connection) as queries, pytest.raises(ImportRejected) as rejected:
        members_import(
            actor=SYSTEM, unit=registry["c1"], rows=[*good, twin], numbers=range(2, 8), **CONSENT
        )
    assert rejected.value.problems == [(7, "Đã có hội viên cùng họ tên và ngày sinh tại Xã B.")]
    assert (Member.objects.count(), stored(registry["c1"])) == (members, figures)
    looked_here = any(
        "m.birth_date = w.birth_date" in query["sql"] for query in queries.captured_queries
    )
    assert looked_here == (connection.vendor != "postgresql")
    assert (
        members_import(actor=SYSTEM, unit=registry["c1"], rows=good, numbers=range(2, 7), **CONSENT)
        == 5
    )
    assert Member.objects.count() == members + 5
