"""Compressed payloads and exports, as DHIS2 (`StreamUtils.wrapAndCheckCompressionFormat` on
import, `compression=gzip|zip` on export).

An import body is recognised by its first bytes, as DHIS2 does: `PK\\x03\\x04` is a zip (its
first entry is read), `\\x1f\\x8b` a gzip stream, anything else is read as it is. Inflating is
bounded before it happens: the gzip stream is inflated a block at a time and refused once it
has given `max_inflated` bytes; a zip entry is refused from the size its directory declares,
and Python's zipfile never inflates an entry past that size. So a "zip bomb" costs a few
megabytes of work and is refused with a clear message, and nothing is written.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from typing import IO, Any

from phongtrao.exchange.readers import ReadError

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
BLOCK = 1 << 16
# What a compressed import may inflate to, by default (settings: EXCHANGE_MAX_INFLATED_BYTES).
MAX_INFLATED = 512 * 1024 * 1024
# A zip is read whole (its directory is at the end): at most this many compressed bytes.
MAX_ZIP_BYTES = 64 * 1024 * 1024


class InflateRefused(ReadError):
    """A compressed payload would inflate past the limit (a zip bomb, or simply too big);
    `english` is the message for clients that ask for English."""

    def __init__(self, message: str, english: str) -> None:
        super().__init__(message)
        self.english = english


def max_inflated() -> int:
    from django.conf import settings

    return int(getattr(settings, "EXCHANGE_MAX_INFLATED_BYTES", MAX_INFLATED))


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):,.0f} MB".replace(",", ".")


def _refusal(limit: int) -> InflateRefused:
    return InflateRefused(
        f"Tệp nén giải nén ra quá {_mb(limit)} (có thể là “bom nén”): tệp bị từ chối, "
        "không ghi giá trị nào.",
        f"The compressed payload inflates to more than {_mb(limit)} (a zip bomb?): "
        "refused, nothing was imported.",
    )


class _Prefixed(io.RawIOBase):
    """`stream` with `head` (bytes already read from it) put back in front."""

    def __init__(self, head: bytes, stream: IO[bytes]) -> None:
        self.head = head
        self.stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.head:
            size = min(len(buffer), len(self.head))
            buffer[:size] = self.head[:size]
            self.head = self.head[size:]
            return size
        data = self.stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class _Gunzip(io.RawIOBase):
    """A gzip stream inflated block by block, refused past `limit` inflated bytes."""

    def __init__(self, stream: IO[bytes], limit: int) -> None:
        self.stream = stream
        self.limit = limit
        self.given = 0
        self.inflater = zlib.decompressobj(wbits=31)
        self.pending = b""
        self.ended = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self.pending and not self.ended:
            # Never ask zlib for more than the room left under the limit (+1 to see it crossed).
            room = min(BLOCK, self.limit - self.given + 1)
            source = self.inflater.unconsumed_tail or self.stream.read(BLOCK)
            if not source:
                self.pending = self.inflater.flush()
                self.ended = True
            else:
                try:
                    self.pending = self.inflater.decompress(source, room)
                except zlib.error as error:
                    raise ReadError(f"Tệp gzip không hợp lệ: {error}") from None
                if self.inflater.eof:
                    self.ended = True
            self.given += len(self.pending)
            if self.given > self.limit:
                raise _refusal(self.limit)
        size = min(len(buffer), len(self.pending))
        buffer[:size] = self.pending[:size]
        self.pending = self.pending[size:]
        return size


def _unzip(stream: IO[bytes], limit: int) -> IO[bytes]:
    data = stream.read(MAX_ZIP_BYTES + 1)
    if len(data) > MAX_ZIP_BYTES:
        raise ReadError(f"Tệp zip lớn quá {_mb(MAX_ZIP_BYTES)}: hãy dùng gzip hoặc chia nhỏ tệp.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = [e for e in archive.infolist() if not e.is_dir()]
        if not entries:
            raise ReadError("Tệp zip không chứa tệp nào.")
        entry = entries[0]  # as DHIS2: the first entry
        if entry.file_size > limit:
            raise _refusal(limit)
        return archive.open(entry)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError) as error:
        raise ReadError(f"Tệp zip không hợp lệ: {error}") from None


def inflated(stream: IO[bytes], limit: int | None = None) -> IO[bytes]:
    """The payload of `stream`: inflated when it is gzip or zip (by its first bytes), bounded
    by `limit` inflated bytes (the settings' by default); otherwise `stream` itself."""
    head = stream.read(4)
    whole = io.BufferedReader(_Prefixed(head, stream), buffer_size=BLOCK)
    limit = max_inflated() if limit is None else limit
    if head.startswith(GZIP_MAGIC):
        return io.BufferedReader(_Gunzip(whole, limit), buffer_size=BLOCK)
    if head == ZIP_MAGIC:
        return _unzip(whole, limit)
    return whole


# --- export ------------------------------------------------------------------------------


def gzipped(pieces: Iterable[bytes]) -> Iterator[bytes]:
    """The gzip stream of `pieces`, streamed."""
    deflater = zlib.compressobj(6, zlib.DEFLATED, 31)
    for piece in pieces:
        out = deflater.compress(piece)
        if out:
            yield out
    yield deflater.flush()


class _Sink(io.RawIOBase):
    """Collects what a ZipFile writes so it can be streamed (not seekable: data descriptors)."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.chunks.append(bytes(data))
        return len(data)

    def drain(self) -> Iterator[bytes]:
        chunks, self.chunks = self.chunks, []
        yield from chunks


def zipped(pieces: Iterable[bytes], name: str) -> Iterator[bytes]:
    """A zip holding one entry `name` with `pieces`, streamed."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open(name, "w", force_zip64=True) as entry:
            for piece in pieces:
                entry.write(piece)
                yield from sink.drain()
    yield from sink.drain()
