"""Sign in and out (Django's views with Vietnamese pages); accounts of a subtree."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django_otp.plugins.otp_totp.models import TOTPDevice  # type: ignore[import-untyped]

from phongtrao.accounts.access import membership_of, unit_may_administer, units_visible
from phongtrao.accounts.forms import AccountCreateForm, LoginForm
from phongtrao.accounts.models import Membership, Role
from phongtrao.accounts.services import account_create, sign_in_failures
from phongtrao.orgs.models import Level


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    template_name = "accounts/logged_out.html"


@login_required
def accounts_list(request: HttpRequest) -> HttpResponse:
    """An administrator's page: the accounts of their subtree, and a new one."""
    membership = membership_of(request.user)
    if membership is None or not unit_may_administer(request.user, membership.unit):
        raise PermissionDenied("Bạn không có quyền quản trị tài khoản.")
    units = units_visible(request.user).filter(level__lte=Level.COMMUNE).order_by("path")
    form = AccountCreateForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        user = account_create(
            actor=request.user,
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password"],
            unit=form.cleaned_data["unit"],
            roles={Role(r) for r in form.cleaned_data["roles"]},
        )
        messages.success(request, f"Đã tạo tài khoản {user.get_username()}.")
        return redirect("accounts:list")
    members = (
        Membership.objects.filter(unit__in=units_visible(request.user))
        .annotate(
            two_factor=Exists(TOTPDevice.objects.filter(user=OuterRef("user"), confirmed=True))
        )
        .select_related("user", "unit")
        .order_by("unit__path", "user__username")
    )
    failures = sign_in_failures(m.user.get_username() for m in members)
    for m in members:
        m.sign_in_failures = failures.get(m.user.get_username(), 0)  # type: ignore[attr-defined]
    return render(
        request,
        "accounts/list.html",
        {"form": form, "members": members},
        status=400 if form.is_bound else 200,
    )
