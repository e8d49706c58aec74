"""Evidence on the cluster's shared storage (S3): stored private, served only through the
view that checks access, to a user of any app server."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile

from phongtrao.emulation.models import Evidence

from .conftest import hand_set, scored


@pytest.fixture
def evidence_on_s3(small_tree, shared_storages, monkeypatch):
    # The field took its storage when the model loaded; give it the cluster's.
    monkeypatch.setattr(Evidence._meta.get_field("file"), "storage", storages["private"])
    assessment = scored(
        hand_set(small_tree["province"]), small_tree["c1"], [(40, 0), (20, 0), (35, 0)]
    )
    return Evidence.objects.create(
        score=assessment.scores.first(),
        file=SimpleUploadedFile("bien-ban.pdf", b"%PDF-1.4 bi mat"),
        name="bien-ban.pdf",
    )


def test_evidence_on_shared_storage_reaches_only_who_may_see_it(client, people, evidence_on_s3):
    private = storages["private"]
    assert private.exists(evidence_on_s3.file.name)
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(private.url(evidence_on_s3.file.name).split("?")[0])  # noqa: S310
    assert refused.value.code == 403

    client.force_login(people["xa2"])  # another district's commune
    assert client.get(f"/thi-dua/minh-chung/{evidence_on_s3.pk}/").status_code == 404
    client.force_login(people["xa"])
    response = client.get(f"/thi-dua/minh-chung/{evidence_on_s3.pk}/")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 bi mat"
