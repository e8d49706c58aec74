"""Files waiting for a worker: kept in the private storage, which every app server and worker
reads (the shared S3 bucket when configured, never the public media)."""

from __future__ import annotations

import shutil
import tempfile
from typing import IO

from django.core.files import File
from django.core.files.storage import Storage, storages
from django.core.files.uploadedfile import UploadedFile

SPOOL_BYTES = 8 * 1024 * 1024
CHUNK = 1024 * 1024


class UploadTooLarge(ValueError):
    """The upload ran past the bound it was stored with; nothing was stored."""


def upload_storage() -> Storage:
    """Where uploads wait for a worker: the private storage."""
    return storages["private"]


def upload_store(
    upload: UploadedFile | IO[bytes], name: str, *, max_bytes: int | None = None
) -> tuple[str, int]:
    """Store an upload under `name` in the private storage; its stored name and size.

    A request body cannot seek back, and a bounded upload is counted as it is read, so either
    is spooled first (in memory up to SPOOL_BYTES, then on the local disk); UploadTooLarge
    once more than `max_bytes` were read, before anything is stored.
    """
    storage = upload_storage()
    if isinstance(upload, UploadedFile) and max_bytes is None:
        name = storage.save(name, upload)
        return name, storage.size(name)
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
        if max_bytes is None:
            shutil.copyfileobj(upload, spool, CHUNK)
        else:
            pieces = (
                upload.chunks()
                if isinstance(upload, UploadedFile)
                else iter(lambda: upload.read(CHUNK), b"")
            )
            for piece in pieces:
                if spool.tell() + len(piece) > max_bytes:
                    raise UploadTooLarge(max_bytes)
                spool.write(piece)
        spool.seek(0)
        name = storage.save(name, File(spool, name=name))
    return name, storage.size(name)
