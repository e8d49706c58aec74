"""Two-factor sign-in (TOTP, an authenticator app's six-digit code) with django-otp.

Whoever has a confirmed device must give a code after their password, on every sign-in path
(ours, /cms/ and /admin/): at sign-in the session is marked "code owed" (one query, at sign-in
only), and until the code is given every page but the code page and sign-out sends them there.
Administrators, editors and superusers must set a device up when TWO_FACTOR_REQUIRED is on
(the session is marked "setup owed" instead). Pages read only the session: no query per request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db.models import Q
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice  # type: ignore[import-untyped]

from phongtrao.accounts.models import Membership

SESSION_KEY = "two_factor_owed"
VERIFY, SETUP = "verify", "setup"
EXEMPT_PREFIXES = ("/static/", "/media/", "/favicon.ico", "/dang-xuat/")


def two_factor_required(user: Any) -> bool:
    """Whether the user must use two-factor sign-in: superusers, administrators, editors."""
    if user.is_superuser:
        return True
    return Membership.objects.filter(Q(may_administer=True) | Q(is_editor=True), user=user).exists()


def confirmed_device(user: Any) -> TOTPDevice | None:
    """The user's confirmed TOTP device, if any."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


@receiver(user_logged_in)
def _owe_two_factor(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    # A signal, because Wagtail's and Django admin's sign-in pages also sign people in.
    if request is None or not hasattr(request, "session"):
        return
    if confirmed_device(user) is not None:
        request.session[SESSION_KEY] = VERIFY
    elif settings.TWO_FACTOR_REQUIRED and two_factor_required(user):
        request.session[SESSION_KEY] = SETUP
    else:
        request.session.pop(SESSION_KEY, None)


def two_factor_settled(request: HttpRequest) -> None:
    """The code was given (or a device set up): the session owes nothing more."""
    request.session.pop(SESSION_KEY, None)


class TwoFactorMiddleware:
    """Sends a signed-in user who still owes a code (or a device) to the page that asks."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        owed = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
        if owed and request.user.is_authenticated:
            target = reverse(
                "accounts:two_factor_verify" if owed == VERIFY else "accounts:two_factor_setup"
            )
            if request.path != target and not request.path.startswith(EXEMPT_PREFIXES):
                query = (
                    urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
                )
                return redirect(f"{target}?{query}" if query else target)
        return self.get_response(request)


__all__ = [
    "SESSION_KEY",
    "TwoFactorMiddleware",
    "confirmed_device",
    "two_factor_required",
    "two_factor_settled",
]
