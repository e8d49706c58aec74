"""The report of a small province: wording, left-out sections, every format, the command."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess

import pytest
from django.core.management import CommandError, call_command
from docx import Document
from openpyxl import load_workbook

from phongtrao.actors import SYSTEM
from phongtrao.catalog.models import Form
from phongtrao.data.models import Submission, SubmissionStatus
from phongtrao.data.services import period_get
from phongtrao.reports.builder import report_build
from phongtrao.reports.formats import report_render

pytestmark = pytest.mark.django_db


def run_report(*args: str) -> str:
    out = io.StringIO()
    call_command("report", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def md(report_tree) -> str:
    return run_report("T-70", "2023", "--format", "md", "--date", "2024-01-15")


def test_figures_are_written_as_officials_write_them(md):
    assert "các cấp Hội đã tổ chức được 437 hoạt động với tổng kinh phí trên 4,2 tỷ đồng." in md
    assert "437 hoạt động với hơn 32 ngàn lượt hội viên, phụ nữ tham dự" in md
    assert "Sửa chữa 03 căn nhà, xây dựng 03 nhà vệ sinh" in md
    assert "trên 4,850 tỷ đồng" in md


def test_ratios_targets_and_last_year(md):
    assert "Mẹ đỡ đầu”. Tiếp tục duy trì đỡ đầu 12/12 (đạt 100%) trẻ mồ côi do Covid-19" in md
    assert "4.094 hội viên, đạt 195% so với chỉ tiêu đăng ký" in md
    assert "(kết nạp mới 4.677 hội viên, giảm 583 hội viên)" in md
    assert "đạt 462% (dự kiến vượt 362% chỉ tiêu)" in md
    assert "46 Tổ truyền thông cộng đồng, đạt 100% chỉ tiêu giao trong giai đoạn" in md
    assert "gần 1.293 tỷ đồng (tăng 242 tỷ đồng so với cùng kỳ năm 2022)" in md
    # Only the target is known: the target sentence is written.
    assert "90% cơ sở Hội hoàn thành tốt nhiệm vụ trở lên" in md
    assert "(trong đó: DTTS: 579 hộ, phụ nữ làm chủ hộ: 498 hộ)" in md


def test_a_section_without_figures_is_left_out(md):
    assert "## 1. Công tác tuyên truyền, vận động, tập hợp phụ nữ" in md
    assert "Tham gia xây dựng Đảng" not in md.split("## Phụ lục")[0]
    assert "## 4. Xây dựng tổ chức Hội vững mạnh" in md  # numbered as printed
    # Paragraphs whose figures are all missing are left out too.
    body = md.split("## Phụ lục")[0]
    assert "Mẹ đỡ đầu" in body and "Triệu phần quà" not in body


def test_document_header_and_appendix(md):
    assert "**HỘI LHPN TỈNH THỬ**" in md
    assert "*Thử, ngày 15 tháng 01 năm 2024*" in md
    assert "**Kết quả công tác Hội và phong trào phụ nữ năm 2023**" in md
    assert "Tình hình báo cáo: 1/2 đơn vị trực thuộc đã báo cáo (đạt 50%)." in md
    row = next(line for line in md.splitlines() if line.startswith("| Hội viên phát triển mới"))
    assert row.split(" | ")[2:] == ["4.094", "", "", "2.100", "195%", "4 |"]
    row = next(line for line in md.splitlines() if line.startswith("| Tổng dư nợ"))
    assert "| triệu đồng | 1.292.870 | 1.050.870 | 242.000 |" in row


def test_no_stray_spaces_before_punctuation(md):
    body = md.split("## Phụ lục")[0]
    for stray in (" ,", " ;", " .", " :", "( "):
        assert stray not in body


def test_district_report_is_its_own_roll_up(report_tree):
    text = run_report("T-701", "2023")
    assert "**HỘI LHPN HUYỆN MỘT**" in text
    assert "437 hoạt động với tổng kinh phí trên 4,2 tỷ đồng" in text
    commune = run_report("T-70102", "2023")
    assert "237 hoạt động với tổng kinh phí trên 2,1 tỷ đồng" in commune
    assert "**BAN CHẤP HÀNH**" in commune


def test_every_format_is_a_valid_document(report_tree, tmp_path):
    report = report_build(report_tree["province"], "2023", issued=dt.date(2024, 1, 15))

    html = report_render(report, "html").decode()
    assert html.startswith("<!DOCTYPE html>") and "trên 4,2 tỷ đồng" in html

    document = Document(io.BytesIO(report_render(report, "docx")))
    texts = [p.text for p in document.paragraphs]
    assert "BÁO CÁO" in texts
    assert "Kết quả công tác Hội và phong trào phụ nữ năm 2023" in texts
    assert document.sections[0].left_margin.mm == pytest.approx(30, abs=0.01)
    assert document.styles["Normal"].font.name == "Times New Roman"

    sheet = load_workbook(io.BytesIO(report_render(report, "xlsx"))).active
    rows = {r[0]: r for r in sheet.iter_rows(values_only=True) if r[0]}
    assert rows["Kinh phí các hoạt động thu hút, tập hợp phụ nữ"][2] == 4_236_500_000
    assert rows["Hội viên phát triển mới (tăng thực)"][6] == pytest.approx(4094 / 2100)

    pdf = report_render(report, "pdf")
    assert pdf.startswith(b"%PDF") and pdf.rstrip().endswith(b"%%EOF")
    path = tmp_path / "bc.pdf"
    path.write_bytes(pdf)
    # Poppler reads the PDF back; `make system-packages` installs it (poppler-utils).
    assert shutil.which("pdfinfo") and shutil.which("pdftotext"), "make system-packages"
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    assert int(info.split("Pages:")[1].split()[0]) >= 2  # the narrative, the appendix
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "trên 4,2 tỷ đồng" in text


def test_command_writes_files(report_tree, tmp_path):
    for fmt in ("md", "xlsx"):
        output = tmp_path / f"bc.{fmt}"
        call_command(
            "report", "T-70", "2023", "--format", fmt, "--output", str(output), stderr=io.StringIO()
        )
        assert output.stat().st_size > 1000


def test_command_errors_in_vietnamese(report_tree):
    with pytest.raises(CommandError, match="Không có đơn vị mã “T-99”"):
        run_report("T-99", "2023")
    with pytest.raises(CommandError, match="Mã kỳ|kỳ"):
        run_report("T-70", "2023X9")
    with pytest.raises(CommandError, match="cần tùy chọn --output"):
        run_report("T-70", "2023", "--format", "pdf")
    with pytest.raises(CommandError, match="Không có phiên bản cơ cấu “1999”"):
        run_report("T-70", "2023", "--edition", "1999")
    assert "HỘI LHPN TỈNH THỬ" in run_report("T-70", "2023", "--edition", "2008")


def test_command_refuses_bad_output_paths(report_tree, tmp_path):
    with pytest.raises(CommandError, match="Không có thư mục"):
        run_report("T-70", "2023", "--output", str(tmp_path / "chua-co" / "bc.md"))
    locked = tmp_path / "khoa"
    locked.mkdir()
    (locked / "bc.md").mkdir()  # a folder where the file should go: never writable
    with pytest.raises(CommandError, match="Không ghi được tệp"):
        run_report("T-70", "2023", "--output", str(locked / "bc.md"))


def test_a_unit_without_figures_is_refused_unless_a_draft_is_asked(report_tree):
    with pytest.raises(CommandError, match="Chưa có số liệu của Hội LHPN xã C cho năm 2023"):
        run_report("T-70201", "2023")
    with pytest.raises(CommandError, match="Chưa có số liệu"):
        run_report("T-70", "2019")
    draft = run_report("T-70201", "2023", "--draft")
    assert "# BÁO CÁO (DỰ THẢO)" in draft and "Chưa có số liệu." in draft
    assert "đạt" not in draft.split("## Phụ lục")[0]


def test_the_date_is_the_day_of_submission_or_approval_or_left_blank(report_tree):
    assert "*Thử, ngày ….. tháng ….. năm ……*" in run_report("T-70", "2023")
    submission = Submission.objects.create(
        form=Form.objects.get(code="BC_NAM_TINH"),
        unit=report_tree["province"],
        period=period_get("2023"),
        status=SubmissionStatus.SUBMITTED,
        submitted_at=dt.datetime(2024, 1, 9, 20, 0, tzinfo=dt.UTC),  # the 10th in Vietnam
    )
    assert "*Thử, ngày 10 tháng 01 năm 2024*" in run_report("T-70", "2023")
    submission.status = SubmissionStatus.APPROVED
    submission.decided_at = dt.datetime(2024, 1, 20, 3, 0, tzinfo=dt.UTC)
    submission.save()
    assert "*Thử, ngày 20 tháng 01 năm 2024*" in run_report("T-70", "2023")


@pytest.mark.parametrize(
    ("value", "kwargs", "expected"),
    [
        (32_418, {"word": "ngàn"}, "hơn 32 ngàn"),
        (32_000, {"word": "ngàn"}, "32 ngàn"),
        (640, {"word": "ngàn"}, "640"),
        (204, {"step": 100}, "hơn 200"),
        (299, {"step": 100}, "hơn 200"),
        (1_250_000, {"word": "triệu"}, "hơn 1 triệu"),
        (7, {"step": 1}, "7"),
    ],
)
def test_counts_written_by_scale(value, kwargs, expected):
    from phongtrao.reports.figures import format_about

    assert format_about(value, **kwargs) == expected


def test_building_the_report_reads_a_bounded_number_of_queries(
    report_tree, django_assert_max_num_queries
):
    # Totals, last year, targets and completeness for the whole catalog at once; each phase
    # target adds the earlier years of its phase (analytics), not a query per indicator.
    with django_assert_max_num_queries(30):
        report_build(report_tree["province"], "2023")


def test_officers_wording_is_read_before_the_default(report_tree, tmp_path, settings):
    from phongtrao.reports.builder import narrative_engine

    narrative = tmp_path / "reports" / "narrative"
    narrative.mkdir(parents=True)
    (narrative / "section_1.txt").write_text(
        "{% paragraph %}Tổng kinh phí: {{ f.TH_KP.money }}.{% endparagraph %}", encoding="utf-8"
    )
    settings.REPORTS_TEMPLATE_DIRS = [tmp_path]
    narrative_engine.cache_clear()
    try:
        report = report_build(report_tree["province"], "2023")
    finally:
        narrative_engine.cache_clear()
    assert report.sections[0].paragraphs == ["Tổng kinh phí: trên 4,2 tỷ đồng."]


def test_a_section_without_wording_lists_its_figures(report_tree):
    from decimal import Decimal

    from phongtrao.catalog.models import Indicator, Section
    from phongtrao.data.services import datavalues_save, period_get

    section = Section.objects.create(number=6, name="Công tác khác")
    indicator = Indicator.objects.create(
        uid="Xtestabcdef",
        code="X_TEST",
        section=section,
        name="Buổi sinh hoạt chuyên đề",
        unit_label="buổi",
        value_type="integer",
        time_aggregation="sum",
        sort_order=999,
    )
    datavalues_save(
        actor=SYSTEM,
        unit=report_tree["c3"],
        period=period_get("2023"),
        values={indicator: Decimal(7)},
    )
    md = run_report("T-70", "2023")
    assert "## 5. Công tác khác\n\nBuổi sinh hoạt chuyên đề: 07 buổi.\n" in md
    assert "2/2 đơn vị trực thuộc đã báo cáo (đạt 100%)" in md


def test_report_xlsx_carries_no_formula(report_tree, indicators):
    attack = '=HYPERLINK("http://evil.example")'
    indicators["HV_PTM"].__class__.objects.filter(code="HV_PTM").update(name=attack)
    report = report_build(report_tree["province"], "2023", issued=dt.date(2024, 1, 15))

    sheet = load_workbook(io.BytesIO(report_render(report, "xlsx"))).active

    cells = [c for row in sheet.iter_rows() for c in row if c.value == attack]
    assert cells and all(c.data_type == "s" for c in cells)
