"""Every event tells the right people: a row for the bell and a mail, queued as a task, that
the queue's worker sends to a real SMTP server (aiosmtpd) started for the test."""

from __future__ import annotations

import datetime as dt
from email.header import decode_header, make_header

import pytest

from phongtrao.data.services import period_get
from phongtrao.data.workflow import (
    submission_approve,
    submission_return,
    submission_submit,
    submission_unlock,
)
from phongtrao.entry.deadlines import deadlines_notify
from phongtrao.entry.services import reminder_send
from phongtrao.jobs.worker import tasks_run_pending
from phongtrao.notifications.models import EmailPreference, Kind, Notification
from phongtrao.periods import parse

pytestmark = pytest.mark.django_db


@pytest.fixture
def mailed(people):
    for user in people.values():
        user.email = f"{user.username}@hoiphunu.example.vn"
        user.save(update_fields=["email"])
    return people


@pytest.fixture
def report(commune_form, small_tree):
    return {"form": commune_form, "unit": small_tree["c1"], "period": period_get("2023")}


def _subjects(inbox):
    return [(str(make_header(decode_header(m["Subject"]))), m["To"]) for m in inbox.messages]


def test_workflow_events_mail_the_people_concerned(report, mailed, smtp_server):
    submission_submit(**report, user=mailed["xa"])
    submission_return(**report, user=mailed["huyen"], reason="Số hộ thoát nghèo chưa khớp")
    submission_submit(**report, user=mailed["xa"])
    submission_approve(**report, user=mailed["huyen"])
    submission_unlock(**report, user=mailed["huyen"], reason="Bổ sung số liệu")
    assert smtp_server.messages == []  # nothing is sent inside the request
    assert tasks_run_pending() == 5
    got = _subjects(smtp_server)
    assert [to for _, to in got] == [
        "huyen@hoiphunu.example.vn",
        "xa@hoiphunu.example.vn",
        "huyen@hoiphunu.example.vn",
        "xa@hoiphunu.example.vn",
        "xa@hoiphunu.example.vn",
    ]
    assert "đã gửi" in got[0][0] and "chờ duyệt" in got[0][0]
    assert "trả lại" in got[1][0]
    assert "đã duyệt" in got[3][0]
    assert "mở khóa" in got[4][0]
    returned_mail = smtp_server.messages[1].get_payload(decode=True).decode()
    assert "Số hộ thoát nghèo chưa khớp" in returned_mail
    assert "/nhap-lieu/BC_NAM_XA/" in returned_mail
    # The province (two levels up) and the other communes are told nothing.
    assert not Notification.objects.filter(user__in=[mailed["tinh"], mailed["xa_b"]]).exists()
    assert Notification.objects.filter(user=mailed["xa"], read_at__isnull=True).count() == 3


def test_a_kind_turned_off_comes_only_to_the_bell(report, mailed, smtp_server):
    EmailPreference.objects.create(user=mailed["huyen"], kind=Kind.SUBMITTED, email=False)
    submission_submit(**report, user=mailed["xa"])
    tasks_run_pending()
    assert smtp_server.messages == []
    assert Notification.objects.filter(user=mailed["huyen"], kind=Kind.SUBMITTED).count() == 1


def test_reminder_from_the_level_above_reaches_late_units(commune_form, mailed, smtp_server):
    commune_form.deadline_days = 15
    commune_form.save()
    count = reminder_send(
        actor=mailed["huyen"],
        form=commune_form,
        period=parse("2023"),
        today=dt.date(2024, 2, 1),
    )
    tasks_run_pending()
    assert count == 2  # Xã A and Xã B of Huyện Một; Xã C is another district's
    assert sorted(to for _, to in _subjects(smtp_server)) == [
        "xa@hoiphunu.example.vn",
        "xa_b@hoiphunu.example.vn",
    ]
    assert all("nhắc nộp" in subject for subject, _ in _subjects(smtp_server))


def test_a_commune_officer_cannot_send_reminders(commune_form, mailed):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        reminder_send(actor=mailed["xa"], form=commune_form, period=parse("2023"))


def test_deadline_run_tells_each_unit_once_a_day(commune_form, mailed, smtp_server):
    commune_form.deadline_days = 15
    commune_form.save()
    day = dt.date(2024, 1, 13)  # two days before 15/01/2024
    told = deadlines_notify(today=day)
    again = deadlines_notify(today=day)
    assert told >= 3 and again == 0
    tasks_run_pending()
    subjects = _subjects(smtp_server)
    assert {to for _, to in subjects} == {
        "xa@hoiphunu.example.vn",
        "xa_b@hoiphunu.example.vn",
        "xa2@hoiphunu.example.vn",
    }
    assert all("Sắp đến hạn nộp" in s and "15/01/2024" in s for s, _ in subjects)


def test_a_mail_server_down_keeps_the_step_and_fails_the_task(report, mailed, settings):
    from django_tasks_db.models import DBTaskResult

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = (
        "127.0.0.1",
        7399,
        2,
    )  # nothing listens there
    submission = submission_submit(**report, user=mailed["xa"])
    assert tasks_run_pending() == 1
    assert submission.status == "submitted"
    row = Notification.objects.get(user=mailed["huyen"])
    assert not row.emailed
    assert DBTaskResult.objects.get().status == "FAILED"
