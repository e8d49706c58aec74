"""DHIS2's Web API: `/api/dataValueSets` (POST to import, GET to export), the analytics
and metadata reads, `/api/system/info` and `/api/me`, all through the access helper.

Every endpoint authenticates through `webapi.api_endpoint` (token, Basic, session reads).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import IO, Any, cast

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone

from phongtrao import periods
from phongtrao.accounts.access import access_unit, membership_of, unit_may_change
from phongtrao.analytics.query import AnalyticsError, analytics_plan, analytics_table
from phongtrao.catalog.models import Form, Indicator
from phongtrao.exchange.compression import gzipped, zipped
from phongtrao.exchange.formats import (
    CONTENT_TYPES,
    AttributeScheme,
    Format,
    FormatError,
    IdScheme,
    Scheme,
    scheme_ident,
    scheme_lookup,
    scheme_parse,
    strategy_parse,
)
from phongtrao.exchange.jobs import job_create, job_notifications, job_reap
from phongtrao.exchange.metadata import (
    UNIT_FAMILY,
    MetadataError,
    UnitOptions,
    metadata_category_defaults,
    metadata_csv,
    metadata_list,
    metadata_object,
    metadata_parents,
    metadata_property,
    metadata_unit_family,
)
from phongtrao.exchange.models import ImportJob
from phongtrao.exchange.selectors import completed_at, export_rows
from phongtrao.exchange.services import (
    ImportSummary,
    attribute_scheme_check,
    datavalueset_import,
    scheme_names,
)
from phongtrao.exchange.tokens import TokenError, token_create, token_revoke, token_uid
from phongtrao.exchange.webapi import (
    ApiError,
    api_endpoint,
    flag,
    json_response,
    message,
    wants_english,
)
from phongtrao.exchange.writers import (
    analytics_table_write,
    analytics_write_csv,
    analytics_write_json,
    analytics_write_xml,
    datavalueset_write,
    timestamp,
    webmessage_xml,
)
from phongtrao.orgs.models import Unit
from phongtrao.orgs.selectors import unit_resolve
from phongtrao.vn import format_date_short

MEDIA_FORMATS = {
    "application/json": Format.JSON,
    "application/xml": Format.XML,
    "text/xml": Format.XML,
    "text/csv": Format.CSV,
    "application/csv": Format.CSV,
    "application/adx+xml": Format.ADX,
}
# The DHIS2 version whose Web API these endpoints follow.
API_VERSION = "2.40.0"
EXTENSIONS = {"json": Format.JSON, "xml": Format.XML, "csv": Format.CSV, "adx": Format.ADX}


@api_endpoint("GET", "POST")
def data_value_sets(
    request: HttpRequest, user: Any, extension: str = "", compression: str = ""
) -> HttpResponseBase:
    """`/api/dataValueSets[.json|.xml|.csv|.adx][.gz|.zip]`."""
    if request.method == "POST":
        return _import(request, user)
    return _export(request, user, extension, compression)


def _import(request: HttpRequest, user: Any) -> HttpResponse:
    media = (request.content_type or "").lower()
    fmt = MEDIA_FORMATS.get(media)
    english = wants_english(request)
    if fmt is None:
        text = (
            f"Content type `{media}` is not supported."
            if english
            else f"Kiểu nội dung “{media}” không được hỗ trợ."
        )
        return message(415, text)
    # DHIS2's default is atomicMode NONE: the valid values are saved, the others reported.
    atomic_mode = request.GET.get("atomicMode", "NONE").strip().upper()
    if atomic_mode not in {"ALL", "NONE"}:
        raise FormatError(f"atomicMode “{atomic_mode}” không hợp lệ (ALL hoặc NONE).")
    if flag(request, "async"):
        return _import_async(request, user, fmt, atomic=atomic_mode == "ALL")
    summary = datavalueset_import(
        stream=cast(IO[bytes], request),
        format=fmt,
        id_scheme=request.GET.get("idScheme"),
        data_element_id_scheme=request.GET.get("dataElementIdScheme"),
        org_unit_id_scheme=request.GET.get("orgUnitIdScheme"),
        dry_run=flag(request, "dryRun"),
        strategy=strategy_parse(
            request.GET.get("importStrategy") or request.GET.get("strategy") or "CREATE_AND_UPDATE"
        ),
        atomic=atomic_mode == "ALL",
        actor=user,
        unit_allowed=lambda unit: unit_may_change(user, unit),
    )
    return summary_response(summary, english=english, xml=_wants_xml(request))


def _wants_xml(request: HttpRequest) -> bool:
    """The import summary as XML when the client's first choice is XML (DHIS2's content
    negotiation: `Accept: application/xml`)."""
    first = request.headers.get("Accept", "").split(",")[0].split(";")[0].strip().lower()
    return first in {"application/xml", "text/xml"}


def _import_async(request: HttpRequest, user: Any, fmt: Format, *, atomic: bool) -> HttpResponse:
    """DHIS2's `async=true`: the body is kept and queued; the answer says where to follow it."""
    job = job_create(
        user=user,
        upload=cast(IO[bytes], request),
        format=fmt.value,
        dry_run=flag(request, "dryRun"),
        strategy=strategy_parse(
            request.GET.get("importStrategy") or request.GET.get("strategy") or "CREATE_AND_UPDATE"
        ).value,
        id_scheme=_scheme_text(request, "idScheme"),
        data_element_id_scheme=_scheme_text(request, "dataElementIdScheme"),
        org_unit_id_scheme=_scheme_text(request, "orgUnitIdScheme"),
        atomic=atomic,
        name="dataValueSets",
    )
    return message(
        200,
        "Initiated DATAVALUE_IMPORT",
        {
            "name": "DATAVALUE_IMPORT",
            "id": job.uid,
            "created": job.created_at.isoformat(timespec="milliseconds"),
            "jobType": "DATAVALUE_IMPORT",
            "relativeNotifierEndpoint": f"/api/system/tasks/DATAVALUE_IMPORT/{job.uid}",
        },
    )


def _scheme_text(request: HttpRequest, name: str) -> str:
    """An id scheme of the query, checked before the job is queued (its canonical name)."""
    scheme = scheme_parse(request.GET.get(name))
    attribute_scheme_check(scheme)
    return str(scheme) if scheme is not None else ""


def _api_job(user: Any, job_type: str, uid: str) -> ImportJob | None:
    if job_type != "DATAVALUE_IMPORT":
        return None
    uid = uid.removesuffix(".json")  # DHIS2 clients may ask `.../<id>.json`
    return ImportJob.objects.filter(uid=uid, user=user).first()


@api_endpoint("GET")
def system_tasks(request: HttpRequest, user: Any, job_type: str, uid: str) -> HttpResponseBase:
    """`/api/system/tasks/DATAVALUE_IMPORT/<id>`: the notifications of an async import."""
    job = _api_job(user, job_type, uid)
    if job is None:
        return message(404, "Không tìm thấy công việc.")
    return json_response(job_notifications(job))


@api_endpoint("GET")
def system_task_summaries(
    request: HttpRequest, user: Any, job_type: str, uid: str
) -> HttpResponseBase:
    """`/api/system/taskSummaries/DATAVALUE_IMPORT/<id>`: the import summary once it ended."""
    job = _api_job(user, job_type, uid)
    if job is None:
        return message(404, "Không tìm thấy công việc.")
    job = job_reap(job)
    if job.summary is None:
        return json_response(None)
    return json_response(job.summary)


def summary_response(summary: ImportSummary, *, english: bool, xml: bool = False) -> HttpResponse:
    """DHIS2's answer to an import: 200 OK; 409 WARNING with conflicts; 409 ERROR when
    nothing was written; 400 when the payload cannot be read. As XML with `xml`."""
    response = _summary_message(summary, english=english)
    if not xml:
        return response
    return HttpResponse(
        webmessage_xml(json.loads(response.content)),
        status=response.status_code,
        content_type="application/xml; charset=utf-8",
    )


def _summary_message(summary: ImportSummary, *, english: bool) -> HttpResponse:
    body = summary.as_dict(english)
    if summary.malformed:
        text = (
            f"The payload could not be read: {summary.description_en}"
            if english
            else f"Không đọc được nội dung gửi lên: {summary.description}"
        )
        return message(400, text, body)
    if summary.status == "ERROR":
        text = (
            "An error occurred, please check import summary."
            if english
            else "Nhập không thành công: xem bản tóm tắt."
        )
        return message(409, text, body)
    if summary.status == "WARNING":
        text = (
            "One more conflicts encountered, please check import summary."
            if english
            else "Có xung đột: các giá trị hợp lệ đã được ghi, xem bản tóm tắt."
        )
        return message(409, text, body, outcome="WARNING")
    text = "Import was successful." if english else "Nhập thành công."
    return message(200, text, body)


# Export parameters DHIS2 documents that phongtrao answers; any other is refused by name.
EXPORT_PARAMETERS = {
    "dataSet",
    "dataElement",
    "period",
    "startDate",
    "endDate",
    "orgUnit",
    "children",
    "lastUpdated",
    "lastUpdatedDuration",
    "limit",
    "includeDeleted",
    "idScheme",
    "dataElementIdScheme",
    "orgUnitIdScheme",
    "dataSetIdScheme",
    "categoryOptionComboIdScheme",
    "attributeOptionComboIdScheme",
    "inputIdScheme",
    "inputOrgUnitIdScheme",
    "inputDataSetIdScheme",
    "inputDataElementIdScheme",
    "format",
    "paging",
    "locale",
    "compression",
    "attachment",
}
# DHIS2's file extension of each format, for the names of compressed exports.
FILE_EXTENSIONS = {Format.JSON: "json", Format.XML: "xml", Format.CSV: "csv", Format.ADX: "xml"}
DURATION = re.compile(r"(\d+)([smhd])")
DURATION_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def _listed(request: HttpRequest, name: str) -> list[str]:
    """A repeatable parameter, also written comma-separated (`orgUnit=A,B`)."""
    return [item for value in request.GET.getlist(name) for item in value.split(",") if item]


def _date(request: HttpRequest, name: str) -> dt.date | None:
    text = request.GET.get(name, "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise ApiError(409, f"Ngày {name} “{text}” không hợp lệ (yyyy-MM-dd).") from None


def _updated_since(request: HttpRequest) -> dt.datetime | None:
    """`lastUpdated` (a date or a time, UTC when no offset) or `lastUpdatedDuration` (10d)."""
    text = request.GET.get("lastUpdated", "").strip()
    if text:
        try:
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ApiError(409, f"lastUpdated “{text}” không phải là ngày giờ hợp lệ.") from None
        return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    duration = request.GET.get("lastUpdatedDuration", "").strip()
    if duration:
        parts = DURATION.findall(duration)
        if not parts or "".join(n + u for n, u in parts) != duration:
            raise ApiError(409, f"E2005: lastUpdatedDuration “{duration}” không hợp lệ (vd. 10d).")
        delta = dt.timedelta(**{DURATION_UNITS[u]: int(n) for n, u in parts})
        return timezone.now() - delta
    return None


def _export(
    request: HttpRequest, user: Any, extension: str, compression: str = ""
) -> HttpResponseBase:
    unknown = sorted(set(request.GET) - EXPORT_PARAMETERS)
    if unknown:
        return message(409, f"Tham số không được hỗ trợ: {', '.join(unknown)}.")
    fmt = EXTENSIONS.get(extension) or _accepted(request)
    compression = (compression or request.GET.get("compression", "")).strip().upper()
    if compression not in {"", "NONE", "GZIP", "ZIP"}:
        return message(409, f"compression “{compression}” không hợp lệ (gzip hoặc zip).")
    # ADX writes codes unless told otherwise, as DHIS2 (`setDefaultIdScheme(CODE)`).
    default_scheme = IdScheme.CODE if fmt == Format.ADX else IdScheme.UID
    id_scheme = scheme_parse(request.GET.get("idScheme")) or default_scheme
    de_scheme = scheme_parse(request.GET.get("dataElementIdScheme")) or id_scheme
    ou_scheme = scheme_parse(request.GET.get("orgUnitIdScheme")) or id_scheme
    ds_scheme = scheme_parse(request.GET.get("dataSetIdScheme")) or id_scheme
    input_scheme = scheme_parse(request.GET.get("inputIdScheme"))
    # ADX's request names its data set, elements and units by uid or code (`getByUidOrCode`).
    input_ou = scheme_parse(request.GET.get("inputOrgUnitIdScheme")) or input_scheme
    input_ds = scheme_parse(request.GET.get("inputDataSetIdScheme")) or input_scheme
    input_de = scheme_parse(request.GET.get("inputDataElementIdScheme")) or input_scheme
    for scheme in (id_scheme, de_scheme, ou_scheme, ds_scheme, input_ou, input_ds, input_de):
        attribute_scheme_check(scheme)
    either = fmt == Format.ADX
    codes = _listed(request, "period")
    keys = _listed(request, "orgUnit")
    start, end = _date(request, "startDate"), _date(request, "endDate")
    since = _updated_since(request)
    if codes and (start or end):
        return message(409, "E2003: không thể chỉ rõ cả kỳ (period) và startDate/endDate.")
    if start and end and start > end:
        return message(409, "E2004: startDate phải trước endDate.")
    if not (codes or (start and end) or since):
        return message(
            409,
            "E2002: cần ít nhất một kỳ (period), startDate và endDate, lastUpdated hoặc "
            "lastUpdatedDuration.",
        )
    if not keys:
        return message(409, "E2006: cần ít nhất một đơn vị (orgUnit).")
    limit = None
    if request.GET.get("limit"):
        try:
            limit = int(request.GET["limit"])
        except ValueError:
            limit = -1
        if limit < 0:
            return message(409, f"E2009: limit không hợp lệ: “{request.GET['limit']}”.")
    try:
        last = max(periods.parse(code).end for code in codes) if codes else None
    except periods.PeriodError as error:
        return message(409, error.message_vi)
    at = last or end or timezone.localdate()
    units = [_unit_either(user, key, input_ou, at, either) for key in keys]
    indicator_ids: set[int] | None = None
    sets = _listed(request, "dataSet")
    forms = []
    for key in sets:
        form = _by_scheme(Form.objects.all(), key, input_ds, either)
        if form is None:
            return message(409, f"E2001: không có biểu mẫu (dataSet) “{key}”.")
        forms.append(form)
        indicator_ids = (indicator_ids or set()) | set(form.indicators.values_list("id", flat=True))
    elements = _listed(request, "dataElement")
    for key in elements:
        indicator = _by_scheme(Indicator.objects.all(), key, input_de, either)
        if indicator is None:
            return message(409, f"E2001: không có chỉ tiêu (dataElement) “{key}”.")
        indicator_ids = (indicator_ids or set()) | {indicator.pk}
    children = flag(request, "children")
    header: dict[str, str] = {}
    if len(forms) == 1 and len(codes) == 1 and len(units) == 1 and not children:
        header = {"dataSet": scheme_ident(forms[0], ds_scheme) or ""}
        completed = completed_at(form=forms[0], unit=units[0], period_code=codes[0])
        if completed is not None:
            header["completeDate"] = timestamp(completed)
        header["period"] = codes[0]
        header["orgUnit"] = scheme_ident(units[0], ou_scheme) or ""
    elif len(forms) == 1 and fmt == Format.ADX:
        header = {"dataSet": scheme_ident(forms[0], ds_scheme) or ""}
    rows = export_rows(
        units=units,
        period_codes=codes,
        children=children,
        id_scheme=id_scheme,
        data_element_id_scheme=de_scheme,
        org_unit_id_scheme=ou_scheme,
        indicator_ids=indicator_ids,
        start_date=start,
        end_date=end,
        updated_since=since,
        limit=limit,
        include_deleted=flag(request, "includeDeleted"),
    )
    pieces = datavalueset_write(rows, format=fmt, id_scheme=id_scheme, header=header)
    encoded = (piece.encode() for piece in pieces)
    name = _attachment_name(request, start, end) + "." + FILE_EXTENSIONS[fmt]
    if compression == "GZIP":
        response = StreamingHttpResponse(gzipped(encoded), content_type="application/gzip")
        response["Content-Disposition"] = f'attachment; filename="{name}.gz"'
        return response
    if compression == "ZIP":
        response = StreamingHttpResponse(zipped(encoded, name), content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{name}.zip"'
        return response
    response = StreamingHttpResponse(encoded, content_type=f"{CONTENT_TYPES[fmt]}; charset=utf-8")
    if request.GET.get("attachment"):
        response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _attachment_name(request: HttpRequest, start: dt.date | None, end: dt.date | None) -> str:
    """DHIS2's file name: `dataValues` (or `attachment=`), `_start_end` with dates given."""
    name = re.sub(r"[^\w.-]", "_", request.GET.get("attachment", "").strip()) or "dataValues"
    name = name.split(".")[0] or "dataValues"
    if start is not None and end is not None:
        name = f"{name}_{start.isoformat()}_{end.isoformat()}"
    return name


def _by_scheme(objects: Any, key: str, scheme: Scheme | None, either: bool) -> Any:
    """The object named `key` in `scheme` (UID when none); by uid or code for ADX."""
    if scheme is None and either:
        return objects.filter(uid=key).first() or objects.filter(code=key).first()
    scheme = scheme or IdScheme.UID
    if not scheme_names(scheme):
        return None
    return objects.filter(**{scheme_lookup(scheme): key}).first()


def _unit_either(user: Any, key: str, scheme: Scheme | None, at: Any, either: bool) -> Unit:
    if scheme is None and either and not Unit.objects.filter(uid=key).exists():
        return _unit(user, key, IdScheme.CODE, at)
    return _unit(user, key, scheme or IdScheme.UID, at)


def _unit(user: Any, key: str, scheme: Scheme, at: Any) -> Unit:
    """The unit by uid, code, name or attribute value, if the user may see it (404
    otherwise)."""
    if isinstance(scheme, AttributeScheme):
        found = _by_scheme(Unit.objects.all(), key, scheme, either=False)
        return access_unit(user, found if found is not None else "")
    if scheme == IdScheme.CODE:
        try:
            return access_unit(user, unit_resolve(key, at))
        except Unit.DoesNotExist:
            return access_unit(user, "")  # raises the same 404 as a hidden unit
    if scheme == IdScheme.NAME:
        unit = Unit.objects.filter(name=key).order_by("-valid_from").first()
        return access_unit(user, unit if unit is not None else "")
    return access_unit(user, key)


def _accepted(request: HttpRequest) -> Format:
    accept = request.headers.get("Accept", "")
    for media, fmt in MEDIA_FORMATS.items():
        if media in accept:
            return fmt
    return Format.JSON


# --- analytics and metadata -------------------------------------------------------------

# Analytics parameters phongtrao answers (`dimension`, `filter` and these); any other, such as
# `aggregationType`, `columns`/`rows`, `measureCriteria`, is refused by name (409), never
# answered with other numbers. Values outside `ANALYTICS_VALUES` are refused the same way.
ANALYTICS_PARAMETERS = {
    "dimension",
    "filter",
    "inputIdScheme",
    "idScheme",
    "outputIdScheme",
    "skipMeta",
    "skipData",
    "edition",
    "relativePeriodDate",
    "displayProperty",
    "tableLayout",
    "includeNumDen",
    "hideEmptyRows",
    "hideEmptyColumns",
    "ignoreLimit",
    "locale",
    "aggregationType",
    "columns",
    "rows",
}
ANALYTICS_VALUES = {
    "outputIdScheme": {"UID", "CODE", "NAME", "SHORTNAME"},
    "displayProperty": {"NAME", "SHORTNAME"},
    "tableLayout": {"TRUE", "FALSE"},
    "includeNumDen": {"TRUE", "FALSE"},
}
GRID_WRITERS = {Format.CSV: analytics_write_csv, Format.XML: analytics_write_xml}


def _unsupported(request: HttpRequest, allowed: set[str], values: dict[str, set[str]]) -> str:
    """The message refusing the first parameter (or value) phongtrao does not answer; ""."""
    english = wants_english(request)
    unknown = sorted(set(request.GET) - allowed)
    if unknown:
        names = ", ".join(unknown)
        return (
            f"Unsupported parameter(s): {names}."
            if english
            else f"Tham số không được hỗ trợ: {names}."
        )
    for name, accepted in values.items():
        value = request.GET.get(name, "").strip()
        if value and value.upper() not in accepted:
            options = ", ".join(sorted(accepted))
            return (
                f"Unsupported value `{value}` for parameter {name} (supported: {options})."
                if english
                else f"Giá trị “{value}” của tham số {name} không được hỗ trợ (được: {options})."
            )
    return ""


def _rendering(request: HttpRequest, extension: str) -> Format:
    """The format asked by the path's extension, or the first media type of `Accept` (a
    browser's `text/html` first means JSON)."""
    if extension:
        return EXTENSIONS[extension]
    first = request.headers.get("Accept", "").split(",")[0].split(";")[0].strip().lower()
    return MEDIA_FORMATS.get(first, Format.JSON)


def _relative_date(request: HttpRequest) -> dt.date | None:
    text = request.GET.get("relativePeriodDate", "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise ApiError(409, f"relativePeriodDate “{text}” không hợp lệ (yyyy-MM-dd).") from None


# DHIS2's English texts of the analytics errors phongtrao raises (`ErrorCode`, 2.40).
ANALYTICS_ENGLISH = {
    "E7102": "At least one data dimension item or data element group set dimension item "
    "must be specified",
    "E7103": "Dimensions cannot be specified as dimension and filter simultaneously: `{0}`",
    "E7104": "At least one period as dimension or filter, or start and dates, must be specified",
    "E7109": "Only a single reporting rate can be specified as filter",
    "E7111": "Dimensions cannot be specified more than once: `{0}`",
    "E7120": "User: `{user}` is not allowed to view org unit: `{0}`",
    "E7124": "Dimension is present in query without any valid dimension options: `{0}`",
    "E7125": "Dimension identifier does not reference any dimension: `{0}`",
    "E7128": "Query result set exceeded max limit: `{0}`",
    "E7143": "Organisation unit or organisation unit level is not valid",
    "E7126": "Column must be present as dimension in query: `{0}`",
    "E7127": "Row must be present as dimension in query: `{0}`",
}
QUOTED = re.compile(r"“([^”]*)”")


def analytics_english(error: AnalyticsError, user: Any) -> str:
    """DHIS2's English text for an analytics error, filled with the item the Vietnamese
    message names (between “ ”); the Vietnamese text when the code has no English one."""
    template = ANALYTICS_ENGLISH.get(error.code or "")
    if template is None:
        return error.english or str(error)
    quoted = QUOTED.findall(str(error))
    numbers = re.findall(r"\d[\d.]*", str(error))
    item = quoted[0] if quoted else (numbers[0].replace(".", "") if numbers else "")
    if error.code == "E7125":
        item = item.split(":")[0]  # the dimension's identifier, as DHIS2 names it
    return template.replace("{0}", item).replace("{user}", user.get_username())


@api_endpoint("GET")
def analytics(request: HttpRequest, user: Any, extension: str = "") -> HttpResponseBase:
    """`/api/analytics[.json|.xml|.csv]?dimension=dx:A;B&dimension=pe:2023&filter=ou:UID`
    (or `Accept:`), read set-wise from the roll-ups and raw values and streamed;
    `&edition=2025` (or a day) reports on that structure; `skipMeta`, `skipData`,
    `relativePeriodDate`, `aggregationType`, `displayProperty`, `includeNumDen` and the table
    layout (`columns`/`rows`, DHIS2's `Visualization` grid) as DHIS2; parameters it does not
    answer are refused by name."""
    refusal = _unsupported(request, ANALYTICS_PARAMETERS, ANALYTICS_VALUES)
    if refusal:
        return message(409, refusal)
    fmt = _rendering(request, extension)
    scheme = request.GET.get("inputIdScheme") or request.GET.get("idScheme") or "UID"
    columns = _listed_dimensions(request, "columns")
    rows = _listed_dimensions(request, "rows")
    try:
        plan = analytics_plan(
            user=user,
            dimensions=request.GET.getlist("dimension"),
            filters=request.GET.getlist("filter"),
            input_id_scheme=scheme,
            # DHIS2's table layout names its items by uid (`setOutputIdScheme(null)`).
            output_id_scheme="UID"
            if columns or rows
            else request.GET.get("outputIdScheme") or "UID",
            skip_meta=flag(request, "skipMeta"),
            edition=request.GET.get("edition"),
            today=_relative_date(request),
            aggregation_type=request.GET.get("aggregationType", ""),
            display_property=request.GET.get("displayProperty") or "NAME",
            include_num_den=flag(request, "includeNumDen"),
            columns=columns,
            rows=rows,
        )
    except AnalyticsError as error:
        text = analytics_english(error, user) if wants_english(request) else str(error)
        return message(error.status, text, error_code=error.code)
    content_type = f"{CONTENT_TYPES.get(fmt, 'application/json')}; charset=utf-8"
    if plan.layout is not None:
        table = analytics_table(
            plan,
            hide_empty_rows=flag(request, "hideEmptyRows"),
            hide_empty_columns=flag(request, "hideEmptyColumns"),
        )
        return HttpResponse(analytics_table_write(table, fmt), content_type=content_type)
    skip_data = flag(request, "skipData")
    writer = GRID_WRITERS.get(fmt, analytics_write_json)
    return StreamingHttpResponse(writer(plan, skip_data=skip_data), content_type=content_type)


def _listed_dimensions(request: HttpRequest, name: str) -> list[str]:
    """DHIS2's `columns=dx;ou` (also repeated or comma-separated)."""
    return [
        part.strip()
        for value in request.GET.getlist(name)
        for part in re.split(r"[;,]", value)
        if part.strip()
    ]


# Metadata list parameters phongtrao answers; `UNIT_PARAMETERS` only for units.
METADATA_PARAMETERS = {
    "fields",
    "filter",
    "paging",
    "page",
    "pageSize",
    "totalPages",
    "order",
    "rootJunction",
    "translate",
    "locale",
    "separator",
    "arraySeparator",
    "skipHeader",
}
UNIT_PARAMETERS = {
    "level",
    "maxLevel",
    "edition",
    "query",
    "userOnly",
    "userDataViewOnly",
    "userDataViewFallback",
    "withinUserHierarchy",
    *UNIT_FAMILY,
}


def _metadata_view(plural: str) -> Any:
    allowed = METADATA_PARAMETERS | (UNIT_PARAMETERS if plural == "organisationUnits" else set())

    @api_endpoint("GET")
    def view(
        request: HttpRequest, user: Any, uid: str = "", extension: str = "", prop: str = ""
    ) -> HttpResponseBase:
        refusal = _unsupported(request, allowed, {"rootJunction": {"AND", "OR"}})
        if refusal:
            return message(409, refusal)
        uid, _, suffix = uid.partition(".")  # DHIS2 clients ask /dataElements/UID.json
        prop, _, prop_suffix = prop.partition(".")
        fmt = _rendering(request, extension or suffix or prop_suffix)
        if fmt not in (Format.JSON, Format.CSV) or (uid and fmt != Format.JSON):
            # DHIS2 2.40 writes metadata as JSON, and lists also as CSV; no XML (406).
            return message(406, "Metadata is served as JSON (lists also as CSV), not XML.")
        fields = request.GET.get("fields")
        try:
            if prop == "parents" and plural == "organisationUnits":
                return json_response(metadata_parents(user=user, uid=uid, fields=fields))
            if prop:
                return json_response(
                    metadata_property(user=user, plural=plural, uid=uid, prop=prop, fields=fields)
                )
            if uid:
                family = next((n for n in UNIT_FAMILY if n in request.GET), "")
                if family and plural == "organisationUnits":
                    return json_response(
                        metadata_unit_family(
                            user=user,
                            uid=uid,
                            fields=fields,
                            include=family,
                            level=request.GET.get("level", ""),
                        )
                    )
                return json_response(
                    metadata_object(user=user, plural=plural, uid=uid, fields=fields)
                )
            # userDataViewFallback: the user's own unit, or level 1 for one without a unit.
            fallback = flag(request, "userDataViewFallback")
            own = flag(request, "userOnly") or flag(request, "userDataViewOnly")
            own = own or (fallback and membership_of(user) is not None)
            level = "1" if fallback and not own else request.GET.get("level")
            answer = metadata_list(
                user=user,
                plural=plural,
                **_list_parameters(request),
                level=level,
                edition=request.GET.get("edition"),
                units=UnitOptions(
                    user_only=own,
                    query=request.GET.get("query", ""),
                    max_level=request.GET.get("maxLevel"),
                ),
            )
        except LookupError:
            if prop:
                return message(404, f"Không tìm thấy “{uid}/{prop}” trong {plural}.")
            return message(404, f"Không tìm thấy đối tượng “{uid}” trong {plural}.")
        except MetadataError as error:
            return message(409, str(error))
        if fmt == Format.CSV:
            text = metadata_csv(
                answer,
                plural=plural,
                fields=fields,
                separator=(request.GET.get("separator") or ",")[:1],
                array_separator=request.GET.get("arraySeparator") or ";",
                skip_header=flag(request, "skipHeader"),
            )
            return HttpResponse(text, content_type="text/csv; charset=utf-8")
        return json_response(answer)

    view.__name__ = view.__qualname__ = f"metadata_{plural}"
    return view


def _list_parameters(request: HttpRequest) -> dict[str, Any]:
    """What a metadata list reads of the request (fields, filters, paging, order), as
    `metadata_list`'s arguments: one reading for every list, tokens included."""
    return {
        "fields": request.GET.get("fields"),
        "filters": request.GET.getlist("filter"),
        "paging": flag(request, "paging", default=True),
        "page": request.GET.get("page"),
        "page_size": request.GET.get("pageSize"),
        "base_url": request.build_absolute_uri(request.path),
        "link_params": _pairs(request),
        "orders": request.GET.getlist("order"),
        "root_junction": request.GET.get("rootJunction") or "AND",
    }


def _pairs(request: HttpRequest) -> list[tuple[str, str]]:
    """The request's parameters in the order sent, each value of a repeated one."""
    return [(name, value) for name, values in request.GET.lists() for value in values]


def _category_view(plural: str) -> Any:
    """DHIS2's category metadata: only the default of each (phongtrao keeps no
    disaggregation), so a client can build `categoryOptionCombo` ids and check its model."""

    @api_endpoint("GET")
    def view(
        request: HttpRequest, user: Any, uid: str = "", extension: str = ""
    ) -> HttpResponseBase:
        refusal = _unsupported(
            request, {"fields", "paging", "page", "pageSize", "locale", "translate"}, {}
        )
        if refusal:
            return message(409, refusal)
        uid, _, suffix = uid.partition(".")
        if _rendering(request, extension or suffix) != Format.JSON:
            return message(406, "Metadata is served as JSON, not XML.")
        try:
            return json_response(
                metadata_category_defaults(
                    plural=plural,
                    uid=uid,
                    fields=request.GET.get("fields"),
                    paging=flag(request, "paging", default=True),
                )
            )
        except LookupError:
            return message(404, f"Không tìm thấy đối tượng “{uid}” trong {plural}.")
        except MetadataError as error:
            return message(409, str(error))

    view.__name__ = view.__qualname__ = f"metadata_{plural}"
    return view


category_option_combos = _category_view("categoryOptionCombos")
category_combos = _category_view("categoryCombos")
categories = _category_view("categories")
category_options = _category_view("categoryOptions")
organisation_units = _metadata_view("organisationUnits")
data_elements = _metadata_view("dataElements")
data_sets = _metadata_view("dataSets")
attributes = _metadata_view("attributes")


# DHIS2's default life of a token made without `expire` (`ApiTokenController`): 30 days.
TOKEN_DEFAULT_LIFE = dt.timedelta(days=30)
TOKEN_TYPES = {"PERSONAL_ACCESS_TOKEN", "PERSONAL_ACCESS_TOKEN_V1", "PERSONAL_ACCESS_TOKEN_V2"}


@api_endpoint("GET", "POST")
def api_tokens(request: HttpRequest, user: Any, extension: str = "") -> HttpResponseBase:
    """`POST /api/apiToken` (JSON `{"expire": <ms since 1970>, "attributes": [...]}`): a
    personal access token, answered as DHIS2 does (201, `response.key` shown this once);
    GET lists the caller's own tokens as a DHIS2 metadata list (fields, filter, paging)."""
    if request.method == "GET":
        refusal = _unsupported(request, METADATA_PARAMETERS, {"rootJunction": {"AND", "OR"}})
        if refusal:
            return message(409, refusal)
        try:
            return json_response(
                metadata_list(user=user, plural="apiToken", **_list_parameters(request))
            )
        except MetadataError as error:
            return message(409, str(error))
    english = wants_english(request)
    if (request.content_type or "").lower() != "application/json":
        return message(415, "Chỉ nhận nội dung JSON (application/json).")
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return message(400, "Không đọc được nội dung JSON gửi lên.")
    if not isinstance(body, dict):
        return message(400, "Nội dung gửi lên phải là một đối tượng JSON.")
    refused = sorted(set(body) - {"expire", "name", "code", "type", "attributes", "version"})
    if body.get("type") not in (None, *TOKEN_TYPES):
        refused.append("type")
    if refused:
        return message(409, f"Thuộc tính không được hỗ trợ: {', '.join(refused)}.")
    expire = body.get("expire")
    expires_at = timezone.now() + TOKEN_DEFAULT_LIFE
    if expire is not None:
        if not isinstance(expire, int) or isinstance(expire, bool):
            return message(409, "expire phải là số mili giây kể từ 01/01/1970.")
        try:
            expires_at = dt.datetime.fromtimestamp(expire / 1000, tz=dt.UTC)
        except (OverflowError, OSError, ValueError):
            return message(409, "expire nằm ngoài khoảng thời gian hợp lệ.")
    name = str(
        body.get("name") or body.get("code") or f"API {format_date_short(timezone.localdate())}"
    )
    try:
        row, key = token_create(
            user=user, name=name, expires_at=expires_at, attributes=body.get("attributes")
        )
    except TokenError as error:
        return message(409, error.english if english else str(error))
    uid = token_uid(row)
    response = message(
        201,
        "",
        {
            "responseType": "ApiTokenCreationResponse",
            "uid": uid,
            "klass": "org.hisp.dhis.security.apikey.ApiToken",
            "errorReports": [],
            "key": key,
        },
    )
    response["Location"] = f"/api/apiToken/{uid}"
    return response


@api_endpoint("GET", "DELETE")
def api_token(request: HttpRequest, user: Any, uid: str) -> HttpResponseBase:
    """`GET /api/apiToken/<id>` (`:all` fields by default) and `DELETE`: one of the caller's
    own tokens (404 for any other)."""
    uid = uid.partition(".")[0]
    if request.method == "GET":
        try:
            return json_response(
                metadata_object(
                    user=user, plural="apiToken", uid=uid, fields=request.GET.get("fields")
                )
            )
        except LookupError:
            return message(404, f"Không tìm thấy mã truy cập “{uid}”.")
        except MetadataError as error:
            return message(409, str(error))
    row = next((r for r in user.personal_access_tokens.all() if token_uid(r) == uid), None)
    if row is None or not token_revoke(user=user, token_id=row.pk):
        return message(404, f"Không tìm thấy mã truy cập “{uid}”.")
    return message(
        200,
        "",
        {
            "responseType": "ObjectReport",
            "uid": uid,
            "klass": "org.hisp.dhis.security.apikey.ApiToken",
            "errorReports": [],
        },
    )


@api_endpoint("GET")
def system_info(request: HttpRequest, user: Any) -> HttpResponseBase:
    """`/api/system/info`: what DHIS2 clients read first (version, calendar)."""
    return json_response(
        {
            "contextPath": request.build_absolute_uri("/").rstrip("/"),
            "version": API_VERSION,
            "revision": "phongtrao",
            "serverDate": timezone.now().isoformat(timespec="seconds"),
            "calendar": "iso8601",
            "dateFormat": "yyyy-mm-dd",
            "systemName": "phongtrao",
            "serverTimeZoneId": str(timezone.get_current_timezone()),
        }
    )


@api_endpoint("GET")
def me(request: HttpRequest, user: Any) -> HttpResponseBase:
    """`/api/me`: the caller, and the unit whose subtree they may see."""
    membership = membership_of(user)
    units = []
    if membership is not None:
        unit = membership.unit
        units = [{"id": unit.uid, "code": unit.code, "name": unit.name, "level": unit.level + 1}]
    return json_response(
        {
            "id": str(user.pk),
            "username": user.get_username(),
            "displayName": user.get_full_name() or user.get_username(),
            "organisationUnits": units,
            "dataViewOrganisationUnits": units,
            "authorities": ["ALL"] if user.is_superuser else [],
        }
    )
