"""The demo's report: every figure the Bình Phước 2023 article prints, as it prints it.

The units and the demo are loaded once per run (`binh_phuoc_demo`, conftest.py).
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command

from phongtrao.actors import SYSTEM
from phongtrao.analytics.selectors import unit_totals
from phongtrao.catalog.models import Indicator, Section, ValueType
from phongtrao.catalog.selectors import indicators_by_code
from phongtrao.demo.binh_phuoc import FIGURES_FILE, DemoLoadResult, demo_communes
from phongtrao.demo.report_texts import demo_report_texts_load
from phongtrao.orgs.models import Level, Unit
from phongtrao.orgs.selectors import unit_children
from phongtrao.reports.builder import ReportEmpty, format_millions, report_build
from phongtrao.reports.figures import MISSING
from phongtrao.reports.formats import report_render
from phongtrao.reports.models import Part
from phongtrao.reports.selectors import report_texts
from phongtrao.reports.services import report_texts_save
from phongtrao.vn import format_number, format_percent

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


def figures_path() -> Path:
    """The seed's list of published figures, as the repository carries it (the demo's copy,
    checked against the workspace's seed in phongtrao/demo/tests/test_binh_phuoc.py)."""
    return FIGURES_FILE


@pytest.fixture(scope="module")
def demo(binh_phuoc_demo: DemoLoadResult) -> DemoLoadResult:
    """The units and the demo, loaded once per run (conftest.py)."""
    return binh_phuoc_demo


def report_md(code: str) -> str:
    out = io.StringIO()
    call_command("report", code, "2023", "--format", "md", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_the_report_prints_every_published_figure(demo):
    md = report_md("70")
    with figures_path().open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 73
    missing = [(r["code"], r["as_published"]) for r in rows if r["as_published"] not in md]
    assert missing == []
    assert "gần 1.293 tỷ đồng (tăng 242 tỷ đồng so với cùng kỳ năm 2022)" in md


def test_the_province_report_carries_the_seed_passages(demo):
    md = report_md("70")
    for passage in (
        "“Đồng hành cùng chi hội, tổ phụ nữ”",
        "“Phụ nữ Bình Phước nói lời hay, làm việc tốt”",
        "Đề án 939 “Hỗ trợ phụ nữ khởi nghiệp giai đoạn 2017 - 2025”",
        "Kết luận số 387-KL/TU ngày 25/6/2022",
        "tính đến ngày 30/10/2023",
        "“Đồng hành cùng phụ nữ biên cương”",
    ):
        assert passage in md
    # Each in its own slot: the intro before I.1's passage, I.5's after I.4's.
    assert md.index("sự quan tâm lãnh đạo") < md.index("Đồng hành cùng chi hội")
    assert md.index("giám sát, phản biện xã hội được tổ chức") < md.index("30/10/2023")


def test_the_seed_passages_are_written_once(demo):
    province = demo.province
    assert demo_report_texts_load(province=province) == 0
    report_texts_save(
        actor=SYSTEM, unit=province, period_code="2023", texts={Part.RESULTS_4: "Lời văn riêng."}
    )
    assert demo_report_texts_load(province=province) == 0
    assert report_texts(province, "2023")[Part.RESULTS_4].text == "Lời văn riêng."


def appendix_values(md: str) -> list[str]:
    """The "Kết quả" column of the appendix, in table order (section rows skipped)."""
    table = md.split("## Phụ lục")[1]
    rows = [line for line in table.splitlines() if line.startswith("| ")]
    return [r.split(" | ")[2] for r in rows[1:] if not r.startswith("| **")]


def expected_values(unit: Unit) -> list[str]:
    catalog = indicators_by_code()
    ordered: list[Indicator] = [
        i
        for s in Section.objects.order_by("number")
        for i in catalog.values()
        if i.section_id == s.pk
    ]
    totals = unit_totals(unit, "2023", ordered)
    texts = []
    for indicator in ordered:
        total = totals[indicator.pk]
        if not total.count:
            texts.append("")
        elif indicator.value_type == ValueType.MONEY:
            texts.append(format_millions(total.value))
        elif indicator.value_type == ValueType.PERCENT:
            texts.append(format_percent(total.value))
        else:
            texts.append(format_number(total.value))
    return texts


def test_district_and_commune_reports_are_their_own_roll_ups(demo):
    province = Unit.objects.get(code="70", edition__code="2008")
    district = unit_children(province).first()
    commune = unit_children(district).first()
    for unit in (district, commune):
        md = report_md(unit.code)
        assert f"**{unit.union_name.upper()}**" in md
        assert appendix_values(md) == expected_values(unit)
        activities = unit_totals(unit, "2023", [indicators_by_code()["TH_HD"]])
        count = next(iter(activities.values()))
        if count.count:
            assert (
                f"đã tổ chức được {format_number(count.value, leading_zero=True)} hoạt động" in md
            )


#: A figure of zero written out: "0 căn nhà", "00 vụ", "0%" (not "10", "1.000", "2,0").
ZERO_CLAUSE = re.compile(r"(?<![\d.,/])0{1,2}(?:%|(?![\d,./])\s)")
#: What a sentence shows when a figure or a clause fell out of it without its words.
HOLES = ("  ", " ,", " .", " ;", "()", ",,", ";;", ": .", "đạt chỉ tiêu giao có", MISSING)


def demo_units() -> list[Unit]:
    province = Unit.objects.get(code="70", edition__code="2008")
    districts = list(unit_children(province))
    return districts + [c for d in districts for c in unit_children(d)]


@pytest.mark.parametrize("year", ["2022", "2023"])
def test_every_district_and_commune_report_states_only_figures(demo, year):
    units = demo_units()
    assert len(units) == 122
    for unit in units:
        report = report_build(unit, year)
        prose = "\n".join(report.intro + [p for s in report.sections for p in s.paragraphs])
        assert report.omitted == (), unit.name
        assert ZERO_CLAUSE.findall(prose) == [], unit.name
        assert [hole for hole in HOLES if hole in prose] == [], unit.name
        assert "chỉ tiêu thống kê" in prose  # the completeness line
        if unit.level >= Level.COMMUNE:
            assert "các cấp Hội" not in prose, unit.name


def test_units_and_periods_without_figures_are_refused(demo):
    province = Unit.objects.get(code="70", edition__code="2008")
    for unit, period in ((province, "2019"), (province, "2023Q4"), (demo_units()[0], "2019")):
        with pytest.raises(ReportEmpty):
            report_build(unit, period)
        draft = report_build(unit, period, draft=True)
        assert draft.header.title == "BÁO CÁO (DỰ THẢO)"
        assert all(s.paragraphs == ["Chưa có số liệu."] for s in draft.sections)
        assert "đáng ghi nhận" not in "\n".join(draft.intro)


def test_the_province_pdf_and_docx_carry_the_charts(demo, tmp_path):
    from docx import Document

    report = report_build(demo.province, "2023")
    assert [c.key for c in report.charts] == ["trend", "targets", "below"]
    trend = report.charts[0]
    assert trend.labels[-2:] == ("2022", "2023") and trend.value_texts[-1] == "180.833"
    html = report_render(report, "html").decode()
    assert (
        html.count('<figure class="chart"') == 3
        and html.count('src="data:image/svg+xml;base64,') == 3
    )
    assert "Biểu đồ 3. Tổng số hội viên của các đơn vị trực thuộc" in html
    path = tmp_path / "bc.pdf"
    path.write_bytes(report_render(report, "pdf"))
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    # Each title twice: drawn in the chart, and in its caption under it.
    for chart in report.charts:
        assert " ".join(text.split()).count(chart.title) >= 2, chart.key
    document = Document(io.BytesIO(report_render(report, "docx")))
    assert len(document.inline_shapes) == 3
    captions = [p.text for p in document.paragraphs if p.text.startswith("Biểu đồ ")]
    assert len(captions) == 3 and "180.833" in captions[0]


def test_a_chart_with_nothing_to_show_is_left_out(demo):
    commune = demo_communes(demo.province)[0]
    charts = report_build(commune, "2023").charts
    assert "below" not in [c.key for c in charts]  # nothing below a commune
    assert "targets" not in [c.key for c in charts]  # no target set for it
    # 2021 is the demo's first year: a single point is not a trend.
    assert "trend" not in [c.key for c in report_build(demo.province, "2021").charts]
