"""Reporting any period on either structure, over the real 2025 reorganisation.

The real units (both editions, 10,666 successions) and the Bình Phước demo (2021-2023 values
of its 111 old communes) are loaded once for the module, inside a transaction rolled back at
its end; each test runs in a savepoint inside it.
"""

from __future__ import annotations

import io
from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from phongtrao.actors import SYSTEM
from phongtrao.analytics.selectors import unit_report, unit_totals, unit_totals_naive
from phongtrao.catalog.models import Indicator, TimeAggregation
from phongtrao.catalog.selectors import indicators_by_code
from phongtrao.data.services import datavalues_save, period_get
from phongtrao.demo.binh_phuoc import DemoLoadResult
from phongtrao.orgs.models import Level, Succession, Unit, UnitMapping
from phongtrao.orgs.selectors import unit_counterpart
from phongtrao.reports.builder import ESTIMATE_NOTE, report_build
from phongtrao.reports.formats import report_render

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


@pytest.fixture(scope="module")
def demo(binh_phuoc_demo: DemoLoadResult) -> DemoLoadResult:
    """The units and the demo, loaded once per run (conftest.py)."""
    return binh_phuoc_demo


@pytest.fixture
def catalog(demo: DemoLoadResult) -> dict[str, Indicator]:
    return indicators_by_code()


def unit(edition: str, code: str) -> Unit:
    return Unit.objects.select_related("edition").get(edition__code=edition, code=code)


def new_communes_of(province: Unit) -> list[Unit]:
    """The 2025 communes that took at least one of the province's old communes."""
    # Ids read first: PostgreSQL plans the nested prefix match badly (a scan per row).
    old = list(
        Unit.objects.filter(path__startswith=province.path, level=Level.COMMUNE).values_list(
            "pk", flat=True
        )
    )
    ids = set(
        Succession.objects.filter(predecessor_id__in=old).values_list("successor_id", flat=True)
    )
    return list(Unit.objects.filter(pk__in=ids).select_related("edition").order_by("code"))


def test_dong_nai_2023_on_the_2025_structure_holds_binh_phuoc_whole(demo, catalog):
    dong_nai = unit("2025", "75")
    binh_phuoc, dong_nai_old = unit("2008", "70"), unit("2008", "75")
    indicators = list(catalog.values())
    for year in ("2023", "2022", "2021"):
        new = unit_totals(dong_nai, year, indicators)
        old = unit_totals(binh_phuoc, year, indicators)
        rest = unit_totals(dong_nai_old, year, indicators)
        for indicator in indicators:
            got, want = new[indicator.pk], old[indicator.pk]
            assert rest[indicator.pk].count == 0  # the demo has only Bình Phước's figures
            assert (got.value, got.count) == (want.value, want.count), (year, indicator.code)
            assert not got.estimated
            if got.count:
                assert binh_phuoc.pk in got.sources
    # Read from the two old provinces' roll-ups, not their communes.
    rows = UnitMapping.objects.filter(target=dong_nai)
    assert set(rows.values_list("source_id", "whole")) == {
        (binh_phuoc.pk, True),
        (dong_nai_old.pk, True),
    }


def test_the_111_old_communes_go_whole_into_40_new_communes(demo):
    binh_phuoc = unit("2008", "70")
    old = list(Unit.objects.filter(path__startswith=binh_phuoc.path, level=Level.COMMUNE))
    assert len(old) == 111
    shares: dict[int, Decimal] = defaultdict(Decimal)
    for succession in Succession.objects.filter(predecessor__in=old).select_related("successor"):
        shares[succession.predecessor_id] += succession.weight
        assert succession.successor.path.startswith(unit("2025", "75").path)
    assert len(shares) == 111 and set(shares.values()) == {Decimal(1)}
    assert len(new_communes_of(binh_phuoc)) == 40


def test_a_new_commune_2023_equals_the_sum_of_its_old_communes(demo, catalog):
    binh_phuoc = unit("2008", "70")
    raw = [i for i in catalog.values() if not i.formula]
    summed = [i for i in raw if i.time_aggregation == TimeAggregation.SUM]
    across: dict[int, Decimal] = defaultdict(Decimal)
    for commune in new_communes_of(binh_phuoc):
        got = unit_totals(commune, "2023", raw)
        want: dict[int, Decimal] = defaultdict(Decimal)
        for succession in Succession.objects.filter(successor=commune).select_related(
            "predecessor"
        ):
            old = unit_totals_naive(succession.predecessor, "2023", raw)
            for indicator in raw:
                want[indicator.pk] += old[indicator.pk].value * succession.weight
        for indicator in raw:
            assert got[indicator.pk].value == want[indicator.pk], (commune, indicator.code)
            assert not got[indicator.pk].estimated
        for indicator in summed:
            across[indicator.pk] += got[indicator.pk].value
    province = unit_totals(binh_phuoc, "2023", summed)
    assert all(across[i.pk] == province[i.pk].value for i in summed)


def test_loc_ninh_2026_compared_with_its_old_communes_2023(demo, catalog):
    loc_ninh = next(c for c in new_communes_of(unit("2008", "70")) if c.name == "Xã Lộc Ninh")
    activities = catalog["TH_HD"]
    datavalues_save(
        actor=SYSTEM, unit=loc_ninh, period=period_get("2026"), values={activities: Decimal(500)}
    )
    sources = Succession.objects.filter(successor=loc_ninh).select_related("predecessor")
    before = sum(
        unit_totals(s.predecessor, "2023", [activities])[activities.pk].value for s in sources
    )
    [row] = unit_report(loc_ninh, "2026", [activities], compare="2023")
    assert (row.value, row.last_year, row.change) == (500, before, 500 - before)
    assert not row.estimated and not row.last_year_estimated


def test_a_year_across_the_reorganisation_adds_both_halves_and_keeps_one_stock(demo, catalog):
    dong_nai = unit("2025", "75")
    old_commune = Unit.objects.filter(
        path__startswith=unit("2008", "70").path, level=Level.COMMUNE
    ).first()
    assert old_commune is not None
    new_commune = unit_counterpart(old_commune, "2025")
    activities, sponsored = catalog["TH_HD"], catalog["MDD_TRE"]
    values = {activities: Decimal(7), sponsored: Decimal(30)}
    datavalues_save(actor=SYSTEM, unit=old_commune, period=period_get("2025Q1"), values=values)
    values = {activities: Decimal(5), sponsored: Decimal(33)}
    datavalues_save(actor=SYSTEM, unit=new_commune, period=period_get("2025Q4"), values=values)
    totals = unit_totals(dong_nai, "2025", [activities, sponsored])
    assert totals[activities.pk].value == 12
    # Children sponsored at the end of 2025: the latest structure's figure, not 30 + 33.
    assert totals[sponsored.pk].value == 33
    # Đồng Nai 2025 against 2023 (entered by the old communes).
    [row] = unit_report(dong_nai, "2025", [activities], compare="2023")
    old = unit_totals(unit("2008", "70"), "2023", [activities])[activities.pk].value
    assert (row.value, row.last_year) == (12, old)


def test_new_figures_on_the_old_structure(demo, catalog):
    binh_phuoc = unit("2008", "70")
    loc_ninh = next(c for c in new_communes_of(binh_phuoc) if c.name == "Xã Lộc Ninh")
    activities = catalog["TH_HD"]
    datavalues_save(
        actor=SYSTEM, unit=loc_ninh, period=period_get("2026"), values={activities: Decimal(300)}
    )
    total = unit_totals(binh_phuoc, "2026", [activities])[activities.pk]
    # Lộc Ninh came whole from three old communes of Bình Phước: exact for the province.
    assert (total.value, total.estimated, total.sources) == (300, False, (loc_ninh.pk,))
    old = Succession.objects.filter(successor=loc_ninh).select_related("predecessor")
    assert old.count() == 3
    parts = [unit_totals(s.predecessor, "2026", [activities])[activities.pk] for s in old]
    assert [(p.value, p.estimated) for p in parts] == [(100, True)] * 3


def test_a_split_commune_gives_estimates_marked_in_every_format(demo, catalog):
    # Ordered by its own columns: PostgreSQL without statistics plans a join order badly.
    split = (
        Succession.objects.filter(weight__lt=1)
        .order_by("predecessor_id", "successor_id")
        .select_related("predecessor", "successor")
        .first()
    )
    assert split is not None and split.predecessor.level == Level.COMMUNE
    activities = catalog["TH_HD"]
    datavalues_save(
        actor=SYSTEM,
        unit=split.predecessor,
        period=period_get("2023"),
        values={activities: Decimal(1000)},
    )
    total = unit_totals(split.successor, "2023", [activities])[activities.pk]
    assert total.estimated and total.sources == (split.predecessor_id,)
    share = Decimal(1000) * split.weight
    assert abs(total.value - share) <= Decimal("0.5")
    report = report_build(split.successor, "2023")
    row = next(r for r in report.appendix if r.indicator.code == "TH_HD")
    assert row.estimated and row.value.endswith("*")
    assert ESTIMATE_NOTE in report.footnotes
    assert any("hoạt động thu hút" in note for note in report.notes)
    for fmt in ("md", "html"):
        assert ESTIMATE_NOTE in report_render(report, fmt).decode()
    assert len(report_render(report, "docx")) > 0
    sheet = load_workbook(io.BytesIO(report_render(report, "xlsx"))).active
    assert sheet is not None
    [cells] = [r for r in sheet.iter_rows() if r[0].value == row.name]
    assert cells[2].value == int(total.value) and cells[2].number_format.endswith('"*"')
    assert any(c.value == ESTIMATE_NOTE for r in sheet.iter_rows() for c in r)


def test_the_report_command_on_the_2025_structure(demo, capsys):
    call_command("report", "75", "2023", "--edition", "2025")
    on_new = capsys.readouterr().out
    call_command("report", "70", "2023")
    on_old = capsys.readouterr().out
    assert "cơ cấu từ 01/7/2025" in on_new

    # The figures (not the targets: they were set for the old province) are Bình Phước's.
    def figures(text: str) -> list[list[str]]:
        rows = [line.split(" | ") for line in text.splitlines() if line.startswith("| ")]
        return [row[:5] + row[-1:] for row in rows]

    assert len(figures(on_old)) > 70 and figures(on_new) == figures(on_old)
    call_command("report", "75", "2023", "--edition", "2025-07-01", "--format", "md")
    assert capsys.readouterr().out == on_new


def test_the_cost_follows_the_question(demo, catalog):
    indicators = list(catalog.values())
    binh_phuoc, dong_nai = unit("2008", "70"), unit("2025", "75")
    with CaptureQueriesContext(connection) as old:
        unit_report(binh_phuoc, "2023", indicators)
    with CaptureQueriesContext(connection) as new:
        unit_report(dong_nai, "2023", indicators)
    assert len(new) <= len(old)  # Bình Phước also reads its phase targets' earlier years
    with CaptureQueriesContext(connection) as queries:
        unit_totals(dong_nai, "2023", indicators)
    # Its own roll-up and values, the mapping rows, the sources' roll-ups and own values.
    assert len(queries) <= 6
