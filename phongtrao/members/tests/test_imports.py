"""List imports on the task queue: Excel and CSV, all or nothing, errors per row, progress."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from phongtrao.jobs.uploads import upload_storage
from phongtrao.jobs.worker import tasks_run_pending
from phongtrao.members.models import ImportStatus, Member, MemberImport
from phongtrao.members.sheets import MAX_CSV_BYTES

from .test_pages import login, sheet

DBS = ["default", "progress"]
pytestmark = pytest.mark.django_db(databases=DBS)
GOOD = [
    1,
    "Nguyễn Thị Hoa",
    "17/05/1985",
    "Kinh",
    "Không",
    "Làm nông",
    "Ấp 1",
    "08/03/2023",
    "Ấp 1",
]
BAD = [2, "Điểu Thị Bé", "31/02/1990", "Xờ Tiêng", "", "Công nhân", "Ấp 2", "08/03/2023", "Ấp 9"]
FIXED = [2, "Điểu Thị Bé", "01/02/1990", "Xtiêng", "", "Công nhân", "Ấp 2", "08/03/2023", "Ấp 1"]
HEADER = "STT,Họ và tên,Ngày sinh,Dân tộc,Tôn giáo,Nghề nghiệp,Địa chỉ,Ngày vào Hội,Chi hội"


@pytest.fixture(autouse=True)
def uploads_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def send(client, registry, upload):
    url = f"/hoi-vien/{registry['c1'].uid}/nhap-excel/"
    return client.post(url, {"file": upload, "consent_on": "2023-03-08", "consent": "on"})


def csv_file(*rows: list[object], delimiter: str = ",", name: str = "ds.csv") -> io.BytesIO:
    lines = [HEADER.replace(",", delimiter)]
    lines += [delimiter.join(str(v) for v in row) for row in rows]
    out = io.BytesIO(("\n".join(lines) + "\n").encode("utf-8-sig"))
    out.name = name
    return out


def test_excel_list_is_queued_then_all_or_nothing_with_row_errors(client, registry, settings):
    login(client, "canbo_xa_a")
    response = send(client, registry, sheet([GOOD, BAD]))
    job = MemberImport.objects.get()
    page = f"/hoi-vien/{registry['c1'].uid}/nhap-excel/{job.pk}/"
    assert response.status_code == 302 and response["Location"] == page
    assert "Đang chờ" in client.get(page + "tien-do/").json()["text"]
    assert tasks_run_pending() == 1
    progress = client.get(page + "tien-do/").json()
    assert progress["finished"] and progress["status"] == "rejected"
    text = client.get(page).content.decode()
    assert "Ngày sinh không hợp lệ" in text and "Xờ Tiêng" in text and "Ấp 9" in text
    assert "không hội viên nào được ghi" in text
    assert [number for number, _ in progress["problems"]] == [4]  # below a title and the header
    assert not Member.objects.exists()
    # The list waited in the private storage, never in the public media, and is gone.
    assert job.path.startswith("member-imports/") and not upload_storage().exists(job.path)
    assert not (Path(settings.MEDIA_ROOT) / "member-imports").exists()

    send(client, registry, sheet([GOOD, FIXED]))
    tasks_run_pending()
    done = MemberImport.objects.first()
    assert (done.status, done.written, done.rows_read) == (ImportStatus.DONE, 2, 2)
    assert (
        "Đã nhập 2 hội viên" in client.get(page.replace(str(job.pk), str(done.pk))).content.decode()
    )
    assert sorted(Member.objects.values_list("occupation", flat=True)) == ["farmer", "worker"]

    send(client, registry, sheet([GOOD]))
    tasks_run_pending()
    again = MemberImport.objects.first()
    assert again.status == ImportStatus.REJECTED
    assert "cùng họ tên và ngày sinh" in again.problems[0][1]
    assert Member.objects.count() == 2


def test_csv_list_with_semicolons_is_imported(client, registry):
    login(client, "canbo_xa_a")
    send(client, registry, csv_file(GOOD, FIXED, delimiter=";"))
    assert tasks_run_pending() == 1
    job = MemberImport.objects.get()
    assert (job.kind, job.status, job.written) == ("csv", ImportStatus.DONE, 2)
    assert set(Member.objects.values_list("full_name", flat=True)) == {
        "Nguyễn Thị Hoa",
        "Điểu Thị Bé",
    }


def test_csv_bad_rows_are_named_by_line(client, registry):
    login(client, "canbo_xa_a")
    send(client, registry, csv_file(GOOD, BAD))
    tasks_run_pending()
    job = MemberImport.objects.get()
    assert job.status == ImportStatus.REJECTED and job.problems[0][0] == 3
    assert not Member.objects.exists()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"not a spreadsheet", "ds.xlsx", "không phải là tệp Excel"),
        ("Họ và tên;Ngày sinh\n".encode("cp1258", "replace") + b"\xff\xfe", "ds.csv", "UTF-8"),
        (b"a,b\n1,2\n", "ds.csv", "Không tìm thấy dòng tiêu đề"),
    ],
)
def test_unreadable_files_fail_in_vietnamese(client, registry, content, name, message):
    login(client, "canbo_xa_a")
    send(client, registry, SimpleUploadedFile(name, content))
    tasks_run_pending()
    job = MemberImport.objects.get()
    assert job.status == ImportStatus.FAILED and message in job.error
    assert (
        message
        in client.get(f"/hoi-vien/{registry['c1'].uid}/nhap-excel/{job.pk}/").content.decode()
    )


def test_refused_before_queueing(client, registry):
    login(client, "canbo_xa_a")
    odd = send(client, registry, SimpleUploadedFile("ds.pdf", b"%PDF"))
    assert odd.status_code == 400 and "Chỉ nhận tệp Excel" in odd.content.decode()
    huge = send(client, registry, SimpleUploadedFile("ds.csv", b"x" * (MAX_CSV_BYTES + 1)))
    assert huge.status_code == 400 and "Tệp quá lớn" in huge.content.decode()
    assert not MemberImport.objects.exists()


def test_others_see_neither_the_form_nor_the_import(client, registry):
    login(client, "canbo_xa_a")
    send(client, registry, csv_file(GOOD))
    job = MemberImport.objects.get()
    client.logout()
    login(client, "canbo_xa_b")
    assert client.get(f"/hoi-vien/{registry['c1'].uid}/nhap-excel/").status_code == 404
    page = f"/hoi-vien/{registry['c2'].uid}/nhap-excel/{job.pk}/"
    assert client.get(page).status_code == 404
    assert client.get(page + "tien-do/").status_code == 404
