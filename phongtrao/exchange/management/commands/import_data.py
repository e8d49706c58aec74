"""`manage.py import_data FILE`: import a DHIS2 dataValueSet or ADX file, print the summary."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from phongtrao.actors import SYSTEM
from phongtrao.exchange.formats import Format, FormatError, format_guess, format_parse
from phongtrao.exchange.readers import stream_with_progress
from phongtrao.exchange.services import datavalueset_import


class Command(BaseCommand):
    help = "Nhập số liệu từ tệp dataValueSet của DHIS2 (JSON, XML, CSV) hoặc ADX."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="Tệp cần nhập.")
        parser.add_argument(
            "--format",
            help="dhis2-json, dhis2-xml, dhis2-csv hoặc adx (mặc định: đoán theo đuôi tệp).",
        )
        parser.add_argument("--id-scheme", help="uid (mặc định; ADX: code, như DHIS2) hoặc code.")
        parser.add_argument("--data-element-id-scheme", help="uid hoặc code, cho chỉ tiêu.")
        parser.add_argument("--org-unit-id-scheme", help="uid hoặc code, cho đơn vị.")
        parser.add_argument("--dry-run", action="store_true", help="Nhập thử, không ghi gì.")
        parser.add_argument(
            "--strategy",
            default="CREATE_AND_UPDATE",
            help="CREATE_AND_UPDATE (mặc định), CREATE, UPDATE hoặc DELETE.",
        )
        parser.add_argument(
            "--atomic-mode",
            choices=["ALL", "NONE"],
            default="ALL",
            help="ALL (mặc định): có xung đột thì không ghi gì; NONE: ghi các giá trị hợp lệ.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"Không tìm thấy tệp {path}.")
        try:
            fmt: Format = (
                format_parse(options["format"]) if options["format"] else format_guess(path.name)
            )
        except FormatError as error:
            raise CommandError(str(error)) from None
        show = options["verbosity"] > 0
        with (
            path.open("rb") as raw,
            tqdm(
                total=path.stat().st_size,
                unit="B",
                unit_scale=True,
                desc="Đang nhập",
                disable=not show,
                file=self.stderr,
            ) as bar,
        ):
            try:
                summary = datavalueset_import(
                    actor=SYSTEM,
                    stream=stream_with_progress(raw, bar.update),
                    format=fmt,
                    id_scheme=options["id_scheme"],
                    data_element_id_scheme=options["data_element_id_scheme"],
                    org_unit_id_scheme=options["org_unit_id_scheme"],
                    dry_run=options["dry_run"],
                    strategy=options["strategy"],
                    atomic=options["atomic_mode"] == "ALL",
                    read_thread=True,  # a command, not a web process
                )
            except FormatError as error:
                raise CommandError(str(error)) from None
        self.stdout.write(json.dumps(summary.as_dict(), ensure_ascii=False, indent=2))
        if summary.status == "ERROR":
            raise CommandError(summary.description)
