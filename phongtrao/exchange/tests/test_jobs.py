"""Web upload: a worker of the task queue imports it; the page polls progress and the summary."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from phongtrao.actors import SYSTEM
from phongtrao.data.models import DataValue
from phongtrao.exchange.jobs import job_run, upload_kept
from phongtrao.exchange.models import ImportJob, JobStatus
from phongtrao.jobs.worker import tasks_run_pending

# The catalog's forms close 15 days after the period; these tests write 2023 as officers.
pytestmark = pytest.mark.usefixtures("no_deadlines")

UPLOAD = "/api/nhap-tep/"


def payload(indicators, small_tree, values=(("c1", "5"), ("c2", "7"))) -> bytes:
    return json.dumps(
        {
            "period": "2023",
            "dataValues": [
                {"dataElement": indicators["TH_HD"].uid, "orgUnit": small_tree[u].uid, "value": v}
                for u, v in values
            ],
        }
    ).encode()


def upload(client, data: bytes, name: str = "so-lieu.json", **fields):
    form = {"file": SimpleUploadedFile(name, data), "id_scheme": "UID", **fields}
    form.setdefault("strategy", "CREATE_AND_UPDATE")
    return client.post(UPLOAD, form)


DBS = ["default", "progress"]


@pytest.mark.django_db(databases=DBS)
def test_upload_then_run_then_summary(client, api_people, small_tree, indicators):
    client.force_login(api_people["huyen"])

    response = upload(client, payload(indicators, small_tree))

    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/api/nhap-tep/{job.pk}/"
    assert (job.status, job.format, job.size) == (JobStatus.QUEUED, "dhis2-json", job.size)
    # Waiting in the private storage (shared by every server in a cluster), not on local disk.
    assert job.path.startswith("imports/") and upload_kept(job.path)
    assert "Đang chờ" in client.get(f"/api/nhap-tep/{job.pk}/tien-do/").json()["text"]
    assert tasks_run_pending() == 1
    progress = client.get(f"/api/nhap-tep/{job.pk}/tien-do/").json()
    assert progress["finished"] and progress["status"] == "done"
    assert progress["percent"] == 100 and progress["valuesRead"] == 2
    assert progress["summary"]["importCount"]["imported"] == 2
    assert "Đã đọc 2 giá trị" in progress["text"]
    assert DataValue.objects.count() == 2
    page = client.get(f"/api/nhap-tep/{job.pk}/").content.decode()
    assert "SUCCESS" in page and "Xong" in page
    assert "so-lieu.json" in client.get(UPLOAD).content.decode()
    assert not upload_kept(job.path)  # the upload is removed once imported


@pytest.mark.django_db(databases=DBS)
def test_conflicts_are_shown_and_nothing_written(client, api_people, small_tree, indicators):
    client.force_login(api_people["huyen"])
    # c3 lies in the other district: not the district officer's to change.
    upload(client, payload(indicators, small_tree, (("c1", "5"), ("c3", "9"))))
    job = ImportJob.objects.get()

    job_run(job.pk)

    progress = client.get(f"/api/nhap-tep/{job.pk}/tien-do/").json()
    assert progress["summary"]["status"] == "ERROR"
    assert small_tree["c3"].uid in progress["summary"]["conflicts"][0]["object"]
    assert DataValue.objects.count() == 0


@pytest.mark.django_db(databases=DBS)
def test_bad_files_fail_cleanly(client, api_people):
    client.force_login(api_people["huyen"])

    response = upload(client, b"{}", name="so-lieu.doc")
    assert response.status_code == 400 and "Không đoán được định dạng" in response.content.decode()
    upload(client, b'{"dataValues": [', name="hong.json")
    job_run(ImportJob.objects.get().pk)

    summary = ImportJob.objects.get().summary
    assert summary["status"] == "ERROR" and "JSON" in summary["conflicts"][0]["value"]


@pytest.mark.django_db(databases=DBS)
def test_only_the_owner_sees_a_job(client, api_people, small_tree, indicators):
    client.force_login(api_people["huyen"])
    upload(client, payload(indicators, small_tree))
    job = ImportJob.objects.get()
    client.force_login(api_people["xa_ngoai"])

    for url in (f"/api/nhap-tep/{job.pk}/", f"/api/nhap-tep/{job.pk}/tien-do/"):
        assert client.get(url).status_code == 404


@pytest.mark.django_db(databases=DBS)
def test_viewers_may_not_upload(client, small_tree):
    from django.contrib.auth import get_user_model

    from phongtrao.accounts.models import Role
    from phongtrao.accounts.services import membership_set

    viewer = get_user_model().objects.create_user("xem", password="x")
    membership_set(actor=SYSTEM, user=viewer, unit=small_tree["d1"], roles=(Role.VIEW,))
    client.force_login(viewer)

    assert client.get(UPLOAD).status_code == 403
    assert client.get("/api/nhap-tep/").status_code == 403


@pytest.mark.django_db(databases=DBS)
def test_a_job_whose_worker_died_shows_as_failed(client, api_people):
    client.force_login(api_people["huyen"])
    job = ImportJob.objects.create(
        user=api_people["huyen"],
        filename="x.json",
        path="/nonexistent/x.upload",
        format="dhis2-json",
        status=JobStatus.RUNNING,
        size=10,
        heartbeat_at=timezone.now() - dt.timedelta(hours=1),
    )

    progress = client.get(f"/api/nhap-tep/{job.pk}/tien-do/").json()

    assert progress["status"] == "failed" and progress["finished"]
    assert "gián đoạn" in progress["error"] and not progress["retryable"]
    assert ImportJob.objects.get().status == JobStatus.FAILED


@pytest.mark.django_db(databases=DBS)
def test_a_failed_job_runs_again_from_the_kept_upload(client, api_people, small_tree, indicators):
    client.force_login(api_people["huyen"])
    upload(client, payload(indicators, small_tree))
    job = ImportJob.objects.get()
    # As a killed worker leaves it: marked running, silent for an hour, nothing written.
    ImportJob.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, heartbeat_at=timezone.now() - dt.timedelta(hours=1)
    )
    DBTaskResult.objects.filter(id=job.task_id).update(status="RUNNING")
    job_run(job.pk)  # a late run of the old task finds the job no longer queued
    assert DataValue.objects.count() == 0
    progress = client.get(f"/api/nhap-tep/{job.pk}/tien-do/").json()
    assert progress["status"] == "failed" and progress["retryable"]
    assert DBTaskResult.objects.get(id=job.task_id).status == "FAILED"
    assert "Nhập lại tệp này" in client.get(f"/api/nhap-tep/{job.pk}/").content.decode()

    response = client.post(f"/api/nhap-tep/{job.pk}/nhap-lai/")

    assert response.status_code == 302
    assert ImportJob.objects.get().status == JobStatus.QUEUED
    assert tasks_run_pending() == 1
    progress = client.get(f"/api/nhap-tep/{job.pk}/tien-do/").json()
    assert progress["status"] == "done" and progress["valuesWritten"] == 2
    assert DataValue.objects.count() == 2
    assert client.post(f"/api/nhap-tep/{job.pk}/nhap-lai/").status_code == 400


@pytest.mark.django_db(databases=DBS)
def test_nobody_else_may_run_a_job_again(client, api_people, small_tree, indicators):
    client.force_login(api_people["huyen"])
    upload(client, payload(indicators, small_tree))
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.FAILED)
    client.force_login(api_people["xa_ngoai"])

    assert client.post(f"/api/nhap-tep/{job.pk}/nhap-lai/").status_code == 404
    assert ImportJob.objects.get().status == JobStatus.FAILED
