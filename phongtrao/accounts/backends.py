"""Login rate limiting for web requests (django-axes)."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest


class LoginRateLimitBackend(AxesStandaloneBackend):
    """django-axes' lockout check, for logins that come with a request.

    A login without a request (a management command, a test, a script) has no client to
    lock out: it is left to the next backend instead of failing as django-axes would.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        super().authenticate(request, username=username, password=password, **kwargs)
        return None
