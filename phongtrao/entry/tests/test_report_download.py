"""The report of a unit from the web: for those who may see the unit, and nobody else."""

from __future__ import annotations

from decimal import Decimal

import pytest

from phongtrao.actors import SYSTEM
from phongtrao.catalog.models import Indicator
from phongtrao.data.services import datavalue_save, period_get

pytestmark = pytest.mark.django_db


@pytest.fixture
def figures(small_tree):
    datavalue_save(
        actor=SYSTEM,
        indicator=Indicator.objects.get(code="TT_DOT"),
        unit=small_tree["c1"],
        period=period_get("2023"),
        value=Decimal(1633),
    )


def test_officer_downloads_the_report_of_their_unit(client, people, small_tree, figures):
    client.force_login(people["xa"])
    unit = small_tree["c1"]
    page = client.get(f"/bao-cao/{unit.uid}/2023/")
    assert page.status_code == 200
    assert "Đang lập báo cáo" in page.content.decode()
    text = client.get(f"/bao-cao/{unit.uid}/2023/md/")
    assert text["Content-Disposition"] == (
        'attachment; filename="Bao_cao_Hoi_LHPN_xa_A_nam_2023.md"; '
        "filename*=UTF-8''B%C3%A1o%20c%C3%A1o%20H%E1%BB%99i%20LHPN%20x%C3%A3%20A%20n%C4%83m%202023.md"
    )
    assert "1.633 đợt" in text.content.decode()
    pdf = client.get(f"/bao-cao/{unit.uid}/2023/pdf/")
    assert pdf.content.startswith(b"%PDF")


def test_province_sees_the_report_of_a_commune_below(client, people, small_tree, figures):
    client.force_login(people["tinh"])
    assert client.get(f"/bao-cao/{small_tree['c1'].uid}/2023/md/").status_code == 200


@pytest.mark.parametrize("path", ["", "md/", "docx/"])
def test_other_districts_officer_gets_404(client, people, small_tree, figures, path):
    client.force_login(people["xa2"])
    response = client.get(f"/bao-cao/{small_tree['c1'].uid}/2023/{path}")
    assert response.status_code == 404
    assert b"1.633" not in response.content


def test_signed_out_visitor_is_sent_to_sign_in(client, small_tree):
    response = client.get(f"/bao-cao/{small_tree['c1'].uid}/2023/md/")
    assert response.status_code == 302 and "/dang-nhap/" in response["Location"]


def test_unknown_format_or_period_is_404(client, people, small_tree):
    client.force_login(people["xa"])
    assert client.get(f"/bao-cao/{small_tree['c1'].uid}/2023/exe/").status_code == 404
    assert client.get(f"/bao-cao/{small_tree['c1'].uid}/2023Q9/md/").status_code == 404
