"""`manage.py rebuild_rollups [--queue]`: recompute every roll-up from the raw values."""

from __future__ import annotations

import time
from typing import Any

from django.core.management import BaseCommand, CommandParser

from phongtrao.analytics.rebuild import rollups_rebuild
from phongtrao.analytics.tasks import rollups_rebuild_task
from phongtrao.vn import format_number


class Command(BaseCommand):
    help = "Tính lại toàn bộ số liệu tổng hợp từ số liệu gốc."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--queue",
            action="store_true",
            help="Đưa vào hàng đợi để tiến trình xử lý nền (db_worker) làm, không chờ.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["queue"]:
            result = rollups_rebuild_task.enqueue()
            self.stdout.write(f"Đã đưa việc tính lại vào hàng đợi (mã {result.id}).")
            return
        started = time.perf_counter()
        rollups, activity = rollups_rebuild()
        self.stdout.write(
            f"Đã tính lại {format_number(rollups)} dòng tổng hợp và "
            f"{format_number(activity)} dòng tình hình báo cáo trong "
            f"{format_number(round(time.perf_counter() - started, 1))} giây."
        )
