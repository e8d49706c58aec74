"""Tài khoản: one's own account (password, sessions), resetting a password by e-mail, and
the level above resetting a subordinate's password."""

from __future__ import annotations

from base64 import b32encode
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login  # type: ignore[import-untyped]
from django_otp.plugins.otp_totp.models import TOTPDevice  # type: ignore[import-untyped]

from phongtrao.accounts.access import membership_of, unit_may_administer
from phongtrao.accounts.forms import QueuedPasswordResetForm
from phongtrao.accounts.services import (
    lockout_lift,
    password_reset_by_above,
    sessions_end_all,
    totp_device_confirm,
    totp_device_remove,
    totp_device_start,
)
from phongtrao.accounts.two_factor import SESSION_KEY as TWO_FACTOR_SESSION_KEY
from phongtrao.accounts.two_factor import (
    confirmed_device,
    two_factor_required,
    two_factor_settled,
)
from phongtrao.audit.models import AuditAction
from phongtrao.audit.services import audit_log


@login_required
def me(request: HttpRequest) -> HttpResponse:
    """The signed-in user's account: unit, roles, and what they can do with it."""
    membership = membership_of(request.user)
    two_factor = confirmed_device(request.user) is not None
    return render(
        request,
        "accounts/me.html",
        {
            "membership": membership,
            "may_administer": request.user.is_superuser
            or (membership is not None and membership.may_administer),
            "two_factor": two_factor,
        },
    )


def _next(request: HttpRequest, default: str) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return wanted if wanted and safe else default


@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Xác thực hai bước: show the new device's QR code and key; a code from it confirms."""
    user = get_object_or_404(get_user_model(), pk=request.user.pk)
    device = confirmed_device(user)
    if device is not None and request.method == "GET" and not request.GET.get("doi"):
        return render(
            request,
            "accounts/two_factor_on.html",
            {"required": settings.TWO_FACTOR_REQUIRED and two_factor_required(user)},
        )
    error = ""
    if request.method == "POST":
        pending = TOTPDevice.objects.filter(
            user=user, confirmed=False, pk=request.POST.get("device")
        ).first()
        if pending is not None and totp_device_confirm(
            user=user, device=pending, token=request.POST.get("token", "")
        ):
            otp_login(request, pending)
            two_factor_settled(request)
            messages.success(request, "Đã bật xác thực hai bước cho tài khoản của bạn.")
            return redirect(_next(request, reverse("accounts:me")))
        error = "Mã không đúng. Nhập mã 6 chữ số đang hiện trên ứng dụng xác thực."
        device = pending
    if device is None or device.confirmed:
        device = totp_device_start(user=user)
    key = b32encode(device.bin_key).decode()
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "device": device,
            "key": " ".join(key[i : i + 4] for i in range(0, len(key), 4)),
            "qr": segno.make(device.config_url, error="m").svg_inline(scale=5, border=2),
            "error": error,
            "next": _next(request, ""),
            "owed": bool(request.session.get(TWO_FACTOR_SESSION_KEY)),
        },
        status=400 if error else 200,
    )


@login_required
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """After the password, the six-digit code of the user's authenticator app."""
    user = get_object_or_404(get_user_model(), pk=request.user.pk)
    device = confirmed_device(user)
    if device is None:
        two_factor_settled(request)
        return redirect(_next(request, reverse("tasks")))
    error = ""
    if request.method == "POST":
        token = request.POST.get("token", "").strip().replace(" ", "")
        allowed, _ = device.verify_is_allowed()
        if not allowed:
            error = "Bạn vừa nhập sai; đợi vài giây rồi nhập mã đang hiện trên ứng dụng."
        elif device.verify_token(token):
            otp_login(request, device)
            two_factor_settled(request)
            return redirect(_next(request, reverse("tasks")))
        else:
            error = "Mã không đúng hoặc đã hết hạn. Nhập mã đang hiện trên ứng dụng xác thực."
    return render(
        request,
        "accounts/two_factor_verify.html",
        {"error": error, "next": _next(request, "")},
        status=400 if error else 200,
    )


@require_POST
@login_required
def two_factor_off(request: HttpRequest) -> HttpResponse:
    """Turn one's own two-factor sign-in off (not when one's role requires it)."""
    user = get_object_or_404(get_user_model(), pk=request.user.pk)
    if settings.TWO_FACTOR_REQUIRED and two_factor_required(user):
        messages.error(request, "Vai trò của bạn bắt buộc xác thực hai bước; không tắt được.")
        return redirect("accounts:two_factor_setup")
    totp_device_remove(actor=user, user=user)
    messages.success(request, "Đã tắt xác thực hai bước.")
    return redirect("accounts:me")


@require_POST
@login_required
def two_factor_off_member(request: HttpRequest, user_id: int) -> HttpResponse:
    """The level above turns a member's two-factor sign-in off (a lost phone); audited."""
    user = get_object_or_404(get_user_model(), pk=user_id)
    try:
        totp_device_remove(actor=request.user, user=user)
    except PermissionDenied:
        messages.error(request, "Bạn không có quyền tắt xác thực hai bước của tài khoản này.")
        return redirect("accounts:list")
    messages.success(
        request,
        f"Đã tắt xác thực hai bước của {user.get_username()}; lần đăng nhập tới họ cài lại.",
    )
    return redirect("accounts:list")


@require_POST
@login_required
def sessions_end(request: HttpRequest) -> HttpResponse:
    """Sign out of every other session (other browsers, other devices)."""
    user = get_object_or_404(get_user_model(), pk=request.user.pk)
    count = sessions_end_all(
        actor=user, user=user, keep_session_key=request.session.session_key or ""
    )
    messages.success(request, f"Đã đăng xuất {count} phiên khác của bạn.")
    return redirect("accounts:me")


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:me")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        audit_log(user=self.request.user, action=AuditAction.PASSWORD_CHANGE)
        messages.success(self.request, "Đã đổi mật khẩu.")
        return response


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    form_class = QueuedPasswordResetForm
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


@require_POST
@login_required
def password_reset_member(request: HttpRequest, user_id: int) -> HttpResponse:
    """The level above gives a member of a unit below a new temporary password (shown once)."""
    user = get_object_or_404(get_user_model(), pk=user_id)
    membership = membership_of(user)
    if membership is None or not unit_may_administer(request.user, membership.unit):
        return redirect("accounts:list")
    password = password_reset_by_above(actor=request.user, user=user)
    return render(
        request, "accounts/password_reset_member.html", {"member": user, "password": password}
    )


@require_POST
@login_required
def lockout_lift_member(request: HttpRequest, user_id: int) -> HttpResponse:
    """The level above lifts a member's sign-in lockout (failed attempts forgotten)."""
    user = get_object_or_404(get_user_model(), pk=user_id)
    try:
        lockout_lift(actor=request.user, user=user)
    except PermissionDenied:
        messages.error(request, "Bạn không có quyền mở khóa đăng nhập cho tài khoản này.")
        return redirect("accounts:list")
    messages.success(
        request, f"Đã mở khóa đăng nhập cho {user.get_username()}; họ có thể đăng nhập lại."
    )
    return redirect("accounts:list")


__all__ = [
    "PasswordChangeView",
    "PasswordResetCompleteView",
    "PasswordResetConfirmView",
    "PasswordResetDoneView",
    "PasswordResetView",
    "lockout_lift_member",
    "me",
    "password_reset_member",
    "sessions_end",
    "two_factor_off",
    "two_factor_off_member",
    "two_factor_setup",
    "two_factor_verify",
]
