"""The unit pickers' server search (/nhap-lieu/don-vi/): a central officer who sees the
whole country's communes finds one typed without diacritics, best first, a page at a time;
a commune officer finds only her own. On the national units (the shared demo fixture)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from phongtrao.accounts.models import Role
from phongtrao.accounts.services import membership_set
from phongtrao.actors import SYSTEM
from phongtrao.orgs.models import Level, Unit
from phongtrao.orgs.selectors import unit_resolve

pytestmark = pytest.mark.django_db

URL = "/nhap-lieu/don-vi/"
OLD = dt.date(2023, 12, 31)


def _officer(username, unit):
    user = get_user_model().objects.create_user(username, password="mat-khau-dai-123")
    membership_set(actor=SYSTEM, user=user, unit=unit, roles={Role.VIEW, Role.ENTER})
    return user


@pytest.fixture
def central(binh_phuoc_demo):
    centre = Unit.objects.get(level=Level.CENTRAL, edition__code="2008")
    return _officer("trung_uong", centre)


def _find(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200
    return response.json()


def test_a_central_officer_finds_a_commune_typed_without_diacritics(client, central):
    client.force_login(central)
    # The page lists 500 communes of the 10,000 and hands the search to the server.
    home = client.get("/nhap-lieu/").content.decode()
    assert f'data-pick-url="{URL}" data-pick-level="3"' in home
    found = [_find(client, q=q, cap=3) for q in ("loc thai", "LỘC THÁI", "Loc   Thai")]
    first = found[0]["results"][0]
    loc_thai = unit_resolve("25297", OLD)
    assert (first["uid"], first["name"]) == (loc_thai.uid, "Xã Lộc Thái")
    assert first["detail"] == "Huyện Lộc Ninh · đến 30/06/2025"
    assert [r["uid"] for r in found[1]["results"]] == [r["uid"] for r in found[0]["results"]]
    assert [r["uid"] for r in found[2]["results"]] == [r["uid"] for r in found[0]["results"]]
    # Every result holds both words at a word's start; the name itself ranks first.
    for result in found[0]["results"]:
        assert "Lộc" in result["name"] and "Thái" in result["name"]


def test_results_come_a_page_at_a_time_in_bounded_queries(client, central):
    client.force_login(central)
    with CaptureQueriesContext(connection) as queries:
        first = _find(client, q="xa an", cap=3)
    # session, user, membership, count, page, the sliding session saved: not one per unit
    assert len(queries) <= 10
    assert first["count"] > 20 and first["pages"] == -(-first["count"] // 20)
    second = _find(client, q="xa an", cap=3, trang=2)
    assert second["page"] == 2
    assert not {r["uid"] for r in first["results"]} & {r["uid"] for r in second["results"]}
    assert _find(client, q="", cap=3)["count"] == 0
    assert _find(client, q="x" * 5000, trang="abc")["count"] == 0  # bounded, no error


def test_a_commune_officer_finds_only_her_own(client, binh_phuoc_demo):
    loc_thai = unit_resolve("25297", OLD)
    client.force_login(_officer("xa_loc_thai", loc_thai))
    assert [r["uid"] for r in _find(client, q="loc thai")["results"]] == [loc_thai.uid]
    assert _find(client, q="loc ninh")["count"] == 0
    assert _find(client, q="25297")["results"][0]["uid"] == loc_thai.uid
    assert client.get(URL, {"q": "loc"}).status_code == 200
    client.logout()
    assert client.get(URL, {"q": "loc"}).status_code == 302  # to the sign-in page
