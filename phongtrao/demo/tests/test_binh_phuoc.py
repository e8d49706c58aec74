"""The Bình Phước demo reproduces every figure of the published 2023 report.

The units and the demo are loaded once for the module, inside a transaction rolled back at
its end; each test runs in a savepoint inside it, so other modules see an empty database.
"""

from __future__ import annotations

import csv
import hashlib
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from phongtrao.actors import SYSTEM
from phongtrao.analytics.selectors import unit_report, unit_totals
from phongtrao.analytics.selectors.rules import rules_run
from phongtrao.catalog.models import Indicator, ValueType
from phongtrao.catalog.selectors import indicators_by_code
from phongtrao.data.models import DataValue, DataValueAudit, Target
from phongtrao.data.services import datavalue_save, period_get
from phongtrao.demo.binh_phuoc import (
    FIGURES_FILE,
    DemoLoadResult,
    demo_binh_phuoc_load,
    demo_communes,
    demo_plan,
    demo_province,
)
from phongtrao.orgs.models import Level, Unit
from phongtrao.orgs.selectors import unit_descendants
from phongtrao.vn import format_money

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


# SHA-256 of the workspace's seed (shared/seed/binh-phuoc-2023-figures.csv) this copy was taken
# from: the tests read the copy the package carries, never a file outside the repository.
SEED_FIGURES_SHA256 = "a2a9fac5733c32d87d63066850edab0d807c79b16722f2704da8be8724eedc35"


def figures_path() -> Path:
    """The seed's list of published figures, as the package carries it."""
    return FIGURES_FILE


def test_the_carried_figures_are_the_seed_s() -> None:
    assert hashlib.sha256(FIGURES_FILE.read_bytes()).hexdigest() == SEED_FIGURES_SHA256


def figures() -> list[dict[str, str]]:
    with figures_path().open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def demo(binh_phuoc_demo: DemoLoadResult) -> DemoLoadResult:
    """The units and the demo, loaded once per run (conftest.py)."""
    return binh_phuoc_demo


@pytest.fixture
def catalog(demo: DemoLoadResult) -> dict[str, Indicator]:
    return indicators_by_code()


def rounded(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def money_decimals(published: str) -> int | None:
    """How many decimals the article shows: "4,2 tỷ" → 1, "4,850 tỷ" → 3, "1.293 tỷ" → None."""
    match = re.search(r"\d(?:,(\d+))? (?:tỷ|triệu)", published)
    assert match, published
    return len(match.group(1)) if match.group(1) else None


def test_the_covered_units_are_the_pre_2025_province(demo):
    province = demo.province
    assert (province.code, province.edition.code, province.level) == ("70", "2008", Level.PROVINCE)
    assert demo.communes == 111
    assert Unit.objects.filter(parent=province).count() == 11
    loc_thai = Unit.objects.get(edition__code="2008", code="25297")
    assert loc_thai.name == "Xã Lộc Thái"
    assert DataValue.objects.filter(unit=loc_thai, period=period_get("2023")).exists()
    # Values are entered by the communes only: districts and the province add them up.
    entered_levels = set(
        DataValue.objects.filter(unit__path__startswith=province.path)
        .values_list("unit__level", flat=True)
        .distinct()
    )
    assert entered_levels == {Level.COMMUNE}


def test_every_published_figure_is_the_provinces_roll_up(demo, catalog):
    rows = figures()
    assert len(rows) == 73
    province = demo.province
    totals = unit_totals(province, "2023", [catalog[row["code"]] for row in rows])
    report = {r.indicator.code: r for r in unit_report(province, "2023", list(catalog.values()))}
    for row in rows:
        code, published, qualifier = row["code"], row["as_published"], row["qualifier"]
        indicator = catalog[code]
        total = totals[indicator.pk]
        if qualifier == "target only":
            assert total.count == 0, code
            assert report[code].target == 90, code
            continue
        if qualifier == "rate only":
            rate = re.search(r"đạt (\d+)%", published)
            assert rate, published
            assert report[code].achievement_pct is not None
            assert rounded(report[code].achievement_pct) == int(rate.group(1)), code
            continue
        shown = Decimal(row["shown_value"])
        assert total.count > 0, code
        if indicator.value_type == ValueType.MONEY:
            decimals = money_decimals(published)
            text = format_money(
                total.value,
                decimals=decimals,
                trim_zeros=decimals is None,
                above=qualifier or "trên",
            )
            assert text in published, (code, text, published)
        if not qualifier:
            assert total.value == shown, code
        elif qualifier in ("trên", "hơn"):
            assert total.value > shown, code
        else:
            assert qualifier == "gần"
            assert total.value < shown, code
        if qualifier and indicator.value_type != ValueType.MONEY:
            # "hơn 32 ngàn": the exact count rounds to the shown one at its precision.
            zeros = len(row["shown_value"]) - len(row["shown_value"].rstrip("0"))
            scale = Decimal(10) ** zeros
            assert rounded(total.value / scale) * scale == shown, code


def test_rates_against_targets_are_the_published_ones(demo, catalog):
    codes = ["HV_PTM", "GIAMNGHEO", "D8_TO_TT", "D8_DOITHOAI", "D8_TH_CT2", "D8_TH_CT3"]
    report = unit_report(demo.province, "2023", [catalog[c] for c in codes])
    rates = {r.indicator.code: rounded(r.achievement_pct) for r in report if r.achievement_pct}
    assert rates == {
        "HV_PTM": 195,
        "GIAMNGHEO": 462,
        "D8_TO_TT": 100,
        "D8_DOITHOAI": 83,
        "D8_TH_CT2": 50,
        "D8_TH_CT3": 38,
    }
    phases = {r.indicator.code: r.target_phase for r in report}
    assert phases["HV_PTM"] == phases["GIAMNGHEO"] == ""
    assert phases["D8_DOITHOAI"] == "2021-2025"
    target = Target.objects.get(indicator=catalog["CS_TOT_TL"], unit=demo.province)
    assert (target.value, target.period.code if target.period else None) == (90, "2023")


def test_comparisons_with_2022_are_the_published_ones(demo, catalog):
    report = {
        r.indicator.code: r
        for r in unit_report(demo.province, "2023", [catalog["VAY_DUNO"], catalog["HV_TONG"]])
    }
    debt = report["VAY_DUNO"]
    assert debt.change is not None and debt.last_year is not None
    assert rounded(debt.change / 10**9) == 242
    assert format_money(debt.change) == "trên 242 tỷ đồng"
    assert format_money(debt.last_year) == "gần 1.051 tỷ đồng"
    assert report["HV_TONG"].last_year == 176_739
    assert report["HV_TONG"].value == 180_833
    # Most figures have a same-period comparison, a little below 2023 as a rule.
    previous = unit_totals(demo.province, "2022", list(catalog.values()))
    compared = [i for i in catalog.values() if previous[i.pk].count]
    assert len(compared) >= 65


def test_every_validation_rule_passes_on_every_unit(demo):
    units = list(unit_descendants(demo.province))
    assert len(units) == 1 + 11 + 111
    for unit in units:
        for year in ("2023", "2022", "2021"):
            assert rules_run(unit, year) == [], (unit.code, year)


def test_of_which_figures_stay_within_their_parent_in_every_commune(demo, catalog):
    parents = {i.code: i.parent.code for i in catalog.values() if i.parent is not None}
    parents |= {"THOAT_NGHEO": "NGHEO_DN", "THOAT_CANNGHEO": "CANNGHEO_DN"}
    checked = 0
    for (code, year), shares in demo.plan.items():
        if code in parents:
            parent = demo.plan[(parents[code], year)]
            assert all(value <= parent[pk] for pk, value in shares.items()), (code, year)
            checked += 1
        if code == "HG_THANH":
            other, whole = demo.plan[("HG_CHUYEN", year)], demo.plan[("HG_VU", year)]
            assert all(shares[pk] + other[pk] <= whole[pk] for pk in shares), year
    assert checked >= 2 * 9
    stock_2023, stock_2022 = demo.plan[("HV_TONG", "2023")], demo.plan[("HV_TONG", "2022")]
    admitted, left = demo.plan[("HV_KETNAP", "2023")], demo.plan[("HV_GIAM", "2023")]
    for pk, members in stock_2023.items():
        assert members == stock_2022[pk] + admitted[pk] - left[pk]


def test_figures_are_spread_by_size_not_evenly(demo, catalog):
    members = sorted(demo.plan[("HV_TONG", "2023")].values())
    assert members[0] > 0
    assert members[-1] > 3 * members[0]
    assert len(set(members)) > 80
    # Money in round amounts: hundreds of thousands of đồng, the debt in tens of millions.
    assert all(v % 100_000 == 0 for v in demo.plan[("TH_KP", "2023")].values())
    assert all(v % 10_000_000 == 0 for v in demo.plan[("VAY_DUNO", "2023")].values())
    # Border support goes to the communes of the three border districts only.
    border = {u.pk for u in demo_communes(demo.province) if u.parent.code in {"691", "692", "693"}}
    assert set(demo.plan[("BC_KP", "2023")]) == border


def test_the_spread_is_deterministic_from_the_seed(demo, catalog):
    communes = demo_communes(demo_province())
    again = demo_plan(communes=communes, indicators=catalog, seed=2023)
    other = demo_plan(communes=communes, indicators=catalog, seed=7)
    assert again == demo.plan
    assert other[("HV_TONG", "2023")] != demo.plan[("HV_TONG", "2023")]
    # Another seed spreads the same province totals differently (2022's growth rates too).
    for (code, year), shares in other.items():
        if year == "2023" or code in {"VAY_DUNO", "HV_TONG"}:
            assert sum(shares.values()) == sum(demo.plan[(code, year)].values()), (code, year)


def test_loading_again_changes_nothing(demo, catalog):
    audits = DataValueAudit.objects.count()
    targets = list(Target.objects.values_list("pk", "value", "updated_at").order_by("pk"))
    again = demo_binh_phuoc_load()
    restored = demo_binh_phuoc_load(restore=True)
    for result in (again, restored):
        values = result.values
        assert (values.imported, values.updated, values.deleted) == (0, 0, 0)
        assert values.ignored == sum(len(shares) for shares in demo.plan.values())
        assert result.targets_set == 0
    assert DataValueAudit.objects.count() == audits
    assert list(Target.objects.values_list("pk", "value", "updated_at").order_by("pk")) == targets
    total = unit_totals(demo.province, "2023", [catalog["TH_KP"]])[catalog["TH_KP"].pk]
    assert total.value == 4_236_500_000


def test_a_correction_survives_a_reload_unless_restored(demo, catalog):
    commune = Unit.objects.get(edition__code="2008", code="25297")
    indicator, period = catalog["TH_HD"], period_get("2023")
    demo_value = DataValue.objects.get(unit=commune, indicator=indicator, period=period).value
    datavalue_save(
        actor=SYSTEM, indicator=indicator, unit=commune, period=period, value=demo_value + 5
    )

    demo_binh_phuoc_load()
    assert DataValue.objects.get(unit=commune, indicator=indicator, period=period).value == (
        demo_value + 5
    )

    result = demo_binh_phuoc_load(restore=True)
    assert result.values.updated == 1
    assert DataValue.objects.get(unit=commune, indicator=indicator, period=period).value == (
        demo_value
    )
    total = unit_totals(demo.province, "2023", [indicator])[indicator.pk]
    assert total.value == 437
