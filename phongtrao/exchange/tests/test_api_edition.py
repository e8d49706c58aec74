"""`edition=` on the Web API: `/api/analytics` on either structure, estimates flagged in
`metaData.estimates`, counterparts access-checked; `/api/organisationUnits` of one edition."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from phongtrao.accounts.models import Role
from phongtrao.accounts.services import membership_set
from phongtrao.actors import SYSTEM
from phongtrao.analytics.selectors import unit_totals
from phongtrao.catalog.models import Indicator
from phongtrao.data.services import datavalues_save, period_get
from phongtrao.demo.binh_phuoc import DemoLoadResult
from phongtrao.exchange.tests.conftest import API_PASSWORD, basic, read_stream
from phongtrao.orgs.models import Level, Unit

pytestmark = pytest.mark.django_db
URL = "/api/analytics"


def get(client, user, *dimensions, filters=(), **params):
    query = {"dimension": list(dimensions), "filter": list(filters), **params}
    return read_stream(client.get(URL, query, **basic(user)))


@pytest.fixture
def two_structures(small_tree_2025, indicators, api_people):
    """`small_tree_2025`, TT_DOT of 2023 on the old communes, and an officer of the new
    province."""
    for key, value in (("c1", 10), ("c2", 20), ("c3", 1000)):
        datavalues_save(
            actor=SYSTEM,
            unit=small_tree_2025[key],
            period=period_get("2023"),
            values={indicators["TT_DOT"]: Decimal(value)},
        )
    officer = get_user_model().objects.create_user("tinh_moi", password=API_PASSWORD)
    membership_set(
        actor=SYSTEM, user=officer, unit=small_tree_2025["new_province"], roles=(Role.VIEW,)
    )
    return {**small_tree_2025, "dx": indicators["TT_DOT"].uid}


def test_units_resolved_on_the_chosen_structure(client, two_structures):
    old, new = two_structures["province"], two_structures["new_province"]
    dx = two_structures["dx"]
    for edition in ("2025", "2025-07-01"):
        response = get(client, "tinh_moi", f"dx:{dx}", "pe:2023", f"ou:{new.uid}", edition=edition)
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["rows"] == [[dx, "2023", new.uid, "1030"]]
        assert body["metaData"]["edition"]["code"] == "2025"
        assert body["metaData"]["estimates"] == []  # the province holds all of Xã C
    # Without edition a unit named by uid is reported on its own structure.
    body = get(client, "tinh_moi", f"dx:{dx}", "pe:2023", f"ou:{new.uid}").json()
    assert body["rows"] == [[dx, "2023", new.uid, "1030"]] and "edition" not in body["metaData"]
    # A code means the unit of that structure.
    body = get(
        client,
        "tinh_moi",
        "dx:TT_DOT",
        "pe:2023",
        "ou:T-70",
        edition="2025",
        inputIdScheme="CODE",
        outputIdScheme="CODE",
    ).json()
    assert body["rows"] == [["TT_DOT", "2023", "T-70", "1030"]]
    assert body["metaData"]["items"]["T-70"]["uid"] == new.uid
    # The old province's officer asks the old province on the old structure: as before.
    body = get(client, "tinh", f"dx:{dx}", "pe:2023", f"ou:{old.uid}", edition="2008").json()
    assert body["rows"] == [[dx, "2023", old.uid, "1030"]]


def test_estimated_cells_are_listed(client, two_structures):
    new, north, south = (two_structures[k] for k in ("new_province", "north", "south"))
    dx = two_structures["dx"]
    # LEVEL-4 below the new province: its 2025 communes, their 2023 figures mapped.
    response = get(
        client, "tinh_moi", f"dx:{dx}", "pe:2023", f"ou:{new.uid};LEVEL-4", edition="2025"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert sorted(body["rows"]) == sorted(
        [[dx, "2023", north.uid, "730"], [dx, "2023", south.uid, "300"]]
    )
    assert body["metaData"]["estimates"] == sorted(
        [f"{dx}|2023|{north.uid}", f"{dx}|2023|{south.uid}"]
    )
    indicator = Indicator.objects.get(uid=dx)
    assert unit_totals(north, "2023", [indicator])[indicator.pk].estimated


def test_a_counterpart_is_seen_only_when_its_figures_all_come_from_the_subtree(
    client, two_structures
):
    old, new = two_structures["province"], two_structures["new_province"]
    dx = two_structures["dx"]
    # The old province's 2025 counterpart is the old province whole: every figure of it comes
    # from its officer's subtree, so the officer may read it (accounts.access.unit_may_view).
    response = get(client, "tinh", f"dx:{dx}", "pe:2023", f"ou:{old.uid}", edition="2025")
    assert response.status_code == 200, response.content
    assert get(client, "tinh", f"dx:{dx}", "pe:2023", edition="2025").status_code == 200
    # And the new province's officer reaches the old one, which lies wholly in the new one.
    response = get(client, "tinh_moi", f"dx:{dx}", "pe:2023", f"ou:{old.uid}", edition="2025")
    assert response.status_code == 200, response.content
    # The outsider of the old tree (Xã C) neither.
    assert get(client, "xa_ngoai", f"dx:{dx}", "pe:2023", edition="2025").status_code == 403
    assert (
        get(client, "xa_ngoai", f"dx:{dx}", "pe:2023", f"ou:{new.uid}", edition="2025").status_code
        == 403
    )


def test_a_bad_edition_is_a_clear_409(client, two_structures):
    dx = two_structures["dx"]
    for bad in ("1999", "2025-13-01", "hôm qua"):
        response = get(client, "tinh", f"dx:{dx}", "pe:2023", edition=bad)
        assert response.status_code == 409, bad
        assert "cơ cấu" in response.json()["message"] or "Ngày" in response.json()["message"]


def test_organisation_units_of_one_edition(client, two_structures):
    admin = get_user_model().objects.create_superuser("quantri_api", password=API_PASSWORD)
    assert admin
    url = "/api/organisationUnits"
    codes = {
        u["code"]
        for u in client.get(
            url, {"edition": "2025", "fields": "code", "paging": "false"}, **basic("quantri_api")
        ).json()["organisationUnits"]
    }
    assert codes == {"T-VN", "T-70", "T-N", "T-S"}
    body = client.get(
        url, {"edition": "2008-08-01", "fields": "code", "pageSize": 2}, **basic("quantri_api")
    ).json()
    assert body["pager"]["total"] == 7 and "edition=2008-08-01" in body["pager"]["nextPage"]
    # Only what the user may see: the new province's officer sees nothing of 2008.
    mine = client.get(url, {"edition": "2008", "paging": "false"}, **basic("tinh_moi")).json()
    assert mine["organisationUnits"] == []
    assert client.get(url, {"edition": "1999"}, **basic("tinh")).status_code == 409


# --- over the real reorganisation: the Bình Phước demo ---------------------------------------


@pytest.fixture(scope="module")
def demo(binh_phuoc_demo: DemoLoadResult) -> DemoLoadResult:
    """The units and the demo, loaded once per run (conftest.py)."""
    return binh_phuoc_demo


@pytest.mark.slow
def test_dong_nai_2025_for_2023_returns_binh_phuoc(demo, client):
    get_user_model().objects.create_superuser("quantri_demo_api", password=API_PASSWORD)
    members = Indicator.objects.get(code="HV_TONG")
    dong_nai = Unit.objects.get(edition__code="2025", code="75")
    binh_phuoc = Unit.objects.get(edition__code="2008", code="70")
    want = unit_totals(binh_phuoc, "2023", [members])[members.pk].value
    assert want > 0
    response = get(
        client,
        "quantri_demo_api",
        f"dx:{members.uid}",
        "pe:2023",
        f"ou:{dong_nai.uid}",
        edition="2025",
    )
    assert response.status_code == 200, response.content
    [[_, _, ou, value]] = response.json()["rows"]
    assert (ou, Decimal(value)) == (dong_nai.uid, want)
    # By code on the 2025 structure, too: "75" is the 2025 Đồng Nai there.
    body = get(
        client,
        "quantri_demo_api",
        "dx:HV_TONG",
        "pe:2023",
        "ou:75",
        edition="2025",
        inputIdScheme="CODE",
    ).json()
    assert Decimal(body["rows"][0][-1]) == want
    # An officer of an old Bình Phước commune: its 2025 commune lies outside their subtree.
    commune = Unit.objects.filter(path__startswith=binh_phuoc.path, level=Level.COMMUNE).first()
    assert commune is not None
    officer = get_user_model().objects.create_user("canbo_xa_cu", password=API_PASSWORD)
    membership_set(actor=SYSTEM, user=officer, unit=commune, roles=(Role.VIEW,))
    dx = f"dx:{members.uid}"
    assert get(client, "canbo_xa_cu", dx, "pe:2023", edition="2025").status_code == 403
    assert get(client, "canbo_xa_cu", dx, "pe:2023").status_code == 200
