"""The live progress of background tasks, kept apart from the work they report on."""

from __future__ import annotations

from django.db import models


class TaskProgress(models.Model):
    """Counts a running task reports (values read, written...), and when it last reported.

    Written through the `progress` database connection, in autocommit, so that the counts
    are seen at once while the task's own transaction stays open to its end. A task whose
    heartbeat stops has died (its worker was killed): see `phongtrao.jobs.progress`.
    """

    key = models.CharField("mã công việc", max_length=64, unique=True)
    counts = models.JSONField("số đếm", default=dict)
    heartbeat_at = models.DateTimeField("cập nhật lúc")

    class Meta:
        verbose_name = "tiến độ công việc nền"
        verbose_name_plural = "tiến độ công việc nền"

    def __str__(self) -> str:
        return self.key
