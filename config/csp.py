"""Content-Security-Policy (django-csp): the project's pages run only their own scripts.

The policy is `CONTENT_SECURITY_POLICY` in settings: scripts from this site, or inline ones
carrying the request's nonce; no `'unsafe-inline'` for scripts. Two documented exceptions,
the admin sites the project does not write: Wagtail's admin (`/cms/`) and Django's admin
(`/admin/`) keep inline scripts of their own, so their script-src adds `'unsafe-inline'`
(only editors and staff reach them, signed in).

django-csp builds the header from the settings on every response, twice (the policy and the
report-only one): a tenth of a cached portal page's time. Unless a view changed the policy
(django-csp's decorators), the header is the same for every response but for the nonce: it
is built once per settings object, with a mark where the nonce goes, and the mark replaced.
"""

from __future__ import annotations

from typing import Any

from csp.constants import HEADER, HEADER_REPORT_ONLY, SELF, UNSAFE_INLINE
from csp.middleware import CheckableLazyObject, CSPMiddleware, PolicyParts
from csp.utils import build_policy
from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase

ADMIN_PREFIXES = ("/cms/", "/admin/")
ADMIN_SCRIPTS: dict[str, Any] = {"script-src": [SELF, UNSAFE_INLINE]}
# Where the nonce goes in a policy built once (no policy holds it).
_NONCE_MARK = "\x00nonce\x00"
# What a view sets on its response to change the policy (django-csp's decorators).
_RESPONSE_POLICY = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
)
# (report only, an admin site, with a nonce) -> (the settings' policy it was built from, it).
_built: dict[tuple[bool, bool, bool], tuple[Any, str]] = {}


def _policy(report_only: bool, admin: bool, nonce: bool) -> str:
    """The header as django-csp builds it for a response no view changed, the nonce marked."""
    config = getattr(
        settings,
        "CONTENT_SECURITY_POLICY_REPORT_ONLY" if report_only else "CONTENT_SECURITY_POLICY",
        None,
    )
    key = (report_only, admin, nonce)
    known = _built.get(key)
    if known is not None and known[0] is config:
        return known[1]
    policy = build_policy(
        replace=ADMIN_SCRIPTS if admin else None,
        nonce=_NONCE_MARK if nonce and not admin else None,
        report_only=report_only,
    )
    _built[key] = (config, policy)
    return policy


class ProjectCSPMiddleware(CSPMiddleware):
    """django-csp's middleware, with the admin sites' exception, and its header built once."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if request.path_info.startswith(ADMIN_PREFIXES):
            parts.replace = {**(parts.replace or {}), **ADMIN_SCRIPTS}
            parts.nonce = None  # a nonce would make browsers ignore 'unsafe-inline'
        return parts

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if any(getattr(response, name, None) is not None for name in _RESPONSE_POLICY):
            return super().process_response(request, response)
        if response.status_code in (404, 500) and settings.DEBUG:
            return response  # django-csp leaves the debug pages alone
        nonce = getattr(request, "_csp_nonce", None)
        admin = request.path_info.startswith(ADMIN_PREFIXES)
        for report_only, header, exempt in (
            (False, HEADER, "_csp_exempt"),
            (True, HEADER_REPORT_ONLY, "_csp_exempt_ro"),
        ):
            policy = _policy(report_only, admin, bool(nonce))
            if not policy or header in response or getattr(response, exempt, False) is not False:
                continue
            name = (
                "CONTENT_SECURITY_POLICY_REPORT_ONLY" if report_only else "CONTENT_SECURITY_POLICY"
            )
            prefixes = (getattr(settings, name, None) or {}).get("EXCLUDE_URL_PREFIXES") or ()
            if not request.path_info.startswith(tuple(prefixes)):
                response[header] = policy.replace(_NONCE_MARK, nonce) if nonce else policy
        if nonce is None:
            # As django-csp does: a nonce asked for after the header was written is an error.
            request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response
