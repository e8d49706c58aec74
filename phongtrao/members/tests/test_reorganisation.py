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


def test_a_merge_on_the_web_moves_the_members_with_their_units(client, registry):
    """/to-chuc/: the confirmation says how many members move; the merge moves them (into
    the chi hội carried over, or the new unit), past counts unchanged, by an officer of the
    province who reorganises units but does not read records."""
    from phongtrao.accounts.models import Role
    from phongtrao.orgs.models import Unit

    from .conftest import officer

    for unit, name in ((registry["branch"], "Nguyễn Thị Hoa"), (registry["c2"], "Lê Thị Mai")):
        member_admit(actor=SYSTEM, unit=unit, data=person(name), **CONSENT)
    client.force_login(officer("canbo_tinh", registry["province"], Role.ENTER))
    data = {
        "units": [registry["c1"].uid, registry["c2"].uid],
        "name": "Xã A-B",
        "code": "",
        "effective": "2024-03-01",
        "reason": "Nghị quyết số 12",
        "step": "preview",
    }
    url = f"/to-chuc/{registry['d1'].uid}/hop-nhat/"
    preview = client.post(url, data).content.decode()
    assert "Sổ hội viên: 2 hội viên đang sinh hoạt" in preview
    assert Member.objects.filter(unit__name="Xã A-B").count() == 0
    done = client.post(url, {**data, "step": "confirm"}, follow=True).content.decode()
    assert "2 hội viên đã được chuyển sinh hoạt theo đơn vị mới" in done
    merged = Unit.objects.get(name="Xã A-B")
    day = merged.valid_from
    mai, hoa = Member.objects.order_by("full_name").select_related("unit")[:2]
    assert hoa.unit.parent_id == merged.pk and hoa.unit.name == "Chi hội Ấp 1"
    assert mai.unit_id == merged.pk
    assert members_count(merged, day) == 2 and members_count(registry["c1"], day) == 0
    assert members_count(registry["c1"], day - dt.timedelta(days=1)) == 1
    assert MemberEvent.objects.filter(kind=EventKind.REORGANISE).count() == 2
    assert RegistryUnit.objects.filter(unit=merged, since=day).exists()


def test_a_split_on_the_web_lists_the_members_to_move(client, registry):
    from phongtrao.accounts.models import Role

    from .conftest import officer

    cuc = member_admit(actor=SYSTEM, unit=registry["c3"], data=person("Phạm Thị Cúc"), **CONSENT)
    client.force_login(officer("canbo_tinh", registry["province"], Role.ENTER))
    c3 = registry["c3"]
    data = {
        "name_1": "Xã C Bắc",
        "weight_1": "0,5",
        "name_2": "Xã C Nam",
        "weight_2": "0,5",
        "effective": "01/03/2024",
        "reason": "Đề án chia tách",
        "step": "preview",
    }
    url = f"/to-chuc/{c3.uid}/chia-tach/"
    preview = client.post(url, data).content.decode()
    assert "1 hội viên đang sinh hoạt tại Xã C cần được chuyển" in preview
    done = client.post(url, {**data, "step": "confirm"})
    assert done.status_code == 302 and done["Location"] == f"/hoi-vien/{c3.uid}/"
    assert Member.objects.get(pk=cuc.pk).unit_id == c3.pk  # the officers choose her new unit
