"""The dashboard: key figures against target and last year, the units below, the trend."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from phongtrao.actors import SYSTEM
from phongtrao.analytics.dashboard import dashboard_units_below
from phongtrao.analytics.selectors import unit_totals
from phongtrao.catalog.models import Indicator
from phongtrao.data.services import datavalues_save, period_get, target_set
from phongtrao.orgs.models import Level
from phongtrao.orgs.services import unit_create

pytestmark = pytest.mark.django_db


def _url(unit, period="2023", indicator=""):
    query = f"?chi_tieu={indicator}" if indicator else ""
    return f"/nhap-lieu/tong-quan/{unit.uid}/{period}/{query}"


def _enter(unit, period, **values):
    by_code = Indicator.objects.in_bulk(list(values), field_name="code")
    datavalues_save(
        actor=SYSTEM,
        unit=unit,
        period=period_get(period),
        values={by_code[c]: Decimal(v) for c, v in values.items()},
    )


@pytest.fixture
def figures(small_tree):
    _enter(
        small_tree["c1"], "2023", HV_TONG=1200, HV_KETNAP=150, HV_GIAM=20, VAY_DUNO=4_236_500_000
    )
    _enter(small_tree["c2"], "2023", HV_TONG=800, HV_KETNAP=60, HV_GIAM=10)
    _enter(small_tree["c3"], "2023", HV_TONG=1633, HV_KETNAP=90, HV_GIAM=30)
    _enter(small_tree["c1"], "2022", HV_TONG=1000, HV_KETNAP=100, HV_GIAM=10)
    _enter(small_tree["c3"], "2019", HV_TONG=1500)
    target_set(
        actor=SYSTEM,
        indicator=Indicator.objects.get(code="HV_PTM"),
        unit=small_tree["province"],
        period=period_get("2023"),
        value=Decimal(120),
    )
    return small_tree


def test_province_sees_key_figures_units_below_and_trend(client, people, figures):
    province = figures["province"]
    client.force_login(people["tinh"])
    response = client.get(_url(province, indicator="HV_TONG"))
    html = response.content.decode()
    assert response.status_code == 200
    # HV_PTM = (150 + 60 + 90) - (20 + 10 + 30) = 240 against a target of 120.
    assert "240 hội viên" in html and "đạt 200% chỉ tiêu" in html
    assert "3.633 người" in html  # members: 1.200 + 800 + 1.633
    assert "Tăng 2.633 người so với cùng kỳ (+263,3%)" in html
    assert "trên 4,2 tỷ đồng" in html
    # The units below, largest first, in the table as in the chart's data.
    table = html[html.index('id="h-below"') : html.index('id="h-trend"')]
    assert table.index("Huyện Một") < table.index("Huyện Hai")  # 2.000 before 1.633
    assert "2.000 người" in table and "1.633 người" in table
    assert 'id="dashboard-data"' in html and "chart.umd.min.js" in html
    assert "năm 2019" in html and "năm 2023" in html  # five years of trend


def test_units_below_equal_the_totals_of_each_unit(figures):
    province, d1 = figures["province"], figures["d1"]
    for code in ("HV_TONG", "HV_PTM", "VAY_DUNO"):
        indicator = Indicator.objects.get(code=code)
        for unit in (province, d1):
            below = dashboard_units_below(unit, "2023", indicator)
            for figure in below:
                expected = unit_totals(figure.unit, "2023", [indicator])[indicator.pk].value
                assert figure.value == expected, (code, figure.unit.name)


def test_another_districts_officer_gets_404(client, people, figures):
    client.force_login(people["xa2"])
    for unit in ("province", "d1", "c1"):
        assert client.get(_url(figures[unit])).status_code == 404
    client.force_login(people["xa"])
    assert client.get(_url(figures["c1"])).status_code == 200
    assert client.get(_url(figures["c1"], period="2023Q9")).status_code == 404


def test_province_dashboard_queries_do_not_grow_with_units(client, people, figures):
    province = figures["province"]
    client.force_login(people["tinh"])
    client.get(_url(province))  # warm the session and the period rows

    def count():
        cache.clear()  # the figures read, not the dashboard cache's copy of them
        with CaptureQueriesContext(connection) as queries:
            assert client.get(_url(province, indicator="HV_PTM")).status_code == 200
        return len(queries)

    before = count()
    edition = province.edition
    for d in range(3):
        district = unit_create(
            edition=edition,
            code=f"T-79{d}",
            name=f"Huyện Mới {d}",
            level=Level.DISTRICT,
            parent=province,
        )
        for c in range(4):
            commune = unit_create(
                edition=edition,
                code=f"T-79{d}0{c}",
                name=f"Xã Mới {d}{c}",
                level=Level.COMMUNE,
                parent=district,
            )
            _enter(commune, "2023", HV_TONG=10 + c, HV_KETNAP=3)
            _enter(commune, "2022", HV_TONG=9)
    assert count() == before
