"""DHIS2's `/api/dataValueSets`: POST to import, GET to export, through the access helper.

Clients authenticate with HTTP Basic (as DHIS2 clients do); GET also accepts a signed-in
session. A POST is not session-authenticated, so the endpoint needs no CSRF token.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from typing import IO, Any, cast

from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from phongtrao import periods
from phongtrao.accounts.access import access_unit, unit_may_change
from phongtrao.catalog.models import Form
from phongtrao.exchange.formats import (
    CONTENT_TYPES,
    Format,
    FormatError,
    IdScheme,
    scheme_parse,
    strategy_parse,
)
from phongtrao.exchange.selectors import export_rows
from phongtrao.exchange.services import datavalueset_import
from phongtrao.exchange.writers import datavalueset_write
from phongtrao.orgs.models import Unit
from phongtrao.orgs.selectors import unit_resolve

REALM = 'Basic realm="phongtrao", charset="UTF-8"'

MEDIA_FORMATS = {
    "application/json": Format.JSON,
    "application/xml": Format.XML,
    "text/xml": Format.XML,
    "text/csv": Format.CSV,
    "application/csv": Format.CSV,
    "application/adx+xml": Format.ADX,
}
EXTENSIONS = {"json": Format.JSON, "xml": Format.XML, "csv": Format.CSV, "adx": Format.ADX}


def _message(status: int, message: str, response: dict[str, Any] | None = None) -> JsonResponse:
    """DHIS2's WebMessage envelope."""
    body: dict[str, Any] = {
        "httpStatus": "OK" if status < 300 else ("Conflict" if status == 409 else "Error"),
        "httpStatusCode": status,
        "status": "OK" if status < 300 else "ERROR",
        "message": message,
    }
    if response is not None:
        body["response"] = response
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def _basic_user(request: HttpRequest) -> Any:
    header = request.headers.get("Authorization", "")
    kind, _, encoded = header.partition(" ")
    if kind.lower() != "basic" or not encoded:
        return None
    try:
        username, sep, password = base64.b64decode(encoded).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    if not sep:
        return None
    return authenticate(request, username=username, password=password)


def _unauthorized() -> HttpResponse:
    response = _message(401, "Cần đăng nhập (HTTP Basic).")
    response["WWW-Authenticate"] = REALM
    return response


def _flag(request: HttpRequest, name: str) -> bool:
    return request.GET.get(name, "").strip().lower() in {"true", "1", "yes"}


@csrf_exempt
@require_http_methods(["GET", "POST"])
def data_value_sets(request: HttpRequest, extension: str = "") -> HttpResponseBase:
    """`/api/dataValueSets[.json|.xml|.csv|.adx]`."""
    user = _basic_user(request)
    if user is None and request.method == "GET" and request.user.is_authenticated:
        user = request.user
    if user is None:
        return _unauthorized()
    try:
        if request.method == "POST":
            return _import(request, user)
        return _export(request, user, extension)
    except FormatError as error:
        return _message(409, str(error))
    except Http404 as error:
        return _message(404, str(error))
    except PermissionDenied as error:
        return _message(403, str(error))


def _import(request: HttpRequest, user: Any) -> HttpResponse:
    media = (request.content_type or "").lower()
    fmt = MEDIA_FORMATS.get(media)
    if fmt is None:
        return _message(415, f"Kiểu nội dung “{media}” không được hỗ trợ.")
    summary = datavalueset_import(
        stream=cast(IO[bytes], request),
        format=fmt,
        id_scheme=request.GET.get("idScheme"),
        data_element_id_scheme=request.GET.get("dataElementIdScheme"),
        org_unit_id_scheme=request.GET.get("orgUnitIdScheme"),
        dry_run=_flag(request, "dryRun"),
        strategy=strategy_parse(request.GET.get("importStrategy", "CREATE_AND_UPDATE")),
        atomic=request.GET.get("atomicMode", "ALL").upper() != "NONE",
        user=user,
        unit_allowed=lambda unit: unit_may_change(user, unit),
    )
    if summary.status == "ERROR":
        return _message(409, "Nhập không thành công.", summary.as_dict())
    return _message(200, "Nhập thành công.", summary.as_dict())


def _export(request: HttpRequest, user: Any, extension: str) -> HttpResponseBase:
    fmt = EXTENSIONS.get(extension) or _accepted(request)
    id_scheme = scheme_parse(request.GET.get("idScheme")) or IdScheme.UID
    unit_scheme = scheme_parse(request.GET.get("orgUnitIdScheme")) or id_scheme
    codes = [c for value in request.GET.getlist("period") for c in value.split(",") if c]
    keys = [k for value in request.GET.getlist("orgUnit") for k in value.split(",") if k]
    if not codes or not keys:
        return _message(409, "Cần chỉ rõ ít nhất một kỳ (period) và một đơn vị (orgUnit).")
    try:
        last_day = max(periods.parse(code).end for code in codes)
    except periods.PeriodError as error:
        return _message(409, error.message_vi)
    units = [_unit(user, key, unit_scheme, last_day) for key in keys]
    indicator_ids = None
    if request.GET.get("dataSet"):
        form = Form.objects.filter(uid=request.GET["dataSet"]).first()
        if form is None:
            return _message(409, f"Không có biểu mẫu (dataSet) “{request.GET['dataSet']}”.")
        indicator_ids = list(form.indicators.values_list("id", flat=True))
    children = _flag(request, "children")

    def rows() -> Iterator[Any]:
        for unit in units:
            yield from export_rows(
                unit=unit,
                period_codes=codes,
                children=children,
                id_scheme=id_scheme,
                indicator_ids=indicator_ids,
            )

    pieces = datavalueset_write(rows(), format=fmt, id_scheme=id_scheme)
    return StreamingHttpResponse(
        (piece.encode() for piece in pieces),
        content_type=f"{CONTENT_TYPES[fmt]}; charset=utf-8",
    )


def _unit(user: Any, key: str, scheme: IdScheme, at: Any) -> Unit:
    """The unit by uid or code, if the user may see it (404 otherwise)."""
    if scheme == IdScheme.CODE:
        try:
            return access_unit(user, unit_resolve(key, at))
        except Unit.DoesNotExist:
            return access_unit(user, "")  # raises the same 404 as a hidden unit
    return access_unit(user, key)


def _accepted(request: HttpRequest) -> Format:
    accept = request.headers.get("Accept", "")
    for media, fmt in MEDIA_FORMATS.items():
        if media in accept:
            return fmt
    return Format.JSON


__all__ = ["data_value_sets"]
