"""`manage.py rebuild_rollups`: recompute every roll-up from the raw values."""

from __future__ import annotations

import time
from typing import Any

from django.core.management import BaseCommand

from phongtrao.analytics.rebuild import rollups_rebuild
from phongtrao.vn import format_number


class Command(BaseCommand):
    help = "Tính lại toàn bộ số liệu tổng hợp từ số liệu gốc."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        rollups, activity = rollups_rebuild()
        self.stdout.write(
            f"Đã tính lại {format_number(rollups)} dòng tổng hợp và "
            f"{format_number(activity)} dòng tình hình báo cáo trong "
            f"{format_number(round(time.perf_counter() - started, 1))} giây."
        )
