"""Members follow their units through the 2025 reorganisation; counts stay right both ways."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from phongtrao.members.choices import EventKind
from phongtrao.members.figures import members_count
from phongtrao.members.models import Member, MemberEvent, RegistryUnit
from phongtrao.members.reorganisation import members_follow_successions
from phongtrao.members.services import member_admit

from .conftest import SYSTEM, person
from .test_figures import counted, stored

CONSENT = {"purpose": "Quản lý hội viên", "consent_on": dt.date(2020, 1, 1)}


@pytest.fixture
def book(registry, small_tree_2025):
    """Two members in Xã A's chi hội, one in Xã B, one in Xã C (split in 2025)."""
    people = {}
    for key, unit, name in (
        ("hoa", registry["branch"], "Nguyễn Thị Hoa"),
        ("lan", registry["branch"], "Trần Thị Lan"),
        ("mai", registry["c2"], "Lê Thị Mai"),
        ("cuc", registry["c3"], "Phạm Thị Cúc"),
    ):
        people[key] = member_admit(
            actor=SYSTEM, unit=unit, data=person(name, join_date=dt.date(2023, 3, 8)), **CONSENT
        )
    return {**registry, **small_tree_2025, **people}


def test_members_move_to_the_merged_commune_and_past_counts_stay(book):
    north, old = book["north"], [book["c1"], book["c2"], book["c3"]]
    day = north.valid_from
    before = {u.pk: members_count(u, day - dt.timedelta(days=1)) for u in (*old, book["province"])}

    result = members_follow_successions(actor=SYSTEM, units=old)

    assert result.total == 3 and result.moved == {"Xã Bắc": 3}
    assert [m.full_name for m in result.left] == ["Phạm Thị Cúc"]  # a split: the officers choose
    for unit in (*old, book["province"]):
        assert members_count(unit, day - dt.timedelta(days=1)) == before[unit.pk]
    assert members_count(north, day) == 3 and members_count(book["c1"], day) == 0
    assert members_count(book["c3"], day) == 1
    hoa = Member.objects.get(pk=book["hoa"].pk)
    assert (hoa.unit_id, hoa.status_since) == (north.pk, day)
    event = MemberEvent.objects.get(member=hoa, kind=EventKind.REORGANISE)
    assert (event.from_unit_id, event.to_unit_id) == (book["branch"].pk, north.pk)
    assert RegistryUnit.objects.filter(unit=north, since=day).exists()
    # The figures moved equal the book counted again, in the old units and the new one.
    for unit in (book["c1"], book["c2"], north):
        figures = stored(unit)
        assert figures and figures == counted(unit, min(int(p) for _, p in figures))
    assert stored(north)[("HV_KETNAP", str(day.year))] == 3
    assert stored(book["c1"])[("HV_GIAM", str(day.year))] == 2

    again = members_follow_successions(actor=SYSTEM, units=old)
    assert again.total == 0 and members_count(north, day) == 3


def test_an_officer_of_one_old_commune_cannot_move_the_others(book):
    with pytest.raises(PermissionDenied):
        members_follow_successions(actor=book["officer_a"], units=[book["c2"]])
    assert members_count(book["north"], book["north"].valid_from) == 0
