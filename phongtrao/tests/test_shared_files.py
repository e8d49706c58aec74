"""Files on shared storage (django-storages against a real S3-compatible server): what one
server saves another reads; public media by plain URLs, private files never public."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import InvalidStorageError, storages
from storages.backends.s3 import S3Storage

from config.settings import s3_storages


def anonymous_get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as refused:
        return refused.code, b""


def test_without_a_bucket_files_stay_on_the_local_disk() -> None:
    assert s3_storages({}) == {}


def test_a_file_one_server_saves_another_server_reads(shared_storages) -> None:
    saved = storages["default"].save("portal/anh/hoi-nghi.jpg", ContentFile(b"JPEG du lieu"))
    # Another app server: a storage object of its own, made from the same settings.
    other = S3Storage(**storages.backends["default"]["OPTIONS"])

    assert other.open(saved).read() == b"JPEG du lieu"
    assert other.exists(saved)


def test_public_media_have_a_plain_url_anyone_reads(shared_storages) -> None:
    saved = storages["default"].save("portal/tai-lieu/bao-cao.pdf", ContentFile(b"%PDF cong khai"))
    url = storages["default"].url(saved)

    assert "Signature" not in url
    assert anonymous_get(url) == (200, b"%PDF cong khai")


def test_private_files_are_refused_without_a_signature(shared_storages) -> None:
    private: S3Storage = storages["private"]
    saved = private.save("thi-dua/minh-chung/1/bien-ban.pdf", ContentFile(b"%PDF bi mat"))
    signed = private.url(saved)
    unsigned = signed.split("?", 1)[0]

    assert anonymous_get(unsigned)[0] == 403
    assert "X-Amz-Signature" in signed and "X-Amz-Expires=300" in signed
    assert anonymous_get(signed) == (200, b"%PDF bi mat")
    grantees = [
        grant["Grantee"]
        for grant in shared_storages.get_object_acl(Bucket=private.bucket_name, Key=saved)["Grants"]
    ]
    assert grantees and not [who for who in grantees if "URI" in who]  # no AllUsers grant


def test_private_and_public_files_live_in_different_buckets(shared_storages) -> None:
    buckets = {storages[name].bucket_name for name in ("default", "private")}  # type: ignore[attr-defined]
    assert len(buckets) == 2
    with pytest.raises(InvalidStorageError):
        storages["nowhere"]


def test_an_import_upload_waits_in_the_private_bucket_for_any_worker(shared_storages) -> None:
    import io

    from phongtrao.exchange.jobs import upload_kept, upload_save
    from phongtrao.jobs.uploads import upload_storage

    body = b'{"dataValues": []}'
    name, size = upload_save(io.BytesIO(body))  # a request body: spooled, then stored
    private: S3Storage = storages["private"]

    assert name.startswith("imports/") and size == len(body) and upload_kept(name)
    head = shared_storages.head_object(Bucket=private.bucket_name, Key=name)
    assert head["ContentLength"] == len(body)
    # A worker on another machine: a storage object of its own, from the same settings.
    other = S3Storage(**storages.backends["private"]["OPTIONS"])
    assert other.open(name).read() == body
    assert anonymous_get(private.url(name).split("?", 1)[0])[0] == 403
    upload_storage().delete(name)
    assert not upload_kept(name)
