"""The catalog the migrations load: the 73 indicators of the Women's Union report."""

from __future__ import annotations

import hashlib

import pytest

from phongtrao.catalog.models import Form, Indicator, Section
from phongtrao.catalog.services import DEFAULT_CATALOG, catalog_load
from phongtrao.expressions import parse
from phongtrao.orgs.models import uid_from

pytestmark = pytest.mark.django_db


def parent_code(indicator: Indicator) -> str | None:
    return indicator.parent.code if indicator.parent else None


# SHA-256 of the workspace's shared catalog (shared/catalog/hoilhpn-indicators.csv) the
# carried copy was made from; the test needs no file outside the repository.
SHARED_CATALOG_SHA256 = "354b086f7a93fc5d31e31396a87e68c33f3964dfa080275f052eef36d245d479"


def test_migrations_load_73_indicators_in_5_sections():
    assert Indicator.objects.count() == 73
    assert list(Section.objects.values_list("number", flat=True)) == [1, 2, 3, 4, 5]
    assert Section.objects.get(number=1).name == "Công tác tuyên truyền, vận động, tập hợp phụ nữ"
    assert Section.objects.get(number=3).name == (
        "Hỗ trợ phụ nữ phát triển kinh tế và khởi nghiệp sáng tạo"
    )
    counts = {s.number: s.indicators.count() for s in Section.objects.all()}
    assert counts == {1: 8, 2: 24, 3: 17, 4: 10, 5: 14}


def test_indicators_keep_the_files_order_and_stable_uids():
    codes = list(Indicator.objects.values_list("code", flat=True))
    assert codes[:3] == ["TH_HD", "TH_KP", "TT_DOT"]
    assert codes[-1] == "BC_KP"
    hv_tong = Indicator.objects.get(code="HV_TONG")
    assert hv_tong.uid == uid_from("indicator:HV_TONG")
    assert all(
        uid == uid_from("indicator:" + code)
        for code, uid in Indicator.objects.values_list("code", "uid")
    )


@pytest.mark.parametrize(
    ("code", "parent"),
    [
        ("HG_THANH", "HG_VU"),
        ("HG_CHUYEN", "HG_VU"),
        ("THOAT_NGHEO_DTTS", "THOAT_NGHEO"),
        ("THOAT_NGHEO_CH", "THOAT_NGHEO"),
        ("THOAT_CANNGHEO_DTTS", "THOAT_CANNGHEO"),
        ("THOAT_CANNGHEO_CH", "THOAT_CANNGHEO"),
        ("HTND_HD", "HTND_VU"),
        ("HV_DIABAN", "HV_TONG"),
        ("MDD_COVID", "MDD_COVID_TONG"),
    ],
)
def test_of_which_parents(code, parent):
    assert parent_code(Indicator.objects.get(code=code)) == parent


def test_only_the_of_which_rows_have_parents():
    assert Indicator.objects.exclude(parent=None).count() == 9
    assert set(Indicator.objects.get(code="HG_VU").breakdowns.values_list("code", flat=True)) == {
        "HG_THANH",
        "HG_CHUYEN",
    }


@pytest.mark.parametrize(
    ("code", "value_type", "time_aggregation", "unit_label"),
    [
        ("HV_TONG", "integer", "last", "người"),
        ("NGHEO_DN", "integer", "first", "hộ"),
        ("CANNGHEO_DN", "integer", "first", "hộ"),
        ("VAY_DUNO", "money", "last", "đồng"),
        ("TH_KP", "money", "sum", "đồng"),
        ("CS_TOT_TL", "percent", "last", "%"),
        ("HV_KETNAP", "integer", "sum", "hội viên"),
        ("MDD_TRE", "integer", "last", "trẻ"),
    ],
)
def test_value_types_and_time_aggregation(code, value_type, time_aggregation, unit_label):
    indicator = Indicator.objects.get(code=code)
    assert indicator.value_type == value_type
    assert indicator.time_aggregation == time_aggregation
    assert indicator.unit_label == unit_label


def test_formulas_of_derived_indicators():
    derived = dict(Indicator.objects.exclude(formula="").values_list("code", "formula"))
    assert derived == {
        "GIAMNGHEO": "THOAT_NGHEO + THOAT_CANNGHEO",
        "HV_PTM": "HV_KETNAP - HV_GIAM",
    }
    assert Indicator.objects.get(code="HV_PTM").is_derived
    assert not Indicator.objects.get(code="HV_KETNAP").is_derived
    for formula in derived.values():
        assert parse(formula).text == formula


def test_names_and_notes_are_vietnamese_text_from_the_file():
    hg = Indicator.objects.get(code="HG_THANH")
    assert hg.name == "Trong đó: hòa giải thành"
    assert hg.unit_label == "vụ"
    assert Indicator.objects.get(code="SS_GT").name == (
        'Quà và tiền mặt Chương trình "Triệu phần quà san sẻ yêu thương"'
    )
    assert "HG_THANH + HG_CHUYEN <= HG_VU" in Indicator.objects.get(code="HG_CHUYEN").note


def test_loading_the_default_catalog_again_changes_nothing():
    result = catalog_load()
    assert (result.sections_created, result.sections_updated) == (0, 0)
    assert (result.indicators_created, result.indicators_updated) == (0, 0)
    assert result.indicators_unchanged == 73


@pytest.mark.parametrize(
    ("code", "period_type", "level"),
    [("BC_NAM_XA", "YEARLY", 3), ("BC_THANG_CHIHOI", "MONTHLY", 4), ("BC_NAM_TINH", "YEARLY", 1)],
)
def test_default_forms_hold_every_raw_indicator_but_cs_tot_tl(code, period_type, level):
    form = Form.objects.get(code=code)
    assert (form.period_type, form.level) == (period_type, level)
    assert form.uid == uid_from("form:" + code)
    assert form.name.startswith("Báo cáo kết quả")
    codes = list(
        form.indicators.order_by("formindicator__sort_order").values_list("code", flat=True)
    )
    assert len(codes) == 70
    assert "CS_TOT_TL" not in codes
    assert "HV_PTM" not in codes and "GIAMNGHEO" not in codes
    assert codes[0] == "TH_HD" and codes[-1] == "BC_KP"
    assert codes == [
        c
        for c in Indicator.objects.filter(formula="").values_list("code", flat=True)
        if c != "CS_TOT_TL"
    ]


def test_the_carried_catalog_is_the_shared_one():
    assert hashlib.sha256(DEFAULT_CATALOG.read_bytes()).hexdigest() == SHARED_CATALOG_SHA256
