"""The Bình Phước 2023 emulation demo: published results, CS_TOT_TL in the report, the award.

The units, the demo figures and the rest of `load_demo` are loaded once per run, shared with
the other demo tests (conftest.py's `full_demo`).
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from phongtrao.demo.binh_phuoc import demo_province
from phongtrao.emulation.demo import EmulationDemoResult, emulation_demo_load
from phongtrao.emulation.models import Assessment, Award, Classification, CriteriaSet, Status
from phongtrao.emulation.selectors import share_good_or_better
from phongtrao.orgs.models import Level

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


@pytest.fixture
def demo(full_demo) -> EmulationDemoResult:
    """The emulation demo as `load_demo` loads it (conftest.py's `full_demo`)."""
    emulation: EmulationDemoResult = full_demo.emulation
    return emulation


def test_every_commune_and_district_is_graded_and_published(demo):
    assert (demo.sets_created, demo.assessments) == (4, 124)
    province = demo_province()
    for level, count in ((Level.COMMUNE, 111), (Level.DISTRICT, 11)):
        criteria_set = CriteriaSet.objects.get(grader=province, year=2023, level=level)
        assert criteria_set.is_published
        rows = Assessment.objects.filter(criteria_set=criteria_set)
        assert rows.count() == count
        assert set(rows.values_list("status", flat=True)) == {Status.PUBLISHED}
        excellent = rows.filter(classification=Classification.EXCELLENT).count()
        assert 0 < excellent <= count * 20 // 100  # the 20% quota
    again = emulation_demo_load()
    assert (again.sets_created, again.sets_kept, again.assessments) == (0, 4, 0)


def test_cs_tot_tl_comes_from_the_published_results(demo):
    share = share_good_or_better(demo_province(), 2023)
    assert (share.good_or_better, share.graded) == (104, 111)
    out = io.StringIO()
    call_command("report", "70", "2023", "--format", "md", stdout=out, stderr=io.StringIO())
    md = out.getvalue()
    assert (
        "Chỉ tiêu Nghị quyết Đại hội đại biểu Phụ nữ tỉnh 90% cơ sở Hội hoàn thành tốt nhiệm vụ "
        "trở lên; kết quả xếp loại thi đua năm 2023: 93,7% cơ sở Hội hoàn thành tốt nhiệm vụ "
        "trở lên, đạt chỉ tiêu."
    ) in md
    assert (
        "| Tỷ lệ cơ sở Hội hoàn thành tốt nhiệm vụ trở lên | % | 94% |  |  | 90% | 104% | 111 |"
        in md
    )


def test_the_province_record_shows_the_bang_khen_of_the_central_presidium(demo):
    award = Award.objects.select_related("award_type", "decision__issuer").get(
        unit=demo_province(), year=2023
    )
    assert award.award_type.name == "Bằng khen của Đoàn Chủ tịch Trung ương Hội LHPN Việt Nam"
    assert award.decision.issuer.level == Level.CENTRAL
    proposal = award.decision.proposals.get()
    assert proposal.reason == "Hoàn thành xuất sắc nhiệm vụ 2 năm liên tục (2022, 2023)"
