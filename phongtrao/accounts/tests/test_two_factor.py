"""Two-factor sign-in (TOTP) through the screens: set up with the app's code, then every
sign-in path asks for a code after the password; the level above turns it off for a lost
phone; with TWO_FACTOR_REQUIRED administrators and editors must set it up."""

from __future__ import annotations

import pytest
from django.test import Client
from django_otp.oath import totp  # type: ignore[import-untyped]
from django_otp.plugins.otp_totp.models import TOTPDevice  # type: ignore[import-untyped]

from phongtrao.accounts.models import Role
from phongtrao.audit.models import AuditAction, AuditLog

from .test_account_screens import PASSWORD, _user

pytestmark = pytest.mark.django_db


def _code(device, drift=0):
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, drift):06d}"


def _signed_in(username):
    client = Client()
    response = client.post("/dang-nhap/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _set_up(client):
    page = client.get("/tai-khoan/xac-thuc-hai-buoc/")
    assert page.status_code == 200 and "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(confirmed=False)
    wrong = client.post("/tai-khoan/xac-thuc-hai-buoc/", {"device": device.pk, "token": "000000"})
    if _code(device) != "000000":
        assert wrong.status_code == 400 and "Mã không đúng" in wrong.content.decode()
        device.refresh_from_db()
        device.throttle_reset()  # django-otp's wait after a wrong code, skipped here
    done = client.post(
        "/tai-khoan/xac-thuc-hai-buoc/", {"device": device.pk, "token": _code(device)}, follow=True
    )
    assert "Đã bật xác thực hai bước" in done.content.decode()
    device.refresh_from_db()
    assert device.confirmed
    return device


@pytest.fixture
def officer(small_tree):
    return _user("canbo_xa", small_tree["c1"], {Role.VIEW, Role.ENTER})


def test_an_officer_turns_it_on_and_then_signs_in_with_a_code(officer):
    client = _signed_in("canbo_xa")
    assert "chưa bật" in client.get("/tai-khoan/cua-toi/").content.decode()
    device = _set_up(client)
    assert "đang bật" in client.get("/tai-khoan/cua-toi/").content.decode()
    assert AuditLog.objects.filter(action=AuditAction.TWO_FACTOR_ON).count() == 1

    later = _signed_in("canbo_xa")
    asked = later.get("/nhap-lieu/")
    assert asked.status_code == 302 and asked["Location"].startswith("/tai-khoan/ma-xac-thuc/")
    assert later.get("/tai-khoan/cua-toi/").status_code == 302
    page = later.get(asked["Location"]).content.decode()
    assert "Nhập mã xác thực" in page
    bad = later.post("/tai-khoan/ma-xac-thuc/", {"token": "12345", "next": "/nhap-lieu/"})
    assert bad.status_code == 400 and "Mã không đúng" in bad.content.decode()
    throttled = later.post("/tai-khoan/ma-xac-thuc/", {"token": _code(device, drift=1)})
    assert "đợi vài giây" in throttled.content.decode()
    device.refresh_from_db()
    device.throttle_reset()  # the wait after a wrong code, skipped in the test
    good = later.post(
        "/tai-khoan/ma-xac-thuc/", {"token": _code(device, drift=1), "next": "/nhap-lieu/"}
    )
    assert good.status_code == 302 and good["Location"] == "/nhap-lieu/"
    assert later.get("/tai-khoan/cua-toi/").status_code == 200


def test_the_cms_sign_in_asks_for_the_code_too(officer):
    device = _set_up(_signed_in("canbo_xa"))
    assert device.confirmed
    client = Client()
    client.post("/cms/login/", {"username": "canbo_xa", "password": PASSWORD})
    response = client.get("/cms/")
    assert response.status_code == 302
    assert response["Location"].startswith("/tai-khoan/ma-xac-thuc/")


def test_the_level_above_turns_it_off_for_a_lost_phone(officer, small_tree):
    _set_up(_signed_in("canbo_xa"))
    stranger = _user("quantri_xa_c", small_tree["c3"], {Role.VIEW, Role.ADMINISTER})
    admin = _user("quantri_huyen", small_tree["d1"], {Role.VIEW, Role.ADMINISTER})
    refused = Client()
    refused.force_login(stranger)
    refused.post(f"/tai-khoan/{officer.pk}/tat-xac-thuc-hai-buoc/")
    assert TOTPDevice.objects.filter(user=officer).exists()
    client = Client()
    client.force_login(admin)
    listing = client.get("/tai-khoan/").content.decode()
    assert "Tắt xác thực hai bước" in listing
    response = client.post(f"/tai-khoan/{officer.pk}/tat-xac-thuc-hai-buoc/", follow=True)
    assert "Đã tắt xác thực hai bước của canbo_xa" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=officer).exists()
    log = AuditLog.objects.get(action=AuditAction.TWO_FACTOR_OFF)
    assert log.user == admin
    assert _signed_in("canbo_xa").get("/tai-khoan/cua-toi/").status_code == 200


def test_administrators_must_set_it_up_when_required(small_tree, settings):
    settings.TWO_FACTOR_REQUIRED = True
    _user("quantri_huyen", small_tree["d1"], {Role.VIEW, Role.ADMINISTER})
    _user("canbo_xa", small_tree["c1"], {Role.VIEW, Role.ENTER})
    admin = _signed_in("quantri_huyen")
    response = admin.get("/tai-khoan/")
    assert response.status_code == 302
    assert response["Location"].startswith("/tai-khoan/xac-thuc-hai-buoc/")
    page = admin.get(response["Location"]).content.decode()
    assert "Vai trò của bạn (quản trị, biên tập) cần xác thực hai bước" in page
    _set_up(admin)
    assert admin.get("/tai-khoan/").status_code == 200
    refused = admin.post("/tai-khoan/xac-thuc-hai-buoc/tat/", follow=True)
    assert "không tắt được" in refused.content.decode()
    # An officer who only enters figures is not asked.
    assert _signed_in("canbo_xa").get("/tai-khoan/cua-toi/").status_code == 200


def test_a_code_is_not_taken_twice(officer):
    device = _set_up(_signed_in("canbo_xa"))
    code = _code(device, drift=1)
    first = _signed_in("canbo_xa")
    assert first.post("/tai-khoan/ma-xac-thuc/", {"token": code}).status_code == 302
    again = _signed_in("canbo_xa")
    assert again.post("/tai-khoan/ma-xac-thuc/", {"token": code}).status_code == 400
