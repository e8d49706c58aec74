"""Daily: tell units whose report is due soon (cron or a systemd timer runs this)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from phongtrao.entry.deadlines import DAYS_BEFORE, deadlines_notify


class Command(BaseCommand):
    help = "Nhắc các đơn vị chưa nộp báo cáo sắp đến hạn (chạy mỗi ngày một lần)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--days", type=int, default=DAYS_BEFORE)

    def handle(self, *args: Any, **options: Any) -> None:
        told = deadlines_notify(today=timezone.localdate(), days_before=options["days"])
        self.stdout.write(f"Đã nhắc {told} đơn vị.")
