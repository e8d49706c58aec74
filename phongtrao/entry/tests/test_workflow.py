from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from phongtrao.actors import SYSTEM
from phongtrao.audit.models import AuditLog
from phongtrao.catalog.models import Form, Indicator
from phongtrao.data.models import Submission, SubmissionStatus
from phongtrao.data.services import datavalue_save, period_get
from phongtrao.data.workflow import (
    DataLocked,
    submission_approve,
    submission_return,
    submission_submit,
    submission_unlock,
)

from .conftest import entry_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(commune_form, small_tree):
    return {"form": commune_form, "unit": small_tree["c1"], "period": period_get("2023")}


def _save(report, value, user=None):
    indicator = Indicator.objects.get(code="TH_HD")
    return datavalue_save(
        indicator=indicator,
        unit=report["unit"],
        period=report["period"],
        value=Decimal(value),
        actor=user,
    )


def test_submitted_and_approved_reports_lock_their_values(report, people):
    _save(report, 5, people["xa"])
    submission_submit(**report, user=people["xa"])
    with pytest.raises(DataLocked, match="đang chờ duyệt"):
        _save(report, 6, people["xa"])
    submission_approve(**report, user=people["huyen"])
    with pytest.raises(DataLocked, match="đã được duyệt"):
        _save(report, 6, people["xa"])


def test_return_with_reason_reopens_entry_and_is_audited(report, people):
    submission_submit(**report, user=people["xa"])
    with pytest.raises(ValidationError, match="lý do"):
        submission_return(**report, user=people["huyen"], reason="  ")
    returned = submission_return(
        **report, user=people["huyen"], reason="Số hộ thoát nghèo chưa khớp"
    )
    assert returned.status == SubmissionStatus.RETURNED
    _save(report, 6, people["xa"])
    assert submission_submit(**report, user=people["xa"]).status == SubmissionStatus.SUBMITTED
    log = AuditLog.objects.get(action="return")
    assert log.user == people["huyen"] and "thoát nghèo" in log.detail


def test_only_the_level_above_approves(report, people):
    submission_submit(**report, user=people["xa"])
    for user in (people["xa"], people["xa2"]):
        with pytest.raises(PermissionDenied):
            submission_approve(**report, user=user)
    with pytest.raises(PermissionDenied):
        submission_submit(**report, user=people["xa2"])


def test_a_level_approves_only_after_all_units_below(commune_form, small_tree, people):
    period = period_get("2023")
    district = {"form": commune_form, "unit": small_tree["d1"], "period": period}
    Submission.objects.create(**district, status=SubmissionStatus.SUBMITTED)
    with pytest.raises(ValidationError, match="2 đơn vị cấp dưới chưa được duyệt"):
        submission_approve(**district, user=people["tinh"])
    for key, officer in (("c1", "xa"), ("c2", "xa_b")):
        commune = {"form": commune_form, "unit": small_tree[key], "period": period}
        submission_submit(**commune, user=people[officer])
        submission_approve(**commune, user=people["huyen"])
    assert submission_approve(**district, user=people["tinh"]).status == SubmissionStatus.APPROVED
    # Unlocking goes from the top down.
    c1 = {"form": commune_form, "unit": small_tree["c1"], "period": period}
    with pytest.raises(ValidationError, match="cấp trên"):
        submission_unlock(**c1, user=people["huyen"], reason="Sửa số liệu")


def test_unlock_needs_a_reason_and_is_audited(report, people):
    submission_submit(**report, user=people["xa"])
    submission_approve(**report, user=people["huyen"])
    unlocked = submission_unlock(**report, user=people["huyen"], reason="Xã báo cáo bổ sung")
    assert unlocked.status == SubmissionStatus.UNLOCKED
    _save(report, 9, people["xa"])
    actions = set(AuditLog.objects.values_list("action", flat=True))
    assert {"submit", "approve", "unlock"} <= actions


def test_the_workflow_through_the_pages(client, report, people):
    url = entry_url(report["form"], report["unit"])
    th_hd = Indicator.objects.get(code="TH_HD")
    client.force_login(people["xa"])
    response = client.post(
        url,
        {f"v_{th_hd.pk}": "12", f"o_{th_hd.pk}": "", f"ver_{th_hd.pk}": "0", "action": "submit"},
        follow=True,
    )
    html = response.content.decode()
    assert (
        "Đã gửi báo cáo lên cấp trên." in html
        and "Đã gửi, chờ duyệt" in html
        and "readonly" in html
    )

    client.force_login(people["huyen"])
    html = client.get("/nhap-lieu/").content.decode()
    assert "Báo cáo chờ duyệt" in html and url in html
    html = client.post(
        url + "return/", {"reason": "Thiếu số liệu mục 2"}, follow=True
    ).content.decode()
    assert "Đã trả lại báo cáo cho đơn vị." in html

    client.force_login(people["xa"])
    html = client.get(url).content.decode()
    assert "Bị trả lại" in html and "Thiếu số liệu mục 2" in html
    client.post(
        url,
        {f"v_{th_hd.pk}": "13", f"o_{th_hd.pk}": "12", f"ver_{th_hd.pk}": "1", "action": "submit"},
    )
    assert client.post(url + "approve/").status_code == 403

    client.force_login(people["huyen"])
    html = client.post(url + "approve/", follow=True).content.decode()
    assert "Đã duyệt báo cáo." in html

    client.force_login(people["xa"])
    html = client.get(url).content.decode()
    assert "số liệu đã khóa" in html and "Lưu nháp" not in html
    response = client.post(
        url, {f"v_{th_hd.pk}": "14", f"o_{th_hd.pk}": "13", f"ver_{th_hd.pk}": "2"}
    )
    assert response.status_code == 400 and "đã được duyệt" in response.content.decode()


def test_completeness_shows_who_sent_on_time_late_and_who_not(
    client, commune_form, small_tree, people
):
    import datetime as dt

    from django.utils import timezone

    period = period_get("2023")
    submission_submit(form=commune_form, unit=small_tree["c1"], period=period, user=people["xa"])
    late = submission_submit(
        form=commune_form, unit=small_tree["c2"], period=period, user=people["xa_b"]
    )
    Submission.objects.filter(pk=late.pk).update(submitted_at=timezone.now())
    Submission.objects.filter(unit=small_tree["c1"]).update(
        submitted_at=dt.datetime(2024, 1, 10, 9, 0, tzinfo=dt.UTC)
    )
    # Sent while open (the test's forms have no deadline); judged against the real one.
    Form.objects.filter(pk=commune_form.pk).update(deadline_days=15)
    client.force_login(people["tinh"])
    html = client.get(
        f"/nhap-lieu/tinh-hinh/BC_NAM_XA/{small_tree['province'].uid}/2023/"
    ).content.decode()
    assert "Đã nộp <strong>2/3</strong> đơn vị, trong đó 1 đơn vị nộp muộn." in html
    assert "Cần nhắc nộp (1 đơn vị)" in html and "Xã C (Huyện Hai)" in html
    assert "hạn nộp 15/01/2024" in html and "Đúng hạn" in html and "Muộn" in html
    client.force_login(people["huyen"])
    response = client.get(f"/nhap-lieu/tinh-hinh/BC_NAM_XA/{small_tree['province'].uid}/2023/")
    assert response.status_code == 404
    html = client.get(
        f"/nhap-lieu/tinh-hinh/BC_NAM_XA/{small_tree['d1'].uid}/2023/"
    ).content.decode()
    assert "Đã nộp <strong>2/2</strong>" in html and "Xã C" not in html


def test_completeness_queries_do_not_grow_with_units(client, commune_form, small_tree, people):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from phongtrao.orgs.models import Level
    from phongtrao.orgs.services import unit_create

    url = f"/nhap-lieu/tinh-hinh/BC_NAM_XA/{small_tree['province'].uid}/2023/"
    client.force_login(people["tinh"])
    client.get(url)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    before = count()
    for i in range(6):
        unit = unit_create(
            edition=small_tree["c1"].edition,
            code=f"T-Y{i}",
            name=f"Xã Y{i}",
            level=Level.COMMUNE,
            parent=small_tree["d2"],
        )
        Submission.objects.create(
            form=commune_form, unit=unit, period=period_get("2023"), status="submitted"
        )
    assert count() == before


def test_imports_cannot_change_a_submitted_report(report, people):
    from phongtrao.data.bulk import BulkRejected, BulkValue, datavalues_import

    _save(report, 5, people["xa"])
    submission_submit(**report, user=people["xa"])
    unit, indicator = report["unit"], Indicator.objects.get(code="TH_HD")
    with pytest.raises(BulkRejected) as caught:
        datavalues_import(
            actor=SYSTEM,
            values=[BulkValue(unit.id, unit.path, indicator, report["period"], Decimal(9))],
        )
    assert "đã khóa" in caught.value.result.problems[0].reason
    assert unit.datavalue_set.get(indicator=indicator).value == 5
