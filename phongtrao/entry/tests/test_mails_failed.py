"""Mails the server did not take: recorded with the reason, listed for the administrators of
the recipients' units on "Thư không gửi được", sent again from there (audited), through the
real SMTP server of the test, stopped and then started."""

from __future__ import annotations

import pytest

from phongtrao.accounts.models import Role
from phongtrao.audit.models import AuditAction, AuditLog
from phongtrao.data.services import period_get
from phongtrao.data.workflow import submission_submit
from phongtrao.jobs.worker import tasks_run_pending
from phongtrao.notifications.models import Notification
from phongtrao.notifications.tasks import mail_send_task

from .conftest import _officer

pytestmark = pytest.mark.django_db

PAGE = "/thong-bao/thu-khong-gui-duoc/"


@pytest.fixture
def mailed(people, small_tree):
    people["admin_d2"] = _officer("admin_d2", small_tree["d2"], {Role.VIEW, Role.ADMINISTER})
    for user in people.values():
        user.email = f"{user.username}@hoiphunu.example.vn"
        user.save(update_fields=["email"])
    return people


def test_a_failed_mail_is_listed_with_its_reason_and_sent_again(
    client, mailed, commune_form, small_tree, smtp_server
):
    smtp_server.stop()
    report = {"form": commune_form, "unit": small_tree["c1"], "period": period_get("2023")}
    submission_submit(**report, user=mailed["xa"])
    tasks_run_pending()  # the task fails: the server is down
    [row] = Notification.objects.filter(user=mailed["huyen"])
    assert not row.emailed and row.mail_failed_at is not None
    assert row.mail_error.startswith("Không kết nối được máy chủ thư")

    # Only administrators: of the recipient's subtree they see it, of another they do not.
    client.force_login(mailed["huyen"])
    assert client.get(PAGE).status_code == 403
    client.force_login(mailed["admin_d2"])
    assert "Không có thư nào chờ gửi lại" in client.get(PAGE).content.decode()
    assert client.post(PAGE, {"all": "1"}).status_code == 302
    assert not AuditLog.objects.filter(action=AuditAction.MAIL_RESEND).exists()
    client.force_login(mailed["tinh"])
    assert "Thư không gửi được" in client.get("/viec-can-lam/").content.decode()
    html = client.get(PAGE).content.decode()
    assert "huyen@hoiphunu.example.vn" in html and "Không kết nối được máy chủ thư" in html

    smtp_server.start()
    response = client.post(PAGE, {"id": [str(row.pk)]}, follow=True)
    assert "Đã xếp 1 thư vào hàng đợi gửi lại" in response.content.decode()
    assert "Đang chờ gửi lại" in response.content.decode()
    audit = AuditLog.objects.get(action=AuditAction.MAIL_RESEND)
    assert audit.user == mailed["tinh"] and "huyen" in audit.detail
    assert tasks_run_pending() == 1
    [mail] = smtp_server.messages
    assert mail["To"] == "huyen@hoiphunu.example.vn"
    row.refresh_from_db()
    assert row.emailed and row.mail_failed_at is None and row.mail_error == ""
    assert "Không có thư nào chờ gửi lại" in client.get(PAGE).content.decode()
    # Idempotent: the same task queued again sends nothing twice.
    mail_send_task.enqueue(notification_ids=[row.pk])
    tasks_run_pending()
    assert len(smtp_server.messages) == 1
