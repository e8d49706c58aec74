"""The dashboard on either structure: `?edition=`, units below mapped set-wise, estimates "*".

First a small history (a province of the pre-2025 structure and its 2025 successor, one
commune split 70/30), then the Bình Phước demo over the real 2025 reorganisation (loaded once
for the module, inside a transaction rolled back at its end).
"""

from __future__ import annotations

import json
import os
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from playwright.sync_api import expect

from phongtrao.accounts.models import Role
from phongtrao.accounts.services import membership_set
from phongtrao.actors import SYSTEM
from phongtrao.analytics.dashboard import (
    dashboard_key_figures,
    dashboard_trend,
    dashboard_units_below,
)
from phongtrao.analytics.selectors import unit_totals
from phongtrao.catalog.models import Indicator
from phongtrao.data.services import datavalues_save, period_get
from phongtrao.demo.binh_phuoc import DemoLoadResult
from phongtrao.orgs.mapping import mapping_rebuild
from phongtrao.orgs.models import Level, Succession, SuccessionKind, Unit
from phongtrao.orgs.services import unit_create
from phongtrao.reports.builder import ESTIMATE_NOTE
from phongtrao.tests.browser import sign_in

pytestmark = pytest.mark.django_db


def _url(unit: Unit, period: str = "2023", query: str = "") -> str:
    return f"/nhap-lieu/tong-quan/{unit.uid}/{period}/{query}"


def _enter(unit: Unit, period: str, **values: int) -> None:
    by_code = Indicator.objects.in_bulk(list(values), field_name="code")
    datavalues_save(
        actor=SYSTEM,
        unit=unit,
        period=period_get(period),
        values={by_code[c]: Decimal(v) for c, v in values.items()},
    )


def _succeed(old: Unit, new: Unit, weight: str) -> None:
    Succession.objects.create(
        predecessor=old,
        successor=new,
        kind=SuccessionKind.SPLIT if weight != "1" else SuccessionKind.MERGE,
        weight=Decimal(weight),
        effective=new.edition.valid_from,
    )


@pytest.fixture
def two_structures(small_tree_2025):
    """`small_tree_2025`, with 2023 figures on the old communes (and one of 2022)."""
    tree = small_tree_2025
    _enter(tree["c1"], "2023", HV_TONG=1200, HV_KETNAP=150, HV_GIAM=20, TT_DOT=10)
    _enter(tree["c2"], "2023", HV_TONG=800, HV_KETNAP=60, HV_GIAM=10, TT_DOT=20)
    _enter(tree["c3"], "2023", HV_TONG=1000, HV_KETNAP=90, HV_GIAM=30, TT_DOT=1000)
    _enter(tree["c1"], "2022", HV_TONG=1100)
    return tree


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("quantri_test", password="x")


def test_units_below_on_the_new_structure_take_the_old_communes_figures(two_structures):
    province = two_structures["new_province"]
    by_code = Indicator.objects.in_bulk(["HV_TONG", "HV_PTM", "TT_DOT"], field_name="code")
    below = {f.unit.code: f for f in dashboard_units_below(province, "2023", by_code["TT_DOT"])}
    # Xã Bắc: 10 + 20 + 70% of 1.000; Xã Nam: 30% of 1.000; both estimates (a split commune).
    assert (below["T-N"].value, below["T-N"].estimated) == (Decimal(730), True)
    assert (below["T-S"].value, below["T-S"].estimated) == (Decimal(300), True)
    # Every bar is the unit's own total on that structure, estimate flag included.
    for indicator in by_code.values():
        for figure in dashboard_units_below(province, "2023", indicator):
            total = unit_totals(figure.unit, "2023", [indicator])[indicator.pk]
            assert (figure.value, figure.count, figure.estimated) == (
                total.value,
                total.count,
                total.estimated,
            ), (indicator.code, figure.unit.code)
    # The province holds all of Xã C: exact again.
    [row] = [r for r in dashboard_key_figures(province, "2023") if r.indicator.code == "HV_TONG"]
    assert (row.value, row.estimated, row.last_year, row.last_year_estimated) == (
        Decimal(3000),
        False,
        Decimal(1100),
        False,
    )


def test_the_old_structure_gets_new_figures_back_as_estimates(two_structures):
    _enter(two_structures["north"], "2026", TT_DOT=270)
    _enter(two_structures["south"], "2026", TT_DOT=50)
    old = two_structures["province"]
    indicator = Indicator.objects.get(code="TT_DOT")
    below = {f.unit.code: f for f in dashboard_units_below(old, "2026", indicator)}
    assert set(below) == {"T-701", "T-702"}  # the districts of the old province's last day
    for figure in below.values():
        total = unit_totals(figure.unit, "2026", [indicator])[indicator.pk]
        assert (figure.value, figure.estimated) == (total.value, total.estimated)
    # Xã Bắc's 270 back to its sources by 1 : 1 : 0,7; Xã Nam's 50 all to Xã C.
    assert below["T-701"].value == Decimal(200) and below["T-701"].estimated
    assert below["T-702"].value == Decimal(120) and below["T-702"].estimated
    trend = dashboard_trend(old, "2026", indicator)
    assert [p.period.code for p in trend] == ["2022", "2023", "2024", "2025", "2026"]
    assert trend[-1].value == Decimal(320) and not trend[-1].estimated  # the whole province


def test_the_page_offers_the_structures_and_marks_estimates(client, superuser, two_structures):
    client.force_login(superuser)
    old, new = two_structures["province"], two_structures["new_province"]
    page = client.get(_url(old)).content.decode()
    assert 'name="edition"' in page and "Cơ cấu từ 01/7/2025" in page
    assert ESTIMATE_NOTE not in page  # all entered on this structure
    for choice in ("2025", "2025-07-01", "2026-01-31"):
        response = client.get(_url(old, query=f"?edition={choice}&chi_tieu=TT_DOT"))
        assert response.status_code == 302, choice
        assert response["Location"] == _url(new, query="?chi_tieu=TT_DOT")
    html = client.get(_url(new, query="?chi_tieu=TT_DOT")).content.decode()
    selected = html[html.index('id="dashboard-edition"') :]
    assert selected.index('value="2025" selected') < selected.index("</select>")
    table = html[html.index('id="h-below"') : html.index('id="h-trend"')]
    assert "730 đợt*" in table and "300 đợt*" in table
    assert ESTIMATE_NOTE in html and "quy đổi theo quan hệ kế thừa" in html
    charts = json.loads(html.split('id="dashboard-data" type="application/json">')[1].split("<")[0])
    assert dict(zip(charts["below"]["labels"], charts["below"]["estimated"], strict=True)) == {
        "Xã Bắc*": True,
        "Xã Nam*": True,
    }
    assert "3.000 người" in html  # the province's members: exact, no mark
    for bad in ("1999", "2025-02-30", "abc"):
        assert client.get(_url(old, query=f"?edition={bad}")).status_code == 404, bad


def test_the_other_structure_needs_access_too(client, two_structures):
    officer = get_user_model().objects.create_user("canbo_huyen_test", password="x")
    membership_set(actor=SYSTEM, user=officer, unit=two_structures["d2"], roles=[Role.VIEW])
    client.force_login(officer)
    d2 = two_structures["d2"]
    assert client.get(_url(d2)).status_code == 200
    assert client.get(_url(d2, query="?edition=2008")).status_code == 200
    # Huyện Hai's 2025 counterpart is the new province, made of Huyện Một's communes too:
    # not shown; the page of what became of Huyện Hai's communes instead.
    response = client.get(_url(d2, query="?edition=2025"))
    assert response["Location"] == f"/to-chuc/{d2.uid}/co-cau/2025/?ky=2023&xem=tong-quan"
    assert client.get(_url(two_structures["new_province"])).status_code == 404


def test_queries_do_not_grow_with_units_across_structures(client, superuser, two_structures):
    new = two_structures["new_province"]
    client.force_login(superuser)
    url = _url(new, query="?chi_tieu=HV_PTM")
    client.get(url)  # warm the session and the period rows

    def count() -> int:
        cache.clear()  # the figures read, not the dashboard cache's copy of them
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    before = count()
    old_edition, new_edition = two_structures["d1"].edition, new.edition
    for d in range(2):
        district = unit_create(
            edition=old_edition,
            code=f"T-79{d}",
            name=f"Huyện Cũ {d}",
            level=Level.DISTRICT,
            parent=two_structures["province"],
        )
        commune = unit_create(
            edition=new_edition,
            code=f"T-M{d}",
            name=f"Xã Mới {d}",
            level=Level.COMMUNE,
            parent=new,
        )
        for c in range(3):
            old_commune = unit_create(
                edition=old_edition,
                code=f"T-79{d}0{c}",
                name=f"Xã Cũ {d}{c}",
                level=Level.COMMUNE,
                parent=district,
            )
            # One old commune of each district split between the new commune and Xã Nam.
            _succeed(old_commune, commune, "0.5" if c == 0 else "1")
            if c == 0:
                _succeed(old_commune, two_structures["south"], "0.5")
            _enter(old_commune, "2023", HV_KETNAP=10 + c, HV_GIAM=1)
            _enter(old_commune, "2022", HV_KETNAP=9)
    mapping_rebuild()
    assert len(dashboard_units_below(new, "2023", Indicator.objects.get(code="HV_PTM"))) == 4
    assert count() == before


PASSWORD = "mat-khau-dai-123"
# The page's size for the shared `browser_page` fixture (conftest.py).
BROWSER_VIEWPORT = {"width": 1000, "height": 800}


@pytest.fixture
def web_admin(db):
    """Made before the browser starts (a query made while Playwright's loop runs would get a
    connection of its own that outlives the test)."""
    return get_user_model().objects.create_superuser("quantri_web", password=PASSWORD)


# As the report page's browser test: on PostgreSQL the serialized rollback collides with the
# content types post_migrate recreated, so this runs on SQLite.
@pytest.mark.sqlite_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_officer_switches_the_dashboard_to_the_2025_structure(
    two_structures, web_admin, live_server, browser_page
):
    old, new = two_structures["province"].uid, two_structures["new_province"].uid
    page, base = browser_page, live_server.url
    sign_in(page, base, "quantri_web", PASSWORD)
    page.goto(f"{base}/nhap-lieu/tong-quan/{old}/2023/?chi_tieu=TT_DOT")
    page.get_by_label("Cơ cấu tổ chức").select_option("2025")
    page.get_by_role("button", name="Xem theo cơ cấu này").click()
    page.wait_for_url(f"{base}/nhap-lieu/tong-quan/{new}/2023/?chi_tieu=TT_DOT")
    assert page.get_by_label("Cơ cấu tổ chức").input_value() == "2025"
    expect(page.locator("#estimate-note")).to_be_visible()
    # The bar chart: labels marked, and the tooltip says the figure is an estimate.
    labels, tooltip = page.evaluate(
        """() => {
          const chart = window.Chart.getChart("chart-below");
          const label = chart.options.plugins.tooltip.callbacks.label;
          return [chart.data.labels,
                  label({parsed: {x: 730, y: 0}, chart: chart, dataIndex: 0})];
        }"""
    )
    assert labels == ["Xã Bắc*", "Xã Nam*"]
    assert tooltip == "730* (ước tính)"
    if os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(
            path=os.path.join(os.environ["SCREENSHOT_DIR"], "dashboard-edition.png"),
            full_page=True,
        )


# --- over the real reorganisation: the Bình Phước demo ---------------------------------------


@pytest.fixture(scope="module")
def demo(binh_phuoc_demo: DemoLoadResult) -> DemoLoadResult:
    """The units and the demo, loaded once per run (conftest.py)."""
    return binh_phuoc_demo


def _unit(edition: str, code: str) -> Unit:
    return Unit.objects.select_related("edition").get(edition__code=edition, code=code)


@pytest.mark.slow
def test_dong_nai_2025_for_2023_holds_binh_phuoc(demo, client):
    members = Indicator.objects.get(code="HV_TONG")
    dong_nai = _unit("2025", "75")
    binh_phuoc, dong_nai_old = _unit("2008", "70"), _unit("2008", "75")
    expected = sum(
        (unit_totals(u, "2023", [members])[members.pk].value for u in (binh_phuoc, dong_nai_old)),
        Decimal(0),
    )
    assert expected > 0
    [row] = [r for r in dashboard_key_figures(dong_nai, "2023") if r.indicator == members]
    assert (row.value, row.estimated) == (expected, False)

    below = dashboard_units_below(dong_nai, "2023", members)
    assert len(below) == 95  # the 2025 communes of Đồng Nai
    old_communes = Unit.objects.filter(path__startswith=binh_phuoc.path, level=Level.COMMUNE)
    successions = Succession.objects.filter(predecessor__in=old_communes)
    by_new: dict[int, list[Succession]] = {}
    for succession in successions.select_related("predecessor"):
        by_new.setdefault(succession.successor_id, []).append(succession)
    assert len(by_new) == 40
    for figure in below:
        if figure.unit.pk not in by_new:
            assert figure.count == 0  # from old Đồng Nai: no data in the demo
            continue
        want = sum(
            (
                unit_totals(s.predecessor, "2023", [members])[members.pk].value * s.weight
                for s in by_new[figure.unit.pk]
            ),
            Decimal(0),
        )
        assert (figure.value, figure.estimated) == (want, False), figure.unit.name
    assert sum((f.value for f in below), Decimal(0)) == expected

    admin = get_user_model().objects.create_superuser("quantri_demo_test", password="x")
    client.force_login(admin)
    response = client.get(_url(binh_phuoc, query="?edition=2025&chi_tieu=HV_TONG"))
    assert response["Location"] == _url(dong_nai, query="?chi_tieu=HV_TONG")
    html = client.get(response["Location"]).content.decode()
    from phongtrao.vn import format_number

    assert f"{format_number(expected)} người" in html
    assert "Xã Lộc Ninh" in html and "quy đổi theo quan hệ kế thừa" in html
