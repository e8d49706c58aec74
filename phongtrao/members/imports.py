"""Member lists imported in the background, on the task queue, with progress any server sees.

An officer uploads the list her union keeps (Excel or CSV). The upload is bounded and saved
in the private storage under `member-imports/` (the shared bucket when configured, never the
public media), a `MemberImport` row is made and a task queued in the
same transaction; a `manage.py db_worker` process runs it. The task reads and checks every
row (`sheets`), then admits the whole list in one transaction (`bulk.members_import`): all
or nothing, and when any row is wrong nothing is written and each wrong row is reported with
its number and a Vietnamese message. Meanwhile the rows read and written go through the
`progress` connection (`phongtrao.jobs.progress`) so the page sees them at once. A running
import whose heartbeat stops for `JOBS_STALE_AFTER` seconds died with its worker: it is
marked failed when next read (its transaction was rolled back, so nothing was written).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from phongtrao.jobs.progress import Progress, progress_forget, progress_read, stale_after
from phongtrao.jobs.uploads import UploadTooLarge, upload_storage, upload_store
from phongtrao.members.access import Actor, actor_user, records_may_change
from phongtrao.members.bulk import ImportRejected, members_import
from phongtrao.members.forms import PURPOSE
from phongtrao.members.models import ImportStatus, MemberImport
from phongtrao.members.sheets import (
    MAX_CSV_BYTES,
    SheetError,
    branches_of,
    csv_read,
    list_read,
)
from phongtrao.vn import format_number

logger = logging.getLogger(__name__)
MAX_UPLOAD = MAX_CSV_BYTES
INTERRUPTED = "Lượt nhập bị gián đoạn (tiến trình xử lý nền đã dừng); chưa ghi hội viên nào."
MAX_PROBLEMS = 1_000  # kept on the row; the count says how many there were in all


def kind_of(name: str) -> str:
    """ "xlsx" or "csv" from the file's name; ValidationError for anything else."""
    suffix = Path(name).suffix.lower()
    if suffix == ".xlsx":
        return "xlsx"
    if suffix in (".csv", ".txt"):
        return "csv"
    raise ValidationError("Chỉ nhận tệp Excel (.xlsx) hoặc CSV (.csv).")


@transaction.atomic
def member_import_create(
    *, actor: Actor, unit: Any, upload: UploadedFile | IO[bytes], consent_on: dt.date, name: str
) -> MemberImport:
    """Save an uploaded list for `unit` and queue its import; a worker takes it once this
    transaction commits. Refuses a file too large before saving it."""
    owner = actor_user(actor)  # the page is the owner's: a signed-in officer
    if owner is None or not records_may_change(actor, unit):
        raise PermissionDenied("Bạn không có quyền cập nhật sổ hội viên của đơn vị này.")
    if consent_on > timezone.localdate():
        raise ValidationError("Ngày đồng ý không thể sau hôm nay.")
    kind = kind_of(name)
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_UPLOAD:
        raise ValidationError(f"Tệp quá lớn (tối đa {MAX_UPLOAD // 1024 // 1024} MB).")
    try:
        path, written = upload_store(
            upload, f"member-imports/{uuid.uuid4().hex}.{kind}", max_bytes=MAX_UPLOAD
        )
    except UploadTooLarge as error:
        raise ValidationError(f"Tệp quá lớn (tối đa {MAX_UPLOAD // 1024 // 1024} MB).") from error
    job = MemberImport.objects.create(
        user=owner,
        unit=unit,
        filename=Path(name).name[:255],
        path=path,
        kind=kind,
        size=written,
        consent_on=consent_on,
    )
    result = member_import_task.enqueue(job.pk)
    job.task_id = str(result.id)
    MemberImport.objects.filter(pk=job.pk).update(task_id=job.task_id)
    return job


@task()
def member_import_task(import_id: int) -> str:
    """The queued task: run one member list import (see `member_import_run`)."""
    return member_import_run(import_id)


def _key(job: MemberImport) -> str:
    return job.task_id or f"member-import-{job.pk}"


def member_import_run(import_id: int) -> str:
    """Read, check and admit one uploaded list, all or nothing; returns its end status.

    An import no longer queued (already run) is left as it is.
    """
    claimed = MemberImport.objects.filter(pk=import_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, started_at=timezone.now()
    )
    job = MemberImport.objects.select_related("user", "unit").get(pk=import_id)
    if not claimed:
        return str(job.status)
    progress = Progress(_key(job), rows_read=0, written=0)
    progress.write()
    reader = csv_read if job.kind == "csv" else list_read
    try:
        with progress.beating(), upload_storage().open(job.path, "rb") as handle:
            plan = reader(
                handle,
                unit=job.unit,
                branches=branches_of(job.unit),
                on_row=lambda n: progress.add("rows_read", n),
            )
        progress.counts["rows_read"] = len(plan.rows) + len(plan.problems)
        progress.write()
        if plan.problems:
            _finish(job, progress, ImportStatus.REJECTED, problems=plan.problems)
        else:
            count = members_import(
                actor=job.user,
                unit=job.unit,
                rows=plan.rows,
                numbers=plan.numbers,
                purpose=PURPOSE,
                consent_on=job.consent_on,
            )
            progress.counts["written"] = count
            _finish(job, progress, ImportStatus.DONE)
    except ImportRejected as error:
        _finish(job, progress, ImportStatus.REJECTED, problems=error.problems)
    except (SheetError, ValidationError, PermissionDenied) as error:
        text = str(error) if isinstance(error, SheetError) else "; ".join(_messages(error))
        _finish(job, progress, ImportStatus.FAILED, error=text[:2000])
    except BaseException as error:  # the row must say it failed, even on a worker's shutdown
        logger.exception("member import %s failed", import_id)
        _finish(job, progress, ImportStatus.FAILED, error=f"Lỗi khi nhập: {error}"[:2000])
        raise
    finally:
        upload_storage().delete(job.path)
    return str(MemberImport.objects.values_list("status", flat=True).get(pk=job.pk))


def _messages(error: ValidationError | PermissionDenied) -> list[str]:
    if isinstance(error, ValidationError):
        return list(error.messages)
    return [str(error) or "Không có quyền."]


def _finish(
    job: MemberImport,
    progress: Progress,
    status: ImportStatus,
    *,
    problems: list[tuple[int, str]] | None = None,
    error: str = "",
) -> None:
    kept = [[number, text] for number, text in (problems or [])[:MAX_PROBLEMS]]
    if problems and len(problems) > MAX_PROBLEMS:
        more = len(problems) - MAX_PROBLEMS
        kept.append([0, f"… và {format_number(more)} dòng có lỗi khác."])
    MemberImport.objects.filter(pk=job.pk).update(
        status=status,
        finished_at=timezone.now(),
        rows_read=progress.counts.get("rows_read", 0),
        written=progress.counts.get("written", 0) if status == ImportStatus.DONE else 0,
        problems=kept,
        error=error,
    )
    progress_forget(progress.key)


def member_import_reap(job: MemberImport) -> MemberImport:
    """Mark a running import whose heartbeat stopped as failed (its worker died)."""
    if job.status != ImportStatus.RUNNING:
        return job
    _, heartbeat = progress_read(_key(job))
    moved = heartbeat or job.started_at or job.created_at
    if timezone.now() - moved <= stale_after():
        return job
    MemberImport.objects.filter(pk=job.pk, status=ImportStatus.RUNNING).update(
        status=ImportStatus.FAILED, error=INTERRUPTED, finished_at=timezone.now()
    )
    job.refresh_from_db()
    return job


def member_import_progress(job: MemberImport) -> dict[str, Any]:
    """Where an import stands, for its page: status, counts, a sentence, the row problems."""
    job = member_import_reap(job)
    counts = {"rows_read": job.rows_read, "written": job.written}
    if not job.finished:
        counts.update(progress_read(_key(job))[0])
    status = ImportStatus(job.status)
    if status == ImportStatus.QUEUED:
        text = "Đang chờ tiến trình xử lý nền nhận danh sách này."
    elif status == ImportStatus.RUNNING:
        text = f"Đã đọc {format_number(counts['rows_read'])} dòng, đang kiểm tra và ghi vào sổ."
    elif status == ImportStatus.DONE:
        text = f"Đã nhập {format_number(job.written)} hội viên vào sổ."
    elif status == ImportStatus.REJECTED:
        text = (
            f"Chưa nhập: {format_number(len(job.problems))} dòng có lỗi; "
            "không hội viên nào được ghi. Hãy sửa tệp rồi nhập lại."
        )
    else:
        text = job.error or "Lượt nhập bị lỗi; chưa ghi hội viên nào."
    return {
        "id": job.pk,
        "status": status.value,
        "statusLabel": status.label,
        "finished": job.finished,
        "rowsRead": counts["rows_read"],
        "written": job.written,
        "text": text,
        "problems": job.problems,
    }


__all__ = [
    "kind_of",
    "member_import_create",
    "member_import_progress",
    "member_import_reap",
    "member_import_run",
    "member_import_task",
]
