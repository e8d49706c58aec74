"""Request body limits: a body larger than its endpoint allows is answered 413 before it is read.

The limit of a request is the one of the longest prefix of its path in
`settings.REQUEST_BODY_LIMITS` ("" is every other path). It is checked first on the declared
Content-Length, then while the body is read (a counter over the request's stream), so neither
a large declaration nor a body longer than its declaration reaches a view. API callers get
DHIS2's WebMessage; browsers a short Vietnamese page. Files larger than the synchronous API
allows go through the background import (`/api/nhap-tep/`).
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


def too_large(request: HttpRequest, limit: int) -> HttpResponse:
    """413 with the limit said in megabytes, in DHIS2's envelope for API callers."""
    size = f"{limit / 1024 / 1024:.1f}".replace(".", ",").removesuffix(",0")
    text = f"Nội dung gửi lên lớn quá {size} MB cho địa chỉ này."
    if request.path.startswith("/api/") and "text/html" not in request.headers.get("Accept", ""):
        return message(413, text + " Tệp lớn hãy nhập qua /api/nhap-tep/ (nhập nền).")
    page = f'<!doctype html><html lang="vi"><meta charset="utf-8"><title>Quá lớn</title><p>{text}'
    return HttpResponse(page, status=413)


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
