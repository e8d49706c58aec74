"""Personal access tokens: made by their owner, shown once, stored as a digest, revocable."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone

from phongtrao.exchange.models import PersonalAccessToken

# DHIS2's personal access tokens start so; clients pass them as `ApiToken d2pat_...`.
TOKEN_PREFIX = "d2pat_"  # noqa: S105 - a public prefix, not a secret
# last_used_at is written at most this often per token (not one write per API call).
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
MAX_TOKENS = 20


class TokenError(ValueError):
    """A token that cannot be made (message in Vietnamese)."""


def token_digest(token: str) -> str:
    """The stored form of a token: tokens are long random strings, so one SHA-256 suffices."""
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def token_create(
    *, user: Any, name: str, expires_at: dt.datetime | None = None
) -> tuple[PersonalAccessToken, str]:
    """A new token for `user`: the row, and the token itself (to show once, never again)."""
    name = name.strip()
    if not name:
        raise TokenError("Hãy đặt tên gợi nhớ cho mã truy cập.")
    if expires_at is not None and expires_at <= timezone.now():
        raise TokenError("Ngày hết hạn phải ở sau hôm nay.")
    if PersonalAccessToken.objects.filter(user=user).count() >= MAX_TOKENS:
        raise TokenError(f"Mỗi người dùng có tối đa {MAX_TOKENS} mã truy cập.")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = PersonalAccessToken.objects.create(
        user=user,
        name=name[:100],
        digest=token_digest(token),
        prefix=token[: len(TOKEN_PREFIX) + 4],
        expires_at=expires_at,
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
    return "T" + row.digest[:10]


def token_user(token: str) -> Any | None:
    """The active user a valid, unexpired token belongs to (None otherwise); notes its use."""
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
    return row.user


__all__ = ["TOKEN_PREFIX", "TokenError", "token_create", "token_revoke", "token_uid", "token_user"]
