from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from phongtrao.actors import SYSTEM
from phongtrao.catalog.models import FormIndicator, Indicator
from phongtrao.data.models import DataValue
from phongtrao.data.services import datavalue_save, period_get, target_set

from .conftest import entry_url

pytestmark = pytest.mark.django_db


def _ids(*codes):
    return {c: Indicator.objects.get(code=c) for c in codes}


def _post_data(client, url):
    """The form's fields as the page rendered them (like a browser would send them)."""
    import re

    html = client.get(url).content.decode()
    data = {}
    for name, value in re.findall(
        r'<input[^>]*name="([ov]_\d+|ver_\d+)"[^>]*value="([^"]*)"', html
    ):
        data[name] = value
    return data


def test_page_shows_sections_of_which_last_year_and_target(
    client, people, commune_form, small_tree
):
    c1 = small_tree["c1"]
    ind = _ids("THOAT_NGHEO", "THOAT_NGHEO_DTTS", "TH_KP")
    datavalue_save(
        actor=SYSTEM,
        indicator=ind["THOAT_NGHEO"],
        unit=c1,
        period=period_get("2022"),
        value=Decimal(1633),
    )
    target_set(
        actor=SYSTEM,
        indicator=ind["TH_KP"],
        unit=c1,
        period=period_get("2023"),
        value=Decimal(4_200_000),
    )
    client.force_login(people["xa"])
    response = client.get(entry_url(commune_form, c1))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Hội LHPN xã A" in html and "năm 2023" in html
    assert ind["THOAT_NGHEO"].name in html and "depth-1" in html
    assert '<span class="ofwhich">Trong đó:</span> hộ dân tộc thiểu số' in html
    assert "Trong đó: Trong đó" not in html
    assert "<b>1.633</b>" in html  # last year, as Vietnamese write it
    assert "<b>4.200.000</b>" in html  # the target
    assert 'inputmode="decimal"' in html and "entry/entry.css" in html
    assert f'name="ver_{ind["TH_KP"].pk}" value="0"' in html


def test_save_reads_vietnamese_numbers_and_keeps_history(client, people, commune_form, small_tree):
    c1 = small_tree["c1"]
    ind = _ids("THOAT_NGHEO", "TH_KP")
    url = entry_url(commune_form, c1)
    client.force_login(people["xa"])
    data = _post_data(client, url)
    data[f"v_{ind['THOAT_NGHEO'].pk}"] = "1.633"
    data[f"v_{ind['TH_KP'].pk}"] = "4.200.000"
    response = client.post(url, data)
    assert response.status_code == 302
    stored = {dv.indicator_id: dv.value for dv in DataValue.objects.filter(unit=c1)}
    assert stored == {ind["THOAT_NGHEO"].pk: 1633, ind["TH_KP"].pk: 4_200_000}
    page = client.get(url).content.decode()
    assert "Đã lưu 2 số liệu thay đổi." in page and 'value="1.633"' in page

    data = _post_data(client, url)
    data[f"v_{ind['THOAT_NGHEO'].pk}"] = "1.700"
    client.post(url, data)
    history = client.get(url + "lich-su/THOAT_NGHEO/").content.decode()
    assert "xa" in history and "1.633" in history and "1.700" in history and "Sửa" in history


def test_errors_are_shown_in_vietnamese_next_to_the_field(client, people, commune_form, small_tree):
    c1 = small_tree["c1"]
    ind = _ids("THOAT_NGHEO", "THOAT_NGHEO_DTTS", "TH_HD")
    url = entry_url(commune_form, c1)
    client.force_login(people["xa"])
    data = _post_data(client, url)
    data[f"v_{ind['TH_HD'].pk}"] = "4,2"
    response = client.post(url, data)
    assert response.status_code == 400
    assert "phải là số nguyên" in response.content.decode()

    data = _post_data(client, url)
    data[f"v_{ind['THOAT_NGHEO'].pk}"] = "10"
    data[f"v_{ind['THOAT_NGHEO_DTTS'].pk}"] = "12"
    response = client.post(url, data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "không được lớn hơn" in html and 'value="12"' in html
    assert not DataValue.objects.filter(unit=c1).exists()

    data[f"v_{ind['THOAT_NGHEO_DTTS'].pk}"] = "1,633"
    html = client.post(url, data).content.decode()
    assert "Không rõ nghĩa" in html


def test_second_save_of_the_same_value_is_a_conflict_and_keeps_the_first(
    client, people, commune_form, small_tree
):
    c1 = small_tree["c1"]
    members = Indicator.objects.get(code="TH_HD")
    other = Indicator.objects.get(code="TT_DOT")
    url = entry_url(commune_form, c1)
    client.force_login(people["xa"])
    stale = _post_data(client, url)  # the page as opened, before someone else saves
    datavalue_save(
        indicator=members,
        unit=c1,
        period=period_get("2023"),
        value=Decimal(50),
        actor=people["tinh"],
    )
    datavalue_save(
        indicator=other, unit=c1, period=period_get("2023"), value=Decimal(7), actor=people["tinh"]
    )

    stale[f"v_{members.pk}"] = "60"
    response = client.post(url, stale)
    html = response.content.decode()
    assert response.status_code == 409
    assert "tinh đã lưu giá trị 50 lúc" in html
    assert DataValue.objects.get(unit=c1, indicator=members).value == 50
    # The untouched field shows the other save, so confirming cannot undo it.
    assert (
        f'name="v_{other.pk}" type="text" inputmode="decimal" autocomplete="off" value="7"' in html
    )

    confirm = {}
    import re

    for name, value in re.findall(
        r'<input[^>]*name="([ov]_\d+|ver_\d+)"[^>]*value="([^"]*)"', html
    ):
        confirm[name] = value
    response = client.post(url, confirm)
    assert response.status_code == 302
    assert DataValue.objects.get(unit=c1, indicator=members).value == 60
    assert DataValue.objects.get(unit=c1, indicator=other).value == 7


def test_unrelated_saves_merge_without_conflict(client, people, commune_form, small_tree):
    c1 = small_tree["c1"]
    a, b = _ids("TH_HD", "TT_DOT").values()
    url = entry_url(commune_form, c1)
    client.force_login(people["xa"])
    stale = _post_data(client, url)
    datavalue_save(actor=SYSTEM, indicator=b, unit=c1, period=period_get("2023"), value=Decimal(7))
    stale[f"v_{a.pk}"] = "3"
    assert client.post(url, stale).status_code == 302
    assert {dv.indicator_id: dv.value for dv in DataValue.objects.filter(unit=c1)} == {
        a.pk: 3,
        b.pk: 7,
    }


def test_wrong_level_or_period_type_is_not_found(client, people, commune_form, small_tree):
    client.force_login(people["huyen"])
    assert client.get(entry_url(commune_form, small_tree["d1"])).status_code == 404
    client.force_login(people["xa"])
    assert client.get(entry_url(commune_form, small_tree["c1"], "202301")).status_code == 404
    assert client.get(entry_url(commune_form, small_tree["c1"], "hom-nay")).status_code == 404


def test_viewer_sees_the_page_read_only_and_cannot_post(client, people, commune_form, small_tree):
    url = entry_url(commune_form, small_tree["c1"])
    client.force_login(people["huyen"])
    html = client.get(url).content.decode()
    assert "readonly" in html and "Lưu nháp" not in html
    response = client.post(url, {f"v_{Indicator.objects.get(code='TH_HD').pk}": "5"})
    assert response.status_code == 403
    assert not DataValue.objects.exists()


def test_home_lists_what_the_user_may_open(client, people, small_tree):
    client.force_login(people["xa"])
    html = client.get("/nhap-lieu/").content.decode()
    assert "Xã A" in html and "Xã C" not in html and "năm 2023" in html
    response = client.get(
        "/nhap-lieu/mo/", {"form": "BC_NAM_XA", "unit": small_tree["c1"].uid, "period": "2023"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/nhap-lieu/BC_NAM_XA/{small_tree['c1'].uid}/2023/"


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_page_queries_do_not_grow_with_indicators_or_units(
    client, people, commune_form, small_tree
):
    from phongtrao.orgs.models import Level
    from phongtrao.orgs.services import unit_create

    c1 = small_tree["c1"]
    url = entry_url(commune_form, c1)
    client.force_login(people["xa"])
    all_rows = list(FormIndicator.objects.filter(form=commune_form).order_by("sort_order"))
    FormIndicator.objects.filter(pk__in=[r.pk for r in all_rows[10:]]).delete()
    for ind in Indicator.objects.filter(formindicator__form=commune_form):
        datavalue_save(
            actor=SYSTEM, indicator=ind, unit=c1, period=period_get("2023"), value=Decimal(1)
        )
    _queries(client, url)  # warm: periods created on first use
    small = _queries(client, url)

    FormIndicator.objects.bulk_create(
        [
            FormIndicator(form=commune_form, indicator=r.indicator, sort_order=r.sort_order)
            for r in all_rows[10:]
        ]
    )
    for ind in Indicator.objects.filter(formindicator__form=commune_form, formula=""):
        datavalue_save(
            actor=SYSTEM, indicator=ind, unit=c1, period=period_get("2023"), value=Decimal(1)
        )
    for i in range(5):
        unit_create(
            edition=c1.edition,
            code=f"T-X{i}",
            name=f"Xã X{i}",
            level=Level.COMMUNE,
            parent=small_tree["d1"],
        )
    large = _queries(client, url)
    assert Indicator.objects.filter(formindicator__form=commune_form).count() > 40
    assert large == small
