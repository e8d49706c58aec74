"""Tài khoản through its screens: change one's password, reset it by a mail that the queue's
worker sends to a real SMTP server (aiosmtpd), sign out of the other sessions, and the level
above handing a member a new password."""

from __future__ import annotations

import re
from email.header import decode_header, make_header

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from phongtrao.accounts.models import Role
from phongtrao.accounts.services import membership_set
from phongtrao.actors import SYSTEM
from phongtrao.audit.models import AuditAction, AuditLog
from phongtrao.jobs.worker import tasks_run_pending

pytestmark = pytest.mark.django_db
PASSWORD = "mat-khau-dai-123"
NEW = "Hoa-sen-nam-2025"


def _user(name, unit, roles, **extra):
    user = get_user_model().objects.create_user(name, password=PASSWORD, **extra)
    membership_set(actor=SYSTEM, user=user, unit=unit, roles=roles)
    return user


def _signs_in(username, password):
    response = Client().post("/dang-nhap/", {"username": username, "password": password})
    return response.status_code == 302


@pytest.fixture
def xa(small_tree):
    return _user("canbo_xa", small_tree["c1"], {Role.VIEW, Role.ENTER}, email="xa@hoi.example.vn")


def test_an_officer_changes_their_password(xa):
    client = Client()
    client.force_login(xa)
    page = client.get("/tai-khoan/cua-toi/").content.decode()
    assert "Đổi mật khẩu" in page and "Đăng xuất mọi phiên khác" in page
    wrong = client.post(
        "/tai-khoan/doi-mat-khau/",
        {"old_password": "sai", "new_password1": NEW, "new_password2": NEW},
    )
    assert wrong.status_code == 200 and "Mật khẩu cũ không chính xác" in wrong.content.decode()
    response = client.post(
        "/tai-khoan/doi-mat-khau/",
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
        follow=True,
    )
    assert "Đã đổi mật khẩu." in response.content.decode()
    assert _signs_in("canbo_xa", NEW) and not _signs_in("canbo_xa", PASSWORD)
    assert AuditLog.objects.filter(action=AuditAction.PASSWORD_CHANGE).count() == 1


def test_a_forgotten_password_is_reset_by_a_mail_from_the_queue(xa, smtp_server):
    response = Client().post("/quen-mat-khau/", {"email": "xa@hoi.example.vn"}, follow=True)
    assert response.status_code == 200
    assert smtp_server.messages == []  # queued, not sent inside the request
    assert tasks_run_pending() == 1
    [mail] = smtp_server.messages
    assert mail["To"] == "xa@hoi.example.vn"
    assert "Đặt lại mật khẩu" in str(make_header(decode_header(mail["Subject"])))
    text = mail.get_payload(decode=True).decode()
    assert "Chào canbo_xa" in text
    link = re.search(r"http://testserver(/quen-mat-khau/\S+/\S+/)", text).group(1)
    reader = Client()
    form_page = reader.get(link, follow=True)
    assert "Lưu mật khẩu mới" in form_page.content.decode()
    done = reader.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW, "new_password2": NEW},
        follow=True,
    )
    assert done.status_code == 200
    assert _signs_in("canbo_xa", NEW)
    # The link works once.
    assert "Lưu mật khẩu mới" not in Client().get(link, follow=True).content.decode()


def test_an_unknown_address_gets_the_same_answer_and_no_mail(xa, smtp_server):
    response = Client().post("/quen-mat-khau/", {"email": "ai@khong.example.vn"}, follow=True)
    assert response.status_code == 200
    tasks_run_pending()
    assert smtp_server.messages == []


def test_signing_out_of_every_other_session(xa):
    other, here = Client(), Client()
    other.force_login(xa)
    here.force_login(xa)
    response = here.post("/tai-khoan/dang-xuat-moi-phien/", follow=True)
    assert "Đã đăng xuất 1 phiên khác của bạn." in response.content.decode()
    assert other.get("/tai-khoan/cua-toi/").status_code == 302  # back to the login
    assert here.get("/tai-khoan/cua-toi/").status_code == 200


def test_the_level_above_gives_a_member_a_new_password(xa, small_tree):
    admin = _user("quantri_huyen", small_tree["d1"], {Role.VIEW, Role.ADMINISTER})
    stranger = _user("quantri_xa_c", small_tree["c3"], {Role.VIEW, Role.ADMINISTER})
    refused = Client()
    refused.force_login(stranger)
    refused.post(f"/tai-khoan/{xa.pk}/dat-lai-mat-khau/")
    assert _signs_in("canbo_xa", PASSWORD)
    client = Client()
    client.force_login(admin)
    page = client.post(f"/tai-khoan/{xa.pk}/dat-lai-mat-khau/").content.decode()
    password = re.search(r'<strong class="secret">([^<]+)</strong>', page).group(1)
    assert _signs_in("canbo_xa", password) and not _signs_in("canbo_xa", PASSWORD)
    log = AuditLog.objects.get(action=AuditAction.PASSWORD_RESET)
    assert log.user == admin and "canbo_xa" in log.target
