"""`/api/members`: the member registry in the Web API's style (DHIS2 paging, fields, filter).

Thin views over `members.selectors` and `members.services`: the registry's own access rule
applies (records in the caller's subtree, commune level and below or a granted role), lists
mask the phone and citizen ID, reading one record is logged with its purpose, writes are
Basic- or token-authenticated like every API write.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from phongtrao.accounts.access import access_unit, membership_of
from phongtrao.exchange.metadata import FieldTree, MetadataError, fields_parse
from phongtrao.exchange.webapi import ApiError, api_endpoint, json_response, message
from phongtrao.members.models import Member, Transfer
from phongtrao.members.names import name_key
from phongtrao.members.selectors import (
    masked_citizen_id,
    masked_phone,
    member_get,
    member_lookup,
    members_list,
)
from phongtrao.members.services import (
    MemberData,
    member_admit,
    member_leave,
    member_transfer_request,
    transfer_accept,
    transfer_reject,
)
from phongtrao.orgs.models import Unit

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
MAX_BODY = 64 * 1024
DEFAULT_FIELDS = "id,name,birthDate,orgUnit[id,name],joinDate,status"


def _date(text: str | None, name: str, *, required: bool = False) -> dt.date | None:
    if not text:
        if required:
            raise ApiError(409, f"Thiếu {name} (dạng YYYY-MM-DD).")
        return None
    try:
        return dt.date.fromisoformat(str(text))
    except ValueError:
        raise ApiError(409, f"{name} phải là ngày dạng YYYY-MM-DD.") from None


def _positive(text: str | None, default: int, name: str) -> int:
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise ApiError(409, f"Tham số {name} phải là số nguyên dương.")
    return int(text)


def member_json(member: Member, wanted: FieldTree, *, full: bool) -> dict[str, Any]:
    """A member as the API shows her: masked phone and citizen ID unless `full`."""
    values: dict[str, Any] = {
        "id": member.uid,
        "name": member.full_name,
        "birthDate": member.birth_date.isoformat(),
        "ethnicity": member.ethnicity,
        "ethnicityName": member.get_ethnicity_display(),
        "religion": member.religion,
        "occupation": member.occupation,
        "education": member.education,
        "address": member.address,
        "phone": member.phone if full else masked_phone(member),
        "citizenId": member.citizen_id if full else masked_citizen_id(member),
        "cardNumber": member.card_number,
        "joinDate": member.join_date.isoformat(),
        "byResidence": member.by_residence,
        "status": member.status,
        "statusName": member.get_status_display(),
        "statusSince": member.status_since.isoformat(),
    }
    unit = {"id": member.unit.uid, "name": member.unit.name, "code": member.unit.code}
    answer: dict[str, Any] = {}
    everything = "*" in wanted or ":all" in wanted
    for name in [*values, "orgUnit"] if everything else wanted:
        if name == "orgUnit":
            sub = wanted.get("orgUnit") or {"id": {}, "name": {}}
            answer["orgUnit"] = {k: unit[k] for k in sub if k in unit}
        elif name in values:
            answer[name] = values[name]
        elif name not in {"*", ":all"}:
            raise ApiError(409, f"Thuộc tính “{name}” không có ở hội viên.")
    return answer


def _filter(members: QuerySet[Member], text: str) -> QuerySet[Member]:
    prop, _, rest = text.partition(":")
    op, _, argument = rest.partition(":")
    if prop == "name" and op in {"ilike", "like", "token"}:
        key = name_key(argument)
        return members.filter(Q(name_key__contains=key)) if key else members
    if prop == "name" and op == "eq":
        return members.filter(name_key=name_key(argument))
    if prop in {"status", "ethnicity", "religion", "occupation"} and op == "eq":
        return members.filter(**{prop: argument})
    if prop == "cardNumber" and op == "eq":
        return members.filter(card_number=argument)
    raise ApiError(
        409,
        f"Bộ lọc “{text}” không được hỗ trợ: dùng name:ilike:…, name:eq:…, status:eq:…, "
        "ethnicity:eq:…, religion:eq:…, occupation:eq:…, cardNumber:eq:….",
    )


def _list(request: HttpRequest, user: Any) -> HttpResponseBase:
    uid = request.GET.get("orgUnit", "").strip()
    if uid:
        unit = access_unit(user, uid)
    else:
        membership = membership_of(user)
        if membership is None:
            raise ApiError(409, "Cần tham số orgUnit.")
        unit = membership.unit
    try:
        wanted = fields_parse(request.GET.get("fields") or DEFAULT_FIELDS)
    except MetadataError as error:
        raise ApiError(409, str(error)) from None
    members = members_list(
        actor=user, unit=unit, active_on=_date(request.GET.get("activeOn"), "activeOn")
    )
    for text in request.GET.getlist("filter"):
        members = _filter(members, text)
    size = min(_positive(request.GET.get("pageSize"), DEFAULT_PAGE_SIZE, "pageSize"), MAX_PAGE_SIZE)
    number = _positive(request.GET.get("page"), 1, "page")
    total = members.count()
    start = (number - 1) * size
    rows = list(members[start : start + size]) if start < total else []
    pages = max(1, math.ceil(total / size))
    pager: dict[str, Any] = {"page": number, "pageCount": pages, "total": total, "pageSize": size}
    link = {k: v for k, v in request.GET.items() if k != "page"}
    base = request.build_absolute_uri(request.path)
    if number < pages:
        pager["nextPage"] = f"{base}?{urlencode({**link, 'page': number + 1})}"
    if number > 1:
        pager["prevPage"] = f"{base}?{urlencode({**link, 'page': number - 1})}"
    return json_response(
        {"pager": pager, "members": [member_json(m, wanted, full=False) for m in rows]}
    )


def _body(request: HttpRequest) -> dict[str, Any]:
    if len(request.body) > MAX_BODY:
        raise ApiError(413, "Nội dung gửi lên quá lớn.")
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise ApiError(409, "Nội dung không phải JSON hợp lệ.") from None
    if not isinstance(data, dict):
        raise ApiError(409, "Nội dung phải là một đối tượng JSON.")
    return data


def _text(data: dict[str, Any], name: str, limit: int = 255) -> str:
    value = data.get(name, "")
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > limit:
        raise ApiError(409, f"{name} phải là chuỗi (tối đa {limit} ký tự).")
    return value.strip()


def _invalid(error: ValidationError) -> HttpResponseBase:
    if hasattr(error, "error_dict"):
        conflicts = [
            {"object": field, "value": text}
            for field, texts in error.message_dict.items()
            for text in texts
        ]
    else:
        conflicts = [{"object": "member", "value": text} for text in error.messages]
    return message(
        409,
        "; ".join(c["value"] for c in conflicts),
        {"status": "ERROR", "conflicts": conflicts},
    )


def _admit(request: HttpRequest, user: Any) -> HttpResponseBase:
    data = _body(request)
    unit = access_unit(user, _text(data, "orgUnit", 11))
    fields = MemberData(
        full_name=_text(data, "name", 120),
        birth_date=_date(data.get("birthDate"), "birthDate", required=True),  # type: ignore[arg-type]
        join_date=_date(data.get("joinDate"), "joinDate", required=True),  # type: ignore[arg-type]
        ethnicity=_text(data, "ethnicity", 2) or "01",
        religion=_text(data, "religion", 12) or "none",
        occupation=_text(data, "occupation", 12) or "other",
        education=_text(data, "education", 12),
        address=_text(data, "address"),
        phone=_text(data, "phone", 20),
        citizen_id=_text(data, "citizenId", 20),
        card_number=_text(data, "cardNumber", 30),
        by_residence=bool(data.get("byResidence", True)),
    )
    consent = _date(data.get("consentDate"), "consentDate", required=True)
    assert consent is not None
    try:
        member = member_admit(
            actor=user,
            unit=unit,
            data=fields,
            purpose=_text(data, "purpose") or "Quản lý hội viên",
            consent_on=consent,
            allow_namesake=bool(data.get("allowNamesake", False)),
        )
    except ValidationError as error:
        return _invalid(error)
    response = message(201, "Đã kết nạp hội viên.", {"uid": member.uid})
    response["Location"] = request.build_absolute_uri(f"/api/members/{member.uid}")
    return response


@api_endpoint("GET", "POST")
def members(request: HttpRequest, user: Any) -> HttpResponseBase:
    """`GET /api/members` (orgUnit, activeOn, filter, fields, page, pageSize); `POST` admits."""
    if request.method == "POST":
        return _admit(request, user)
    return _list(request, user)


@api_endpoint("GET")
def member(request: HttpRequest, user: Any, uid: str) -> HttpResponseBase:
    """`GET /api/members/<uid>`: the full record; the read is logged with `purpose`."""
    try:
        wanted = fields_parse(request.GET.get("fields") or ":all")
    except MetadataError as error:
        raise ApiError(409, str(error)) from None
    found = member_get(actor=user, uid=uid, purpose=request.GET.get("purpose", "")[:255] or "API")
    return json_response(member_json(found, wanted, full=True))


@api_endpoint("POST")
def member_leaving(request: HttpRequest, user: Any, uid: str) -> HttpResponseBase:
    """`POST /api/members/<uid>/leave` {date, reason, deceased}: she left or died."""
    data = _body(request)
    target = member_lookup(actor=user, uid=uid)
    day = _date(data.get("date"), "date", required=True)
    assert day is not None
    try:
        member_leave(
            actor=user,
            member=target,
            on=day,
            reason=_text(data, "reason"),
            deceased=bool(data.get("deceased", False)),
        )
    except ValidationError as error:
        return _invalid(error)
    return message(200, "Đã ghi nhận.", {"uid": target.uid})


@api_endpoint("POST")
def member_transfer(request: HttpRequest, user: Any, uid: str) -> HttpResponseBase:
    """`POST /api/members/<uid>/transfer` {orgUnit, date, reason}: asks the receiving unit."""
    data = _body(request)
    target = member_lookup(actor=user, uid=uid)
    day = _date(data.get("date"), "date", required=True)
    assert day is not None
    # The receiving unit may lie outside the caller's subtree: naming a unit is not data.
    to_unit = Unit.objects.filter(uid=_text(data, "orgUnit", 11)).first()
    if to_unit is None:
        raise ApiError(404, "Không tìm thấy đơn vị nhận.")
    try:
        transfer = member_transfer_request(
            actor=user, member=target, to_unit=to_unit, on=day, reason=_text(data, "reason")
        )
    except ValidationError as error:
        return _invalid(error)
    return message(201, "Đã gửi đề nghị chuyển sinh hoạt.", {"transfer": transfer.pk})


@api_endpoint("POST")
def transfer_decide(request: HttpRequest, user: Any, pk: int, decision: str) -> HttpResponseBase:
    """`POST /api/members/transfers/<id>/accept` or `/reject` {reason}: the receiving unit."""
    data = _body(request)
    transfer = Transfer.objects.filter(pk=pk).select_related("to_unit").first()
    if transfer is None:
        raise ApiError(404, "Không tìm thấy đề nghị chuyển sinh hoạt.")
    access_unit(user, transfer.to_unit)  # 404 outside the receiving unit's subtree
    try:
        if decision == "accept":
            transfer_accept(
                actor=user, transfer=transfer, allow_namesake=bool(data.get("allowNamesake"))
            )
        else:
            transfer_reject(actor=user, transfer=transfer, reason=_text(data, "reason"))
    except ValidationError as error:
        return _invalid(error)
    return message(200, "Đã xử lý đề nghị chuyển sinh hoạt.", {"transfer": transfer.pk})


__all__ = [
    "member",
    "member_json",
    "member_leaving",
    "member_transfer",
    "members",
    "transfer_decide",
]
