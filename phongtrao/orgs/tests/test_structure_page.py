"""The other structure without dead ends: "Cơ cấu từ 01/7/2025" leads an officer to their
unit's counterpart when its figures all come from their subtree, else to the page of what
became of their units; they see, never change, the new units made wholly of theirs."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from phongtrao.accounts.access import unit_may_change, unit_may_view, units_viewable
from phongtrao.accounts.models import Role
from phongtrao.accounts.services import membership_set
from phongtrao.actors import SYSTEM
from phongtrao.data.services import datavalues_save, period_get

pytestmark = pytest.mark.django_db


def _officer(username, unit, roles):
    user = get_user_model().objects.create_user(username, password="x")
    membership_set(actor=SYSTEM, user=user, unit=unit, roles=roles)
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def district_officer(small_tree_2025):
    """Huyện Hai (Xã C: 70% into Xã Bắc with Huyện Một's communes, 30% into Xã Nam alone)."""
    return _officer("huyen_hai", small_tree_2025["d2"], {Role.VIEW, Role.ENTER})


def test_a_new_unit_made_wholly_of_the_subtree_is_seen_not_changed(
    small_tree_2025, district_officer
):
    tree = small_tree_2025

    assert unit_may_view(district_officer, tree["south"])  # only Xã C's 30%
    assert not unit_may_change(district_officer, tree["south"])
    assert not unit_may_view(district_officer, tree["north"])  # Huyện Một's communes too
    assert not unit_may_view(district_officer, tree["new_province"])
    assert units_viewable(district_officer, [tree["south"], tree["north"], tree["c3"]]) == {
        tree["south"].pk,
        tree["c3"].pk,
    }


def test_the_dashboards_choice_leads_to_the_reorganisation_page(
    client, small_tree_2025, district_officer, indicators
):
    d2 = small_tree_2025["d2"]
    datavalues_save(
        actor=SYSTEM,
        unit=small_tree_2025["c3"],
        period=period_get("2023"),
        values={indicators["TT_DOT"]: Decimal(1000)},
    )
    client.force_login(district_officer)

    response = client.get(f"/nhap-lieu/tong-quan/{d2.uid}/2023/?edition=2025")

    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "Hội LHPN huyện Huyện Hai" in html or "Huyện Hai" in html
    south, north = small_tree_2025["south"], small_tree_2025["north"]
    assert f'href="/nhap-lieu/tong-quan/{south.uid}/2023/">Xã Nam</a>' in html
    assert "Xã Bắc <span" in html and f"/nhap-lieu/tong-quan/{north.uid}/" not in html
    assert "30%" in html and "70%" in html and "01/07/2025" in html
    assert client.get(f"/nhap-lieu/tong-quan/{south.uid}/2023/").status_code == 200
    assert client.get(f"/nhap-lieu/tong-quan/{north.uid}/2023/").status_code == 404
    report = client.get(f"/bao-cao/{south.uid}/2023/")
    assert report.status_code == 200 and "300*" in report.content.decode()


def test_a_counterpart_wholly_of_the_subtree_opens_at_once(client, small_tree_2025):
    province = small_tree_2025["province"]
    officer = _officer("tinh_thu", province, {Role.VIEW, Role.APPROVE})
    client.force_login(officer)

    response = client.get(f"/nhap-lieu/tong-quan/{province.uid}/2023/?edition=2025")

    new = small_tree_2025["new_province"]
    assert response["Location"] == f"/nhap-lieu/tong-quan/{new.uid}/2023/"
    assert client.get(response["Location"]).status_code == 200
    back = client.get(f"/nhap-lieu/tong-quan/{new.uid}/2023/?edition=2008")
    assert back["Location"] == f"/nhap-lieu/tong-quan/{province.uid}/2023/"


def test_the_page_goes_backwards_from_the_new_structure(client, small_tree_2025):
    new = small_tree_2025["new_province"]
    officer = _officer("tinh_moi", new, {Role.VIEW})
    client.force_login(officer)

    html = client.get(f"/to-chuc/{new.uid}/co-cau/2008/?ky=2026&xem=bao-cao").content.decode()

    assert "Đơn vị trước sắp xếp" in html
    c1 = small_tree_2025["c1"]
    assert f'href="/bao-cao/{c1.uid}/2026/">Xã A</a>' in html


def test_the_page_is_refused_outside_the_subtree_and_bounded_in_queries(
    client, small_tree_2025, district_officer
):
    outsider = _officer("xa_a", small_tree_2025["c1"], {Role.VIEW})
    d2 = small_tree_2025["d2"]
    client.force_login(outsider)
    assert client.get(f"/to-chuc/{d2.uid}/co-cau/2025/").status_code == 404
    assert client.get(f"/to-chuc/{small_tree_2025['c1'].uid}/co-cau/1999/").status_code == 404
    client.force_login(district_officer)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/to-chuc/{d2.uid}/co-cau/2025/?ky=xyz").status_code == 200
    # Savepoints, the visit counters and the session's update are about 9 of them on SQLite.
    reads = [q for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    assert len(reads) <= 16, "\n".join(q["sql"][:150] for q in reads)


@pytest.mark.slow
@pytest.mark.one_engine
@pytest.mark.parametrize("username", ["canbo_tinh", "canbo_huyen", "canbo_xa", "canbo_xa2"])
def test_every_demo_officer_reaches_the_2025_structure(binh_phuoc_demo, client, username):
    from phongtrao.demo.services import demo_users_ensure

    demo_users_ensure()
    user = get_user_model().objects.get(username=username)
    client.force_login(user)
    unit = user.membership.unit
    followed: set[str] = set()  # each link once: a page links a unit from several places

    for page in (f"/nhap-lieu/tong-quan/{unit.uid}/2023/", f"/bao-cao/{unit.uid}/2023/"):
        response = client.get(page + "?edition=2025", follow=True)

        assert response.status_code == 200, page
        html = response.content.decode()
        assert "Cơ cấu từ 01/7/2025" in html or "cơ cấu từ 01/7/2025" in html
        links = [u for u in _links(html) if u.startswith(("/nhap-lieu/tong-quan/", "/bao-cao/"))]
        for url in links:
            if url not in followed:
                followed.add(url)
                assert client.get(url).status_code in (200, 302), url


def _links(html):
    import re

    return re.findall(r'href="(/[^"]+/2023/)"', html)
