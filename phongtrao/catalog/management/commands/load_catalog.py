"""`manage.py load_catalog [--path FILE] [--sections FILE]`: load an indicator catalog."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from phongtrao.catalog.services import CatalogError, catalog_load


class Command(BaseCommand):
    help = (
        "Nạp danh mục chỉ tiêu từ tệp CSV (mặc định: danh mục chỉ tiêu của Hội LHPN đi kèm "
        "phần mềm). Chạy lại nhiều lần cho cùng kết quả."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--path",
            type=Path,
            help="tệp CSV chỉ tiêu (cột: code, section, parent, name_vi, unit_vi, value_type, "
            "agg_time, formula, note)",
        )
        parser.add_argument(
            "--sections", type=Path, help="tệp CSV các phần báo cáo (cột: number, name)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = catalog_load(path=options["path"], sections_path=options["sections"])
        except CatalogError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(str(result)))
