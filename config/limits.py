"""Request limits: a body larger than its endpoint allows is answered 413 before it is read; an
address carrying a NUL character is answered 400 before any view sees it.

The limit of a request is the one of the longest prefix of its path in
`settings.REQUEST_BODY_LIMITS` ("" is every other path). It is checked first on the declared
Content-Length, then while the body is read (a counter over the request's stream), so neither
a large declaration nor a body longer than its declaration reaches a view. API callers get
DHIS2's WebMessage; browsers a short Vietnamese page. Files larger than the synchronous API
allows go through the background import (`/api/nhap-tep/`).

A NUL (`%00`) in the path or the query string is refused for every address: PostgreSQL's text
cannot hold it, so a view passing it to a query would fail with a server error.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any, cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

from phongtrao.exchange.webapi import message


class BodyTooLarge(Exception):
    """The body read so far is already longer than its endpoint allows."""


def body_limit(path: str) -> int:
    """The largest body, in bytes, accepted for `path`."""
    limits: dict[str, int] = settings.REQUEST_BODY_LIMITS
    prefix = max((p for p in limits if path.startswith(p)), key=len, default="")
    return int(limits.get(prefix, 0) or 0)


def refusal(
    request: HttpRequest, status: int, title: str, text: str, api_hint: str = ""
) -> HttpResponse:
    """A refused request: DHIS2's envelope for API callers, a short Vietnamese page otherwise."""
    if request.path.startswith("/api/") and "text/html" not in request.headers.get("Accept", ""):
        return message(status, text + api_hint)
    page = f'<!doctype html><html lang="vi"><meta charset="utf-8"><title>{title}</title><p>{text}'
    return HttpResponse(page, status=status)


def too_large(request: HttpRequest, limit: int) -> HttpResponse:
    """413 with the limit said in megabytes."""
    size = f"{limit / 1024 / 1024:.1f}".replace(".", ",").removesuffix(",0")
    text = f"Nội dung gửi lên lớn quá {size} MB cho địa chỉ này."
    return refusal(
        request, 413, "Quá lớn", text, " Tệp lớn hãy nhập qua /api/nhap-tep/ (nhập nền)."
    )


def has_nul(request: HttpRequest) -> bool:
    """Whether the request's path or query string carries a NUL character."""
    query = request.META.get("QUERY_STRING", "")
    return "\x00" in request.path or ("%00" in query or "\x00" in query)


class _CountedStream(io.RawIOBase):
    """The request's stream, refusing to give more than `limit` bytes in all."""

    def __init__(self, stream: Any, limit: int) -> None:
        self.stream = stream
        self.limit = limit
        self.read_so_far = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        data: bytes = self.stream.read() if size is None or size < 0 else self.stream.read(size)
        self.read_so_far += len(data)
        if self.read_so_far > self.limit:
            raise BodyTooLarge
        return data

    def readline(self, size: int | None = -1) -> bytes:
        data: bytes = self.stream.readline(-1 if size is None else size)
        self.read_so_far += len(data)
        if self.read_so_far > self.limit:
            raise BodyTooLarge
        return data


class RequestBodyLimitMiddleware:
    """First in MIDDLEWARE but for the guests' cache hits (which read no body): nothing before
    it may read the body."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if has_nul(request):
            text = "Địa chỉ có ký tự NUL (%00), không hợp lệ."
            return refusal(request, 400, "Địa chỉ không hợp lệ", text)
        limit = body_limit(request.path)
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > limit:
            return too_large(request, limit)
        # Django offers no public hook to wrap the body: its stream is replaced here.
        request._stream = cast(Any, _CountedStream(request._stream, limit))
        try:
            return self.get_response(request)
        except BodyTooLarge:
            return too_large(request, limit)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A view that met the limit while reading answers 413, not 500."""
        if isinstance(exception, BodyTooLarge):
            return too_large(request, body_limit(request.path))
        return None
