"""A self-assessment sent up tells the checkers of the level above, by a mail from the queue
that arrives at a real SMTP server (aiosmtpd)."""

from __future__ import annotations

from email.header import decode_header, make_header

import pytest

from phongtrao.emulation.services import assessment_start, assessment_submit
from phongtrao.jobs.worker import tasks_run_pending
from phongtrao.notifications.models import Kind, Notification

from .conftest import hand_set

pytestmark = pytest.mark.django_db


def test_a_self_assessment_sent_up_mails_the_level_above(small_tree, people, smtp_server):
    for user in people.values():
        user.email = f"{user.username}@hoiphunu.example.vn"
        user.save(update_fields=["email"])
    criteria_set = hand_set(small_tree["province"])
    assessment = assessment_start(
        criteria_set=criteria_set, unit=small_tree["c1"], actor=people["xa"]
    )
    assessment_submit(assessment=assessment, actor=people["xa"])
    assert smtp_server.messages == []
    tasks_run_pending()
    [mail] = smtp_server.messages
    assert mail["To"] == "huyen@hoiphunu.example.vn"
    subject = str(make_header(decode_header(mail["Subject"])))
    assert "bản tự chấm thi đua" in subject and "chờ cấp trên kiểm tra" in subject
    assert (
        f"/thi-dua/danh-gia/{small_tree['c1'].uid}/2023/" in mail.get_payload(decode=True).decode()
    )
    assert Notification.objects.get(kind=Kind.EMULATION).user == people["huyen"]
