"""Personal access tokens: made by their owner, shown once, stored as a digest, revocable."""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from phongtrao.exchange.models import PersonalAccessToken

# DHIS2's personal access tokens start so; clients pass them as `ApiToken d2pat_...`.
TOKEN_PREFIX = "d2pat_"  # noqa: S105 - a public prefix, not a secret
# last_used_at is written at most this often per token (not one write per API call).
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
MAX_TOKENS = 20


class TokenError(ValueError):
    """A token that cannot be made (message in Vietnamese; `english`: DHIS2's words)."""

    def __init__(self, message: str, english: str = "") -> None:
        super().__init__(message)
        self.english = english or message


# DHIS2's token attributes (`ApiTokenAttribute`'s subtypes): the list each one holds.
ATTRIBUTE_LISTS = {
    "IpAllowedList": "allowedIps",
    "MethodAllowedList": "allowedMethods",
    "RefererAllowedList": "allowedReferrers",
}
HTTP_METHODS = ("HEAD", "GET", "POST", "PATCH", "PUT", "DELETE")  # `ApiTokenController`


def token_attributes_parse(attributes: Any) -> list[dict[str, Any]]:
    """DHIS2's `attributes` of a new token, checked as `ApiTokenController` checks them
    (IP addresses, HTTP methods, referrer URLs), in the stored shape; TokenError names the
    first bad one. Methods are kept upper case and referrers lower case, as compared."""
    if attributes is None:
        return []
    if not isinstance(attributes, list):
        raise TokenError("attributes phải là một danh sách.", "attributes must be a list")
    parsed = []
    for attribute in attributes:
        kind = attribute.get("type") if isinstance(attribute, dict) else None
        key = ATTRIBUTE_LISTS.get(kind) if isinstance(kind, str) else None
        if kind is None or key is None or not isinstance(attribute.get(key, []), list):
            raise TokenError(
                f"Giới hạn “{kind}” không hợp lệ (IpAllowedList, MethodAllowedList, "
                "RefererAllowedList).",
                f"Could not resolve type id '{kind}' as a subtype of ApiTokenAttribute",
            )
        values = [str(value) for value in attribute.get(key, [])]
        for value in values:
            _attribute_value_check(kind, value)
        if kind == "MethodAllowedList":
            values = [value.upper() for value in values]
        elif kind == "RefererAllowedList":
            values = [value.lower() for value in values]
        parsed.append({"type": kind, key: sorted(set(values))})
    return parsed


def _attribute_value_check(kind: str, value: str) -> None:
    what = "Failed to validate the token's attributes, message: "
    if kind == "IpAllowedList":
        try:
            ipaddress.ip_address(value)
        except ValueError:
            raise TokenError(
                f"Địa chỉ IP không hợp lệ: “{value}”.",
                f"{what}Not a valid ip address, value={value}",
            ) from None
    elif kind == "MethodAllowedList" and value.upper() not in HTTP_METHODS:
        raise TokenError(
            f"Phương thức HTTP không hợp lệ: “{value}”.",
            f"{what}Not a valid http method, value={value}",
        )
    elif kind == "RefererAllowedList":
        try:
            URLValidator()(value)
        except ValidationError:
            raise TokenError(
                f"Địa chỉ trang gọi (referrer) không hợp lệ: “{value}”.",
                f"{what}Not a valid referrer url, value={value}",
            ) from None


def token_refusal(
    row: PersonalAccessToken, *, method: str, address: str, referrer: str | None
) -> tuple[str, str] | None:
    """Why the token's allow lists refuse this request (Vietnamese, DHIS2's English), as
    `Dhis2ApiTokenFilter.validateRequestRules`: the first failing list, None when none."""
    for attribute in row.attributes or []:
        kind = attribute.get("type")
        allowed = attribute.get(ATTRIBUTE_LISTS.get(kind, ""), [])
        if not allowed:
            continue
        if kind == "IpAllowedList" and address not in allowed:
            return (
                "Mã truy cập không dùng được từ địa chỉ IP này.",
                "Failed to authenticate API token, request ip address is not allowed.",
            )
        if kind == "RefererAllowedList" and (referrer is None or referrer.lower() not in allowed):
            return (
                "Mã truy cập không dùng được từ trang gọi (referrer) này.",
                "Failed to authenticate API token, request http referrer is missing or not "
                "allowed.",
            )
        if kind == "MethodAllowedList" and method not in allowed:
            return (
                f"Mã truy cập không dùng được với phương thức {method}.",
                "Failed to authenticate API token, request http method is not allowed.",
            )
    return None


def token_digest(token: str) -> str:
    """The stored form of a token: tokens are long random strings, so one SHA-256 suffices."""
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def token_create(
    *,
    user: Any,
    name: str,
    expires_at: dt.datetime | None = None,
    attributes: list[dict[str, Any]] | None = None,
) -> tuple[PersonalAccessToken, str]:
    """A new token for `user`: the row, and the token itself (to show once, never again).
    `attributes`: DHIS2's allow lists, checked by `token_attributes_parse`."""
    allow = token_attributes_parse(attributes)
    name = name.strip()
    if not name:
        raise TokenError("Hãy đặt tên gợi nhớ cho mã truy cập.")
    if expires_at is not None and expires_at <= timezone.now():
        raise TokenError("Ngày hết hạn phải ở sau hôm nay.")
    if PersonalAccessToken.objects.filter(user=user).count() >= MAX_TOKENS:
        raise TokenError(f"Mỗi người dùng có tối đa {MAX_TOKENS} mã truy cập.")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    digest = token_digest(token)
    row = PersonalAccessToken.objects.create(
        user=user,
        name=name[:100],
        digest=digest,
        uid="T" + digest[:10],
        prefix=token[: len(TOKEN_PREFIX) + 4],
        expires_at=expires_at,
        attributes=allow,
    )
    return row, token


@transaction.atomic
def token_revoke(*, user: Any, token_id: int) -> bool:
    """Delete one of `user`'s tokens; False when it is not theirs (or does not exist)."""
    deleted, _ = PersonalAccessToken.objects.filter(user=user, pk=token_id).delete()
    return bool(deleted)


def token_uid(row: PersonalAccessToken) -> str:
    """The token's DHIS2 id (a letter and 10 characters), from its digest: stable, and it
    tells nothing of the token."""
    return row.uid or "T" + row.digest[:10]


def token_find(token: str) -> PersonalAccessToken | None:
    """The row of a valid, unexpired token of an active user (None otherwise); notes its use."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    row = (
        PersonalAccessToken.objects.select_related("user")
        .filter(digest=token_digest(token))
        .first()
    )
    if row is None or row.is_expired() or not row.user.is_active:
        return None
    now = timezone.now()
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
        PersonalAccessToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row


def token_user(token: str) -> Any | None:
    """The active user a valid, unexpired token belongs to (None otherwise); notes its use."""
    row = token_find(token)
    return row.user if row is not None else None


__all__ = [
    "TOKEN_PREFIX",
    "TokenError",
    "token_attributes_parse",
    "token_create",
    "token_find",
    "token_refusal",
    "token_revoke",
    "token_uid",
    "token_user",
]
