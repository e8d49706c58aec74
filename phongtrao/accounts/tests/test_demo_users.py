from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.test import RequestFactory

from phongtrao.accounts.access import unit_may_approve, unit_may_change, unit_may_view
from phongtrao.demo.services import demo_users_ensure
from phongtrao.orgs.models import Unit


@pytest.mark.slow
@pytest.mark.django_db
def test_demo_officers_sit_in_their_units(binh_phuoc_demo, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "mat-khau-thu")
    listed = demo_users_ensure()
    assert [name for name, _, _ in listed] == [
        "canbo_tinh",
        "canbo_huyen",
        "canbo_xa",
        "canbo_xa2",
        "canbo_dongnai",
        "canbo_xa_moi",
    ]
    assert listed[2][1] == "Hội LHPN xã Lộc Thái"
    request = RequestFactory().post("/dang-nhap/")
    users = {
        name: authenticate(request, username=name, password="mat-khau-thu") for name, _, _ in listed
    }
    assert all(users.values())
    loc_thai = Unit.objects.get(code="25297", edition__code="2008")
    assert unit_may_change(users["canbo_xa"], loc_thai)
    assert not unit_may_view(users["canbo_xa2"], loc_thai)
    assert unit_may_approve(users["canbo_huyen"], loc_thai)
    assert unit_may_approve(users["canbo_tinh"], loc_thai)
    assert not unit_may_change(users["canbo_huyen"], loc_thai)
    assert users["canbo_xa2"].membership.unit.parent != loc_thai.parent
    # On the 2025 structure: the province enters, approves and restructures; the commune
    # that took Lộc Thái enters.
    dong_nai = users["canbo_dongnai"].membership
    new_commune = users["canbo_xa_moi"].membership.unit
    assert dong_nai.unit.edition.code == "2025" and new_commune.parent_id == dong_nai.unit.pk
    assert dong_nai.may_enter and dong_nai.may_approve and dong_nai.may_administer
    assert unit_may_change(users["canbo_xa_moi"], new_commune)
    assert unit_may_approve(users["canbo_dongnai"], new_commune)
    assert demo_users_ensure() == listed  # idempotent
