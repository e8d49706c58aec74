"""The whole document: passages officers write (parts I–IV, history, lock), document details
from the unit, the register of numbers, NĐ 30/2020 details of the Word file."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from docx import Document

from phongtrao.accounts.models import Role
from phongtrao.accounts.services import membership_set
from phongtrao.actors import SYSTEM
from phongtrao.catalog.models import Form
from phongtrao.data.models import Submission, SubmissionStatus
from phongtrao.data.services import period_get, target_set
from phongtrao.reports.builder import report_build
from phongtrao.reports.formats import report_render
from phongtrao.reports.models import Part, ReportTextRevision
from phongtrao.reports.services import ReportTextError, report_texts_save

pytestmark = pytest.mark.django_db


def officer(username, unit):
    user = get_user_model().objects.create_user(username, password="mat-khau-dai-123")
    membership_set(actor=SYSTEM, user=user, unit=unit, roles={Role.VIEW, Role.ENTER})
    return user


@pytest.fixture
def tinh(report_tree):
    return officer("tinh", report_tree["province"])


def page_url(unit, tail=""):
    return f"/bao-cao/{unit.uid}/2023/{tail}"


def test_officer_writes_parts_two_to_four_on_the_report_page(client, report_tree, tinh):
    province = report_tree["province"]
    client.force_login(tinh)
    response = client.post(
        page_url(province, "loi-van/"),
        {
            Part.STRENGTHS: "Các cấp Hội chủ động, sáng tạo.",
            Part.CAUSES: "Sự quan tâm của cấp ủy.\nCán bộ Hội nhiệt tình.",
            Part.PROPOSALS: "Đề nghị Trung ương Hội tiếp tục hỗ trợ kinh phí.",
            Part.RESULTS_1: "Tính đến ngày 30/10/2023, toàn tỉnh có 46 mô hình.",
        },
    )
    assert response.status_code == 302
    md = client.get(page_url(province, "md/")).content.decode()
    body = md.split("## Phụ lục")[0]
    assert "## I. KẾT QUẢ THỰC HIỆN" in body
    assert "## II. ĐÁNH GIÁ CHUNG\n\n### 1. Ưu điểm\n\nCác cấp Hội chủ động, sáng tạo." in body
    # Nothing short of target, no target for 2024: no hạn chế, no phương hướng proposed,
    # and the parts present are numbered in order.
    assert "### 2. Nguyên nhân\n\nSự quan tâm của cấp ủy.\n\nCán bộ Hội nhiệt tình." in body
    assert "## III. ĐỀ XUẤT, KIẾN NGHỊ\n\nĐề nghị Trung ương Hội" in body
    section_1 = body.split("## 1.")[1].split("## 2.")[0]
    assert "Tính đến ngày 30/10/2023, toàn tỉnh có 46 mô hình." in section_1
    page = client.get(page_url(province)).content.decode()
    assert "Các cấp Hội chủ động, sáng tạo." in page  # on screen and in the form
    assert "Lịch sử sửa lời văn" in page


def test_weaknesses_and_directions_are_proposed_from_the_figures(report_tree, indicators):
    province = report_tree["province"]
    target_set(
        actor=SYSTEM,
        indicator=indicators["TH_HD"],
        unit=province,
        value=Decimal(1000),
        period=period_get("2023"),
    )
    target_set(
        actor=SYSTEM,
        indicator=indicators["HV_PTM"],
        unit=province,
        value=Decimal(2200),
        period=period_get("2024"),
    )
    report = report_build(province, "2023")
    closing = {s.heading: s.paragraphs for s in report.closing}
    weaknesses = closing["1. Hạn chế, khuyết điểm"]  # no ưu điểm written: numbered first
    assert weaknesses == [
        "- Hoạt động thu hút, tập hợp phụ nữ tham gia tổ chức Hội: đạt 44% chỉ tiêu, chưa đạt "
        "chỉ tiêu đề ra."
    ]
    directions = closing["III. PHƯƠNG HƯỚNG, NHIỆM VỤ NĂM 2024"]
    assert directions[0] == "Phấn đấu thực hiện các chỉ tiêu năm 2024:"
    assert any("2.200 hội viên (chỉ tiêu năm 2024)" in line for line in directions)


def test_passages_keep_their_history_and_refuse_a_stale_save(report_tree, tinh):
    province = report_tree["province"]
    (first,) = report_texts_save(
        actor=tinh, unit=province, period_code="2023", texts={Part.STRENGTHS: "Một."}
    )
    report_texts_save(
        actor=tinh,
        unit=province,
        period_code="2023",
        texts={Part.STRENGTHS: "Hai."},
        versions={Part.STRENGTHS: 1},
    )
    with pytest.raises(ReportTextError, match="vừa được người khác sửa"):
        report_texts_save(
            actor=tinh,
            unit=province,
            period_code="2023",
            texts={Part.STRENGTHS: "Ba."},
            versions={Part.STRENGTHS: 1},
        )
    history = [(r.old_text, r.new_text) for r in ReportTextRevision.objects.order_by("pk")]
    assert history == [("", "Một."), ("Một.", "Hai.")]


def test_passages_are_locked_once_the_report_is_approved(client, report_tree, tinh):
    province = report_tree["province"]
    Submission.objects.create(
        form=Form.objects.get(code="BC_NAM_TINH"),
        unit=province,
        period=period_get("2023"),
        status=SubmissionStatus.APPROVED,
        decided_at=dt.datetime(2024, 1, 20, 3, 0, tzinfo=dt.UTC),
    )
    with pytest.raises(ReportTextError, match="đã được duyệt"):
        report_texts_save(actor=tinh, unit=province, period_code="2023", texts={Part.CAUSES: "X"})
    client.force_login(tinh)
    page = client.get(page_url(province)).content.decode()
    assert "lời văn đã khóa" in page and "Lưu lời văn" not in page


def test_an_officer_of_another_unit_cannot_write(client, report_tree):
    outsider = officer("xa_c", report_tree["c3"])
    client.force_login(outsider)
    for tail in ("loi-van/", "thong-tin-van-ban/", "cap-so/"):
        response = client.post(page_url(report_tree["c1"], tail), {Part.CAUSES: "X"})
        assert response.status_code == 404
    assert not ReportTextRevision.objects.exists()


def test_document_details_come_from_the_unit_and_its_register(client, report_tree, tinh):
    province = report_tree["province"]
    client.force_login(tinh)
    client.post(
        page_url(province, "thong-tin-van-ban/"),
        {
            "parent_line": "HỘI LHPN VIỆT NAM",
            "issuer_line": "BAN THƯỜNG VỤ HỘI LHPN TỈNH THỬ",
            "number_suffix": "BC-HPN",
            "place": "Thử",
            "signer_role": "TM. BAN THƯỜNG VỤ",
            "signer_title": "CHỦ TỊCH",
            "signer_name": "Nguyễn Thị Hoa",
            "recipients": "Trung ương Hội LHPN Việt Nam;\nThường trực Tỉnh ủy;\nLưu: VT.",
        },
    )
    client.post(page_url(province, "cap-so/"))
    client.post(page_url(province, "cap-so/"))  # the same number again, not a second one
    md = client.get(page_url(province, "md/")).content.decode()
    assert "**HỘI LHPN VIỆT NAM**" in md
    assert "**BAN THƯỜNG VỤ HỘI LHPN TỈNH THỬ**" in md
    assert "Số: 01/BC-HPN" in md
    assert "**Nguyễn Thị Hoa**" in md
    assert "- Thường trực Tỉnh ủy;" in md and "Như trên" not in md


def test_the_word_file_follows_decree_30(report_tree):
    report = report_build(report_tree["province"], "2023")
    document = Document(io.BytesIO(report_render(report, "docx")))
    assert document.core_properties.author == "Hội LHPN tỉnh Thử"
    assert document.core_properties.language == "vi-VN"
    appendix = document.tables[-1]
    assert appendix.rows[0]._tr.trPr.xpath("./w:tblHeader")  # repeated on every page
    body = [p for p in document.paragraphs if p.text.strip()]
    assert all(
        p.paragraph_format.space_after is None or p.paragraph_format.space_after.pt >= 6
        for p in body
        if p.alignment == 3  # justified body text
    )
    last_body = [p for p in body if p.alignment == 3][-1]
    assert last_body.paragraph_format.keep_with_next


def test_the_workbook_has_codes_fractions_and_filters(report_tree):
    from openpyxl import load_workbook

    report = report_build(report_tree["province"], "2023")
    sheet = load_workbook(io.BytesIO(report_render(report, "xlsx"))).active
    rows = {r[8]: r for r in sheet.iter_rows(values_only=True) if r and len(r) > 8 and r[8]}
    assert rows["HV_PTM"][6] == pytest.approx(4094 / 2100)  # achievement as a fraction
    assert rows["CS_TOT_TL"][5] == pytest.approx(0.9)  # a rate's target: 90% is 0.9
    assert sheet.auto_filter.ref.startswith("A4:I")
    assert sheet.freeze_panes == "C5"


def test_the_district_committee_writes_its_report_but_a_viewer_does_not(client, report_tree):
    district = report_tree["d1"]
    committee = get_user_model().objects.create_user("huyen", password="mat-khau-dai-123")
    membership_set(actor=SYSTEM, user=committee, unit=district, roles={Role.VIEW, Role.APPROVE})
    viewer = get_user_model().objects.create_user("xem", password="mat-khau-dai-123")
    membership_set(actor=SYSTEM, user=viewer, unit=district, roles={Role.VIEW})
    text = {Part.WEAKNESSES: "Một số chi hội sinh hoạt chưa đều."}

    client.force_login(viewer)
    assert "Lưu lời văn" not in client.get(page_url(district)).content.decode()
    client.post(page_url(district, "loi-van/"), text)
    assert "sinh hoạt chưa đều" not in client.get(page_url(district, "md/")).content.decode()

    client.force_login(committee)
    assert "Lưu lời văn" in client.get(page_url(district)).content.decode()
    assert client.post(page_url(district, "loi-van/"), text).status_code == 302
    assert (
        "Một số chi hội sinh hoạt chưa đều."
        in client.get(page_url(district, "md/")).content.decode()
    )
