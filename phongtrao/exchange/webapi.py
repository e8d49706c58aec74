"""What every `/api/` endpoint shares: who is calling, DHIS2's message envelope, errors.

One authentication helper (`api_user`) serves every API view: a personal access token
(`Authorization: ApiToken d2pat_...`, DHIS2's scheme), HTTP Basic, or, for reads only, the
signed-in session (writes are not session-authenticated, so the API needs no CSRF token).
"""

from __future__ import annotations

import base64
import binascii
import functools
from collections.abc import Callable
from typing import Any

from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from phongtrao.exchange.formats import FormatError
from phongtrao.exchange.tokens import token_find, token_refusal

REALM = 'Basic realm="phongtrao", charset="UTF-8"'
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

ApiView = Callable[..., HttpResponseBase]


class ApiError(Exception):
    """Answer the request with DHIS2's error envelope: `status` and a Vietnamese message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


# The reason phrases DHIS2 writes in `httpStatus` (Spring's HttpStatus names, title case).
HTTP_STATUS_NAMES = {
    200: "OK",
    201: "Created",
    202: "Accepted",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    409: "Conflict",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    500: "Internal Server Error",
}


def message(
    status: int,
    text: str,
    response: dict[str, Any] | None = None,
    *,
    outcome: str = "",
    error_code: str = "",
) -> JsonResponse:
    """DHIS2's WebMessage envelope; `outcome` its `status` (OK, WARNING, ERROR) when the
    HTTP status alone does not say it, `error_code` DHIS2's code (E7xxx)."""
    body: dict[str, Any] = {
        "httpStatus": HTTP_STATUS_NAMES.get(status, "Error"),
        "httpStatusCode": status,
        "status": outcome or ("OK" if status < 300 else "ERROR"),
        "message": text,
    }
    if error_code:
        body["errorCode"] = error_code
    if response is not None:
        body["response"] = response
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def json_response(body: Any, status: int = 200) -> JsonResponse:
    return JsonResponse(body, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


def _basic_user(request: HttpRequest, encoded: str) -> Any | None:
    try:
        decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    username, sep, password = decoded.partition(":")
    if not sep:
        return None
    return authenticate(request, username=username, password=password)


class TokenRefused(Exception):
    """A valid token whose allow lists (DHIS2's token `attributes`) refuse the request."""

    def __init__(self, message: str, english: str) -> None:
        super().__init__(message)
        self.message = message
        self.english = english


def api_user(request: HttpRequest) -> Any | None:
    """The user calling the API, or None: token, Basic, or (reads only) the session.

    A token's allow lists are checked as DHIS2 does (`Dhis2ApiTokenFilter`): the address is
    `X-Forwarded-For` when sent, else the peer's, so behind a proxy the proxy must set it
    (haproxy's `option forwardfor`); TokenRefused says which list refused the request."""
    kind, _, credentials = request.headers.get("Authorization", "").partition(" ")
    kind, credentials = kind.strip().lower(), credentials.strip()
    if kind == "apitoken":
        row = token_find(credentials)
        if row is None:
            return None
        refusal = token_refusal(
            row,
            method=request.method or "",
            address=request.headers.get("X-Forwarded-For") or request.META.get("REMOTE_ADDR", ""),
            referrer=request.headers.get("Referer"),
        )
        if refusal is not None:
            raise TokenRefused(*refusal)
        return row.user
    if kind == "basic":
        return _basic_user(request, credentials)
    if kind:
        return None  # an unknown scheme is not silently replaced by the session
    if request.method in SAFE_METHODS and request.user.is_authenticated:
        return request.user
    return None


def unauthorized() -> HttpResponse:
    response = message(401, "Cần đăng nhập (HTTP Basic hoặc mã truy cập ApiToken).")
    response["WWW-Authenticate"] = REALM
    return response


def api_endpoint(*methods: str) -> Callable[[ApiView], ApiView]:
    """Make a view an API endpoint: `view(request, user, **kwargs)`, called only once the
    caller is authenticated; access and input errors become DHIS2's error envelope."""

    def decorate(view: ApiView) -> ApiView:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, **kwargs: Any) -> HttpResponseBase:
            kwargs.pop("api_version", None)  # /api/40/...: the same view as /api/...
            try:
                user = api_user(request)
            except TokenRefused as refused:
                text = refused.english if wants_english(request) else refused.message
                response = message(401, text)
                response["WWW-Authenticate"] = "ApiToken"
                return response
            if user is None:
                return unauthorized()
            try:
                return view(request, user, **kwargs)
            except ApiError as error:
                return message(error.status, error.message)
            except FormatError as error:
                english = error.english and wants_english(request)
                return message(409, error.english if english else str(error))
            except Http404 as error:
                return message(404, str(error) or "Không tìm thấy.")
            except PermissionDenied as error:
                return message(403, str(error) or "Không có quyền.")

        return csrf_exempt(require_http_methods(list(methods))(wrapped))

    return decorate


def wants_english(request: HttpRequest) -> bool:
    """Messages in English when the client's first language is English (`Accept-Language:
    en`, or DHIS2's `?locale=en`); Vietnamese otherwise, the house's language."""
    locale = request.GET.get("locale", "") or request.headers.get("Accept-Language", "")
    first = locale.split(",")[0].strip().lower()
    return first.startswith("en")


def flag(request: HttpRequest, name: str, default: bool = False) -> bool:
    """A boolean query parameter as DHIS2 writes them (`true`/`false`)."""
    text = request.GET.get(name, "").strip().lower()
    if not text:
        return default
    return text in {"true", "1", "yes"}


__all__ = [
    "ApiError",
    "api_endpoint",
    "api_user",
    "flag",
    "json_response",
    "message",
    "unauthorized",
    "wants_english",
]
