"""Tài khoản: one's own account (password, sessions), resetting a password by e-mail, and
the level above resetting a subordinate's password."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_POST

from phongtrao.accounts.access import membership_of, unit_may_administer
from phongtrao.accounts.forms import QueuedPasswordResetForm
from phongtrao.accounts.models import AuditAction
from phongtrao.accounts.services import (
    audit_log,
    lockout_lift,
    password_reset_by_above,
    sessions_end_all,
)


@login_required
def me(request: HttpRequest) -> HttpResponse:
    """The signed-in user's account: unit, roles, and what they can do with it."""
    membership = membership_of(request.user)
    return render(
        request,
        "accounts/me.html",
        {
            "membership": membership,
            "may_administer": request.user.is_superuser
            or (membership is not None and membership.may_administer),
        },
    )


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
]
