"""After the form's deadline entry is locked for officers, until the level above reopens it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from phongtrao.actors import SYSTEM
from phongtrao.audit.models import AuditLog
from phongtrao.catalog.models import Indicator
from phongtrao.data.models import DataValue, SubmissionStatus
from phongtrao.data.services import datavalue_save, period_get
from phongtrao.data.workflow import (
    DataLocked,
    deadline_locked_keys,
    submission_return,
    submission_submit,
    submission_unlock,
)

from .conftest import entry_url

pytestmark = pytest.mark.django_db

OVERDUE = "Đã quá hạn nộp (15/01/2024); liên hệ cấp trên để mở khóa."


@pytest.fixture
def late(commune_form, small_tree, deadlines):
    """The commune's 2023 report: its deadline was 15/01/2024."""
    return {"form": commune_form, "unit": small_tree["c1"], "period": period_get("2023")}


def _save(report, value, user):
    return datavalue_save(
        indicator=Indicator.objects.get(code="TH_HD"),
        unit=report["unit"],
        period=report["period"],
        value=Decimal(value),
        actor=user,
    )


def test_past_the_deadline_an_officer_can_neither_save_nor_submit(late, people):
    with pytest.raises(DataLocked) as caught:
        _save(late, 5, people["xa"])
    assert caught.value.messages == [OVERDUE]
    with pytest.raises(DataLocked, match="quá hạn nộp"):
        submission_submit(**late, user=people["xa"])
    assert not DataValue.objects.exists()


def test_the_system_and_superusers_still_write_past_the_deadline(late):
    admin = get_user_model().objects.create_superuser("quantri", password="x")
    _save(late, 5, None)
    _save(late, 6, admin)
    assert DataValue.objects.get().value == 6


def test_the_current_period_is_open(commune_form, small_tree, people, deadlines):
    year = {"form": commune_form, "unit": small_tree["c1"]}
    year["period"] = period_get(str(timezone.localdate().year))
    assert _save(year, 5, people["xa"]).value == 5


def test_an_approver_above_reopens_with_a_reason_until_resubmission(late, people):
    with pytest.raises(PermissionDenied):
        submission_unlock(**late, user=people["xa"], reason="Xin nộp muộn")
    with pytest.raises(ValidationError, match="lý do"):
        submission_unlock(**late, user=people["huyen"], reason=" ")
    reopened = submission_unlock(**late, user=people["huyen"], reason="Xã xin nộp muộn")
    assert reopened.status == SubmissionStatus.UNLOCKED
    assert reopened.reason == "Mở khóa sau hạn nộp: Xã xin nộp muộn"
    log = AuditLog.objects.get(action="unlock")
    assert log.user == people["huyen"] and "Xã xin nộp muộn" in log.detail

    _save(late, 5, people["xa"])
    submission_submit(**late, user=people["xa"])
    with pytest.raises(DataLocked, match="chờ duyệt"):
        _save(late, 6, people["xa"])
    # Returned for correction: open again, though the deadline is past.
    submission_return(**late, user=people["huyen"], reason="Sửa số hoạt động")
    _save(late, 6, people["xa"])
    assert DataValue.objects.get().value == 6


def test_a_report_open_for_correction_needs_no_unlock(late, people):
    submission_unlock(**late, user=people["huyen"], reason="Nộp muộn")
    with pytest.raises(ValidationError, match="không cần mở khóa"):
        submission_unlock(**late, user=people["huyen"], reason="Lần nữa")


def test_the_page_says_plainly_that_the_deadline_is_past(client, late, people, small_tree):
    url = entry_url(late["form"], small_tree["c1"])
    hd = Indicator.objects.get(code="TH_HD")
    client.force_login(people["xa"])
    html = client.get(url).content.decode()
    assert OVERDUE in html and "Hạn nộp 15/01/2024" in html
    assert f'name="v_{hd.pk}" type="text"' in html and "readonly" in html
    assert "Lưu nháp" not in html
    response = client.post(url, {f"v_{hd.pk}": "5", f"o_{hd.pk}": "", f"ver_{hd.pk}": "0"})
    assert response.status_code == 400 and OVERDUE in response.content.decode()
    assert not DataValue.objects.exists()

    client.force_login(people["huyen"])
    html = client.get(url).content.decode()
    assert "Lý do mở khóa" in html
    response = client.post(url + "unlock/", {"reason": "Xã xin nộp muộn"})
    assert response.status_code == 302

    client.force_login(people["xa"])
    html = client.get(url).content.decode()
    assert OVERDUE not in html and "Lưu nháp" in html
    response = client.post(url, {f"v_{hd.pk}": "5", f"o_{hd.pk}": "", f"ver_{hd.pk}": "0"})
    assert response.status_code == 302
    assert DataValue.objects.get().value == 5


def test_bulk_writers_get_the_locked_keys_set_wise(late, people, small_tree):
    hd = Indicator.objects.get(code="TH_HD")
    c1, c2, d1 = small_tree["c1"], small_tree["c2"], small_tree["d1"]
    period = late["period"]
    keys = deadline_locked_keys(unit_ids=[c1.pk, c2.pk, d1.pk], periods=[period], user=people["xa"])
    assert (c1.pk, period.pk, hd.pk) in keys and (c2.pk, period.pk, hd.pk) in keys
    assert not any(unit_id == d1.pk for unit_id, _, _ in keys)  # no district form
    assert deadline_locked_keys(unit_ids=[c1.pk], periods=[period], user=SYSTEM) == set()
    submission_unlock(**late, user=people["huyen"], reason="Nộp muộn")
    keys = deadline_locked_keys(unit_ids=[c1.pk, c2.pk], periods=[period], user=people["xa"])
    assert (c1.pk, period.pk, hd.pk) not in keys and (c2.pk, period.pk, hd.pk) in keys


def test_the_deadline_banner_shows_only_while_it_applies_to_the_viewer(client, late, people):
    url = entry_url(late["form"], late["unit"])
    client.force_login(people["xa"])
    assert OVERDUE in client.get(url).content.decode()
    client.force_login(people["huyen"])  # the level above: the unlock form, not the banner
    page = client.get(url).content.decode()
    assert OVERDUE not in page and "Mở khóa báo cáo" in page
    assert page.index("Mở khóa báo cáo") < page.index('class="entry"')  # the action on top
    submission_unlock(**late, user=people["huyen"], reason="Xã xin nộp muộn")
    client.force_login(people["xa"])
    page = client.get(url).content.decode()
    assert OVERDUE not in page and "mở lại sau hạn nộp" in page
    _save(late, 5, people["xa"])
    submission_submit(**late, user=people["xa"])
    page = client.get(url).content.decode()
    assert OVERDUE not in page and "mở lại sau hạn nộp" not in page
    assert "đang chờ cấp trên duyệt" in page


def test_the_current_periods_form_counts_the_days_left(
    client, commune_form, small_tree, people, deadlines
):
    year = 2024  # Xã A's last full year; its deadline moved ten days ahead of today
    commune_form.deadline_days = (timezone.localdate() - dt.date(year, 12, 31)).days + 10
    commune_form.save()
    deadline = dt.date(year, 12, 31) + dt.timedelta(days=commune_form.deadline_days)
    client.force_login(people["xa"])

    page = client.get(entry_url(commune_form, small_tree["c1"], str(year))).content.decode()

    assert f"Hạn nộp báo cáo: {deadline:%d/%m/%Y} (còn 10 ngày)." in page
    assert f"phong trào phụ nữ năm {year} — cấp xã</h1>" in page
