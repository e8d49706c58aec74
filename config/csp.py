"""Content-Security-Policy (django-csp): the project's pages run only their own scripts.

The policy is `CONTENT_SECURITY_POLICY` in settings: scripts from this site, or inline ones
carrying the request's nonce; no `'unsafe-inline'` for scripts. Two documented exceptions,
the admin sites the project does not write: Wagtail's admin (`/cms/`) and Django's admin
(`/admin/`) keep inline scripts of their own, so their script-src adds `'unsafe-inline'`
(only editors and staff reach them, signed in).
"""

from __future__ import annotations

from typing import Any

from csp.constants import SELF, UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts
from django.http import HttpRequest
from django.http.response import HttpResponseBase

ADMIN_PREFIXES = ("/cms/", "/admin/")
ADMIN_SCRIPTS: dict[str, Any] = {"script-src": [SELF, UNSAFE_INLINE]}


class ProjectCSPMiddleware(CSPMiddleware):
    """django-csp's middleware, with the admin sites' exception."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if request.path_info.startswith(ADMIN_PREFIXES):
            parts.replace = {**(parts.replace or {}), **ADMIN_SCRIPTS}
            parts.nonce = None  # a nonce would make browsers ignore 'unsafe-inline'
        return parts
