"""The emulation pages over HTTP: who may do what, what an outsider gets, the documents."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from docx import Document
from openpyxl import load_workbook

from phongtrao.emulation.models import (
    Assessment,
    AwardRule,
    AwardType,
    Correction,
    Evidence,
    Proposal,
    Status,
)
from phongtrao.emulation.services import (
    criteria_set_confirm,
    criteria_set_publish,
    decision_issue,
    proposals_generate,
)
from phongtrao.orgs.models import Level

from .conftest import SYSTEM, hand_set, scored

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(small_tree, settings, tmp_path):
    """Xã A and Xã B graded, published, Xã A awarded; an evidence file on Xã A."""
    settings.MEDIA_ROOT = tmp_path
    criteria_set = hand_set(small_tree["province"])
    a1 = scored(criteria_set, small_tree["c1"], [(40, 0), (20, 0), (35, 0)])
    scored(criteria_set, small_tree["c2"], [(30, 0), (15, 0), (25, 0)])
    score = a1.scores.first()
    evidence = Evidence.objects.create(
        score=score,
        file=SimpleUploadedFile("bien-ban.pdf", b"%PDF-1.4 bi mat"),
        name="bien-ban.pdf",
    )
    criteria_set_confirm(actor=SYSTEM, criteria_set=criteria_set)
    criteria_set_publish(actor=SYSTEM, criteria_set=criteria_set)
    AwardType.objects.create(
        code="GK",
        name="Giấy khen của Ban Thường vụ Hội LHPN tỉnh",
        issuer_name="BTV",
        rule=AwardRule.EXCELLENT,
        unit_level=Level.COMMUNE,
    )
    proposals_generate(actor=SYSTEM, proposer=small_tree["province"], year=2023)
    decision = decision_issue(
        actor=SYSTEM,
        issuer=small_tree["province"],
        proposals=list(Proposal.objects.all()),
        number="15/QĐ-BTV",
        date=dt.date(2024, 1, 20),
        signer="Trần Thị B",
        signer_title="Chủ tịch",
    )
    return {"set": criteria_set, "a1": a1, "evidence": evidence, "decision": decision}


def test_an_outsider_gets_nothing_of_another_district(client, people, small_tree, published):
    c1, province = small_tree["c1"], small_tree["province"]
    paths = [
        f"/thi-dua/danh-gia/{c1.uid}/2023/",
        f"/thi-dua/danh-gia/{c1.uid}/2023/check/",
        f"/thi-dua/danh-gia/{c1.uid}/2023/correct/",
        f"/thi-dua/minh-chung/{published['evidence'].pk}/",
        f"/thi-dua/ket-qua/{province.uid}/2023/3/",
        f"/thi-dua/ket-qua/{province.uid}/2023/3/bang-diem.xlsx",
        f"/thi-dua/ket-qua/{province.uid}/2023/3/publish/",
        f"/thi-dua/de-nghi/{province.uid}/2023/",
        f"/thi-dua/de-nghi/{province.uid}/2023/danh-sach.docx",
        f"/thi-dua/quyet-dinh/{published['decision'].pk}/",
        f"/thi-dua/don-vi/{c1.uid}/",
    ]
    client.force_login(people["xa2"])
    for path in paths:
        for method in ("get", "post"):
            response = getattr(client, method)(path, {"reason": "x", "action": "generate"})
            assert response.status_code in (404, 405), f"{method} {path}"
            assert b"X\xc3\xa3 A" not in response.content
    home = client.get("/thi-dua/")
    assert home.status_code == 200 and "Xã A" not in home.content.decode()
    assert Correction.objects.count() == 0


def test_a_commune_sees_its_own_record_but_not_the_province_results(
    client, people, small_tree, published
):
    c1, province = small_tree["c1"], small_tree["province"]
    client.force_login(people["xa"])
    page = client.get(f"/thi-dua/don-vi/{c1.uid}/").content.decode()
    assert "Giấy khen của Ban Thường vụ Hội LHPN tỉnh" in page
    assert "Quyết định số 15/QĐ-BTV ngày 20/01/2024" in page
    assert "Hoàn thành xuất sắc nhiệm vụ" in page
    assert client.get(f"/thi-dua/ket-qua/{province.uid}/2023/3/").status_code == 404
    assert client.get(f"/thi-dua/quyet-dinh/{published['decision'].pk}/").status_code == 200
    evidence = client.get(f"/thi-dua/minh-chung/{published['evidence'].pk}/")
    assert b"".join(evidence.streaming_content) == b"%PDF-1.4 bi mat"


def test_results_page_and_score_sheet(
    client, people, small_tree, published, django_assert_max_num_queries
):
    province = small_tree["province"]
    client.force_login(people["tinh"])
    with django_assert_max_num_queries(20):
        page = client.get(f"/thi-dua/ket-qua/{province.uid}/2023/3/").content.decode()
    assert "Hoàn thành tốt nhiệm vụ trở lên: <b>2/2 (100,0%)</b>" in page
    assert "Đã công bố" in page
    sheet = client.get(f"/thi-dua/ket-qua/{province.uid}/2023/3/bang-diem.xlsx")
    rows = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "BẢNG TỔNG HỢP ĐIỂM THI ĐUA NĂM 2023"
    assert rows[3][:4] == ("STT", "Đơn vị", "Nhóm 1 (60 điểm)", "Nhóm 2 (40 điểm)")
    assert rows[4][1] == "Hội LHPN xã A" and rows[4][5] == Decimal(95)
    assert rows[4][6] == "Hoàn thành xuất sắc nhiệm vụ"


def test_decision_and_proposals_are_administrative_documents(client, people, small_tree, published):
    province = small_tree["province"]
    client.force_login(people["tinh"])
    decision = Document(
        io.BytesIO(client.get(f"/thi-dua/quyet-dinh/{published['decision'].pk}/").content)
    )
    heading = [c.text for c in decision.tables[0].rows[0].cells]
    assert heading[0].splitlines() == [
        "HỘI LHPN TỈNH THỬ",
        "BAN THƯỜNG VỤ",
        "――――――",
        "Số: 15/QĐ-BTV",
    ]
    assert heading[1].splitlines()[:2] == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
    ]
    assert heading[1].splitlines()[3] == "Thử, ngày 20 tháng 01 năm 2024"
    texts = [p.text for p in decision.paragraphs]
    assert "QUYẾT ĐỊNH" in texts
    assert any(t.startswith("Điều 1. Tặng Giấy khen") and "Hội LHPN xã A" in t for t in texts)
    signer = decision.tables[-1].rows[0].cells[1].text.splitlines()
    assert signer[:2] == ["TM. BAN THƯỜNG VỤ", "CHỦ TỊCH"] and signer[-1] == "Trần Thị B"
    listing = Document(
        io.BytesIO(client.get(f"/thi-dua/de-nghi/{province.uid}/2023/danh-sach.docx").content)
    )
    rows = [[c.text for c in r.cells] for r in listing.tables[1].rows]
    assert rows[1][1:] == [
        "Hội LHPN xã A",
        "Giấy khen của Ban Thường vụ Hội LHPN tỉnh",
        "Hoàn thành xuất sắc nhiệm vụ năm 2023",
    ]


def test_self_assessment_form_saves_and_refuses_bad_points(
    client, people, small_tree, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    criteria_set = hand_set(small_tree["province"], year=2024)
    c1 = small_tree["c1"]
    url = f"/thi-dua/danh-gia/{c1.uid}/2024/"
    client.force_login(people["xa"])
    client.post(url + "start/")
    assessment = Assessment.objects.get(criteria_set=criteria_set, unit=c1)
    ids = [
        s.criterion_id
        for s in assessment.scores.order_by("criterion__group__number", "criterion__number")
    ]
    bad = {f"p_{ids[0]}": "45", f"p_{ids[1]}": "10", f"p_{ids[2]}": "10"}
    response = client.post(url, bad, follow=True)
    assert "Tiêu chí 1.1: điểm phải từ 0 đến 40." in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.total == 0
    good = {
        f"p_{ids[0]}": "38,5",
        f"b_{ids[0]}": "1",
        f"n_{ids[0]}": "Kết nạp vượt chỉ tiêu",
        f"f_{ids[0]}": SimpleUploadedFile("danh-sach.xlsx", b"PK danh sach"),
        f"p_{ids[1]}": "10",
        f"p_{ids[2]}": "10",
        "action": "submit",
    }
    response = client.post(url, good, follow=True)
    assert "Đã gửi bản tự chấm lên cấp trên." in response.content.decode()
    assessment.refresh_from_db()
    assert (assessment.status, assessment.total) == (Status.SUBMITTED, Decimal("59.50"))
    evidence = Evidence.objects.get(score__assessment=assessment)
    assert (evidence.name, evidence.score.note) == ("danh-sach.xlsx", "Kết nạp vượt chỉ tiêu")
    assert "danh-sach.xlsx" in response.content.decode()


def test_a_published_result_is_corrected_by_a_recorded_decision_from_its_page(
    client, people, small_tree, published
):
    c1 = small_tree["c1"]
    url = f"/thi-dua/danh-gia/{c1.uid}/2023/"
    criterion = published["a1"].scores.get(criterion__group__number=2).criterion
    data = {
        "criterion": criterion.pk,
        "points": "25",
        "reason": "Phúc tra",
        "decision_number": "3/QĐ",
    }
    client.force_login(people["huyen"])  # approves, but is not the council
    response = client.post(url + "correct/", data, follow=True)
    assert "Chỉ Hội đồng thi đua" in response.content.decode()
    assert Correction.objects.count() == 0
    client.force_login(people["tinh"])
    page = client.post(url + "correct/", data, follow=True).content.decode()
    assert "Đã ghi quyết định điều chỉnh kết quả." in page
    correction = Correction.objects.get()
    assert (correction.old_total, correction.new_total) == (Decimal(95), Decimal(85))
    assert correction.by == people["tinh"]
    assert "Phúc tra (3/QĐ)" in page
    assessment = Assessment.objects.get(pk=published["a1"].pk)
    assert (assessment.status, assessment.total) == (Status.PUBLISHED, Decimal(95))


def test_score_sheet_carries_no_formula(client, people, small_tree, published):
    attack = "=1+cmd|' /C calc'!A0"
    c1 = small_tree["c1"]
    # An agency's union is written by its own name, so the attack reaches the sheet as typed.
    type(c1).objects.filter(pk=c1.pk).update(name=attack, kind="agency")
    client.force_login(people["tinh"])

    response = client.get(f"/thi-dua/ket-qua/{small_tree['province'].uid}/2023/3/bang-diem.xlsx")

    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [c for row in sheet.iter_rows() for c in row if c.value == attack]
    assert cells and all(c.data_type == "s" for c in cells)


def test_evidence_lives_outside_public_media_and_only_its_view_serves_it(
    client, people, small_tree, published, settings, monkeypatch
):
    """The issue's failure 4: `make demo` (PHONGTRAO_DEV=1) served evidence at /media/."""
    import importlib
    from pathlib import Path

    from django.urls import Resolver404, resolve

    import config.urls

    evidence = published["evidence"]
    stored = Path(evidence.file.path).resolve()
    assert not stored.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert not stored.is_relative_to(Path(settings.BASE_DIR).resolve() / "media")
    client.force_login(people["xa2"])  # another district's commune
    assert client.get(f"/thi-dua/minh-chung/{evidence.pk}/").status_code == 404

    monkeypatch.setenv("PHONGTRAO_DEV", "1")
    dev_urls = importlib.reload(config.urls)
    try:
        match = resolve(f"/media/{evidence.file.name}", urlconf=dev_urls)
        assert match.func.__name__ != "serve" or "thi-dua" not in match.kwargs.get("path", "")
    except Resolver404:
        pass
    finally:
        monkeypatch.delenv("PHONGTRAO_DEV")
        importlib.reload(config.urls)
