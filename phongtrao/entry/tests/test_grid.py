"""Bảng số liệu: the units below × the indicators of a section, access-checked."""

from __future__ import annotations

from decimal import Decimal

import pytest

from phongtrao.actors import SYSTEM
from phongtrao.catalog.models import Indicator
from phongtrao.data.services import datavalues_save, period_get

pytestmark = pytest.mark.django_db


def _enter(unit, period, **values):
    by_code = Indicator.objects.in_bulk(list(values), field_name="code")
    datavalues_save(
        actor=SYSTEM,
        unit=unit,
        period=period_get(period),
        values={by_code[c]: Decimal(v) for c, v in values.items()},
    )


def _rows(html):
    import re

    return re.findall(r'<th scope="row" class="grid-unit">(?:<a [^>]*>)?([^<]+)', html)


def test_the_province_reads_its_districts_by_indicator_and_goes_down_a_level(
    client, small_tree, people, django_assert_max_num_queries
):
    _enter(small_tree["c1"], "2023", HV_TONG=1200, HV_KETNAP=150)
    _enter(small_tree["c2"], "2023", HV_TONG=800)
    _enter(small_tree["c3"], "2023", HV_TONG=1633)
    client.force_login(people["tinh"])
    url = f"/nhap-lieu/bang/{small_tree['province'].uid}/2023/"
    with django_assert_max_num_queries(30):
        html = client.get(url).content.decode()
    assert _rows(html) == ["Toàn Tỉnh Thử", "Huyện Một", "Huyện Hai"]
    assert "3.633" in html and "2.000" in html and "1.633" in html  # total, districts
    assert f'href="/nhap-lieu/bang/{small_tree["d1"].uid}/2023/?nhom=chu-yeu"' in html
    down = client.get(f"/nhap-lieu/bang/{small_tree['d1'].uid}/2023/?nhom=5").content.decode()
    assert _rows(down) == ["Toàn Huyện Một", "Xã A", "Xã B"]
    assert "1.200" in down and "800" in down


def test_an_officer_sees_only_their_subtree(client, small_tree, people):
    client.force_login(people["huyen"])
    assert client.get(f"/nhap-lieu/bang/{small_tree['province'].uid}/2023/").status_code == 404
    assert client.get(f"/nhap-lieu/bang/{small_tree['d1'].uid}/2023x/").status_code == 404
    html = client.get(f"/nhap-lieu/bang/{small_tree['d1'].uid}/2023/?nhom=999").content.decode()
    assert "Chỉ tiêu chủ yếu" in html and _rows(html)[1:] == ["Xã A", "Xã B"]
