"""Admission, leaving, transfer, duplicates, personal data: through the services."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from phongtrao.analytics.selectors import unit_totals
from phongtrao.catalog.models import Indicator
from phongtrao.data.models import DataValue, DataValueAudit
from phongtrao.data.services import datavalue_save, period_get
from phongtrao.members.choices import EventKind, Status
from phongtrao.members.figures import figures_compute, members_count, registry_keeps
from phongtrao.members.models import MemberEvent, MemberRead
from phongtrao.members.selectors import masked_phone, member_get, members_list
from phongtrao.members.services import (
    DuplicateMember,
    member_admit,
    member_erase,
    member_export,
    member_leave,
    member_transfer_request,
    transfer_accept,
    transfer_reject,
    uids_new,
)
from phongtrao.orgs.models import Level
from phongtrao.orgs.services import unit_create

from .conftest import SYSTEM, person

CONSENT = {"purpose": "Quản lý hội viên", "consent_on": dt.date(2023, 3, 8)}


def admit(actor, unit, data=None, **extra):
    return member_admit(actor=actor, unit=unit, data=data or person(), **CONSENT, **extra)


def value(code, unit, period="2023"):
    row = DataValue.objects.filter(indicator__code=code, unit=unit, period__code=period).first()
    return row.value if row else None


def test_admit_writes_history_and_registry_figures_that_roll_up(registry):
    member = admit(registry["officer_a"], registry["branch"])
    assert member.status == Status.ACTIVE and member.name_key == "nguyen thi hoa"
    assert [e.kind for e in member.events.all()] == [EventKind.ADMIT]
    assert member.events.get().actor_name == "canbo_xa_a"
    # Figures go on the commune union that keeps the registry, marked as from the registry.
    assert value("HV_TONG", registry["c1"]) == 1
    assert value("HV_KETNAP", registry["c1"]) == 1
    assert value("HV_TONG", registry["c1"], "2022") is None
    assert DataValueAudit.objects.filter(unit=registry["c1"], source="registry").exists()
    totals = unit_totals(
        registry["province"], "2023", list(Indicator.objects.filter(code="HV_TONG"))
    )
    assert next(iter(totals.values())).value == Decimal(1)


def test_leave_counts_in_giam_and_leaves_the_stock(registry):
    member = admit(registry["officer_a"], registry["c1"])
    member_leave(
        actor=registry["officer_a"], member=member, on=dt.date(2023, 9, 1), reason="Chuyển đi xa"
    )
    assert value("HV_TONG", registry["c1"]) == 0
    assert value("HV_GIAM", registry["c1"]) == 1
    assert value("HV_KETNAP", registry["c1"]) == 1
    assert members_count(registry["c1"], dt.date(2023, 8, 31)) == 1
    assert members_count(registry["c1"], dt.date(2023, 9, 1)) == 0
    with pytest.raises(ValidationError):
        member_leave(
            actor=registry["officer_a"], member=member, on=dt.date(2023, 10, 1), reason="x"
        )


def test_leave_needs_a_reason(registry):
    member = admit(registry["officer_a"], registry["c1"])
    with pytest.raises(ValidationError) as error:
        member_leave(actor=registry["officer_a"], member=member, on=dt.date(2023, 9, 1), reason=" ")
    assert "lý do" in str(error.value)


def test_duplicate_citizen_id_blocks_across_the_country(registry):
    admit(registry["officer_a"], registry["c1"], person(citizen_id="070185001234"))
    with pytest.raises(DuplicateMember) as error:
        admit(
            registry["officer_b"],
            registry["c2"],
            person("Trần Thị Lan", citizen_id="070185001234"),
        )
    assert error.value.blocking and "Xã A" in error.value.messages[0]


def test_namesake_with_same_birth_date_needs_confirmation(registry):
    admit(registry["officer_a"], registry["c1"])
    with pytest.raises(DuplicateMember) as error:
        admit(registry["officer_b"], registry["c2"], person("NGUYEN THI HOA"))
    assert not error.value.blocking
    second = admit(
        registry["officer_b"], registry["c2"], person("nguyen thi hoa"), allow_namesake=True
    )
    assert second.full_name == "Nguyen Thi Hoa"


def test_admit_refuses_bad_data_with_vietnamese_messages(registry):
    with pytest.raises(ValidationError) as error:
        admit(
            registry["officer_a"],
            registry["c1"],
            person(birth_date=dt.date(2010, 1, 1), phone="12345", citizen_id="12"),
        )
    messages = error.value.message_dict
    assert "18 tuổi" in messages["birth_date"][0]
    assert "10 chữ số" in messages["phone"][0]
    assert "12 chữ số" in messages["citizen_id"][0]
    assert value("HV_TONG", registry["c1"]) is None


def test_admit_outside_own_subtree_is_refused(registry):
    with pytest.raises(PermissionDenied):
        admit(registry["outsider"], registry["c1"])
    with pytest.raises(PermissionDenied):
        admit(registry["district"], registry["c1"])  # above the commune: aggregates only


def test_transfer_waits_for_the_receiving_unit(registry):
    member = admit(registry["officer_a"], registry["c1"])
    transfer = member_transfer_request(
        actor=registry["officer_a"], member=member, to_unit=registry["c2"], on=dt.date(2023, 10, 2)
    )
    with pytest.raises(PermissionDenied):
        transfer_accept(actor=registry["officer_a"], transfer=transfer)
    assert value("HV_TONG", registry["c1"]) == 1
    moved = transfer_accept(actor=registry["officer_b"], transfer=transfer)
    assert moved.unit == registry["c2"]
    for unit, stock, joined, left in ((registry["c1"], 0, 1, 1), (registry["c2"], 1, 1, 0)):
        assert value("HV_TONG", unit) == stock
        assert value("HV_KETNAP", unit) == joined
        assert value("HV_GIAM", unit) == left
    # The past stays where it was: on 1/10 she was in Xã A.
    assert members_count(registry["c1"], dt.date(2023, 10, 1)) == 1
    assert members_count(registry["c2"], dt.date(2023, 10, 1)) == 0


def test_rejected_transfer_keeps_the_member(registry):
    member = admit(registry["officer_a"], registry["c1"])
    transfer = member_transfer_request(
        actor=registry["officer_a"], member=member, to_unit=registry["c2"], on=dt.date(2023, 10, 2)
    )
    transfer_reject(actor=registry["officer_b"], transfer=transfer, reason="Không cư trú tại xã")
    member.refresh_from_db()
    assert member.unit == registry["c1"]
    assert EventKind.TRANSFER_REJECT in set(member.events.values_list("kind", flat=True))


def test_transfer_finds_a_duplicate_already_in_the_receiving_unit(registry):
    member = admit(registry["officer_a"], registry["c1"])
    admit(registry["officer_b"], registry["c2"], allow_namesake=True)
    transfer = member_transfer_request(
        actor=registry["officer_a"], member=member, to_unit=registry["c2"], on=dt.date(2023, 10, 2)
    )
    with pytest.raises(DuplicateMember):
        transfer_accept(actor=registry["officer_b"], transfer=transfer)


def test_hand_entry_refused_for_registry_units_only(registry, indicators):
    period = period_get("2023")
    with pytest.raises(ValidationError) as error:
        datavalue_save(
            actor=SYSTEM,
            indicator=indicators["HV_TONG"],
            unit=registry["c1"],
            period=period,
            value=Decimal(5),
        )
    assert "sổ hội viên" in str(error.value)
    # A chi hội in a registry's book: its members are counted there, not typed in again.
    with pytest.raises(ValidationError, match="sổ hội viên"):
        datavalue_save(
            actor=SYSTEM,
            indicator=indicators["HV_KETNAP"],
            unit=registry["branch"],
            period=period_get("202303"),
            value=Decimal(2),
        )
    branch_c3 = unit_create(
        edition=registry["c3"].edition,
        code="T-70201-1",
        name="Chi hội Ấp 3",
        level=Level.BRANCH,
        parent=registry["c3"],
    )
    for unit in (registry["c3"], branch_c3):
        saved = datavalue_save(
            actor=SYSTEM,
            indicator=indicators["HV_TONG"],
            unit=unit,
            period=period,
            value=Decimal(5),
        )
        assert saved is not None and saved.value == 5


def test_records_visible_only_in_subtree_and_every_read_logged(registry):
    member = admit(registry["officer_a"], registry["branch"], person(phone="0912345678"))
    assert list(members_list(actor=registry["officer_a"], unit=registry["c1"])) == [member]
    with pytest.raises(Http404):
        member_get(actor=registry["outsider"], uid=member.uid, purpose="xem")
    with pytest.raises(Http404):
        member_get(actor=registry["district"], uid=member.uid, purpose="xem")
    with pytest.raises(PermissionDenied):
        members_list(actor=registry["district"], unit=registry["d1"])
    member_get(actor=registry["officer_a"], uid=member.uid, purpose="Cấp thẻ")
    read = MemberRead.objects.get()
    assert (read.username, read.purpose) == ("canbo_xa_a", "Cấp thẻ")
    assert masked_phone(member) == "•••••••678"


def test_search_forgives_missing_diacritics(registry):
    member = admit(registry["officer_a"], registry["c1"], person("Lê Thị Ánh Tuyết"))
    admit(
        registry["officer_a"],
        registry["c1"],
        person("Phạm Thị Đào", birth_date=dt.date(1990, 1, 1)),
    )
    for query in ("tuyet", "anh tuyet", "LE THI", "Ánh"):
        assert list(
            members_list(actor=registry["officer_a"], unit=registry["c1"], query=query)
        ) == [member]
    assert members_list(actor=registry["officer_a"], unit=registry["c1"], query="dao").count() == 1


def test_export_on_request_holds_history_and_reads(registry):
    member = admit(registry["officer_a"], registry["c1"])
    export = member_export(actor=registry["officer_a"], member=member, purpose="Hội viên yêu cầu")
    assert export["hoVaTen"] == "Nguyễn Thị Hoa"
    assert export["lichSu"][0]["suKien"] == "Kết nạp"
    assert MemberEvent.objects.filter(kind=EventKind.EXPORT).count() == 1


def test_erase_removes_personal_data_and_keeps_the_counts(registry):
    member = admit(registry["officer_a"], registry["c1"], person(citizen_id="070185001234"))
    member = member_erase(actor=registry["officer_a"], member=member, reason="Đơn ngày 01/02/2024")
    assert member.erased and member.citizen_id == "" and "Hoa" not in member.full_name
    assert figures_compute(registry["c1"], period_get("2023"))["HV_TONG"] == 1
    # The citizen ID is free again.
    admit(registry["officer_b"], registry["c2"], person("Trần Thị Lan", citizen_id="070185001234"))


def test_registry_keeps_says_where_figures_come_from(registry):
    assert registry_keeps(registry["c1"]) and registry_keeps(registry["branch"])
    assert registry_keeps(registry["d1"])  # both its communes keep one
    assert not registry_keeps(registry["c3"]) and not registry_keeps(registry["province"])


def test_system_actor_admits_anywhere(registry):
    member = admit(SYSTEM, registry["c2"])
    assert member.events.get().actor_name == "hệ thống (kiểm thử)"


def test_search_finds_full_names_typed_without_diacritics_through_the_name_index(registry):
    lan = admit(registry["officer_a"], registry["c1"], person("Nguyễn Thị Lan"))
    lanh = admit(
        registry["officer_a"], registry["c1"], person("Trần Thị Lành", card_number="HV-0012")
    )
    officer = registry["officer_a"]
    found = members_list(actor=officer, unit=registry["c1"], query="nguyen thi lan")
    assert list(found) == [lan]
    assert list(members_list(actor=officer, unit=registry["c1"], query="LANH")) == [lanh]
    assert members_list(actor=officer, unit=registry["c1"], query="guyen").count() == 0
    assert members_list(actor=officer, unit=registry["c1"], query="HV-0012").count() == 1
    member_erase(actor=officer, member=lan, reason="Đơn ngày 01/02/2024")
    assert members_list(actor=officer, unit=registry["c1"], query="nguyen thi lan").count() == 0


DHIS2_UID = re.compile(r"[A-Za-z][A-Za-z0-9]{10}")


def test_new_uids_are_the_hour_then_a_run(registry):
    """A uid is the hour it was made in, then a run counting up from a random start: valid
    for DHIS2's clients, each run in order, a later hour's after every earlier hour's (also
    where the hour's first letter turns), so a member written lands beside the last one in
    the uid's index rather than anywhere in it."""
    epoch = dt.datetime(2020, 1, 1, tzinfo=dt.UTC).timestamp()
    turn = epoch + 3600 * 36**3  # the first hour whose uids begin with "b"
    hours = [turn - 7200, turn - 3600, turn, turn + 1800, turn + 3600, turn + 86400 * 365]
    made = [uids_new(150, now=hour) for hour in hours]
    for run in made:
        assert all(DHIS2_UID.fullmatch(uid) for uid in run)
        assert run == sorted(run) and len(set(run)) == len(run)
        assert {uid[:4] for uid in run} == {run[0][:4]}
    assert [run[0][:4] for run in made] == ["azzy", "azzz", "b000", "b000", "b001", "b6rc"]
    assert [uid for run in made[:3] for uid in run] == sorted(u for run in made[:3] for u in run)
    assert max(made[2] + made[3]) < min(made[4])
    assert made[2][0][4:] != made[3][0][4:]  # a random start for each run

    # An admitted member's uid is one of them, made in this hour.
    before = uids_new(1)[0][:4]
    member = admit(registry["officer_a"], registry["branch"])
    assert DHIS2_UID.fullmatch(member.uid) and member.uid[:4] in {before, uids_new(1)[0][:4]}
