"""manage.py report UNIT PERIOD --format md|html|docx|pdf|xlsx --output FILE [--draft]."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from phongtrao.orgs.models import Edition, Unit
from phongtrao.periods import PeriodError
from phongtrao.reports.builder import ReportEmpty, report_build
from phongtrao.reports.formats import FORMATS, report_render
from phongtrao.reports.selectors import report_unit
from phongtrao.vn import format_number

TEXT_FORMATS = {"md", "html"}


def _date(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(
            f"Ngày ban hành “{text}” không hợp lệ: ghi theo dạng NĂM-THÁNG-NGÀY, ví dụ 2024-01-15."
        ) from None


class Command(BaseCommand):
    help = (
        "Lập báo cáo kết quả công tác Hội của một đơn vị trong một kỳ (md, html, docx, pdf, xlsx)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("unit", help="mã đơn vị, ví dụ 70 (tỉnh Bình Phước)")
        parser.add_argument("period", help="mã kỳ báo cáo, ví dụ 2023, 2023S1, 2023Q4")
        # Checked in handle(), not by argparse, so that a mistake gets a Vietnamese message.
        parser.add_argument("--format", default="md", help=f"định dạng: {', '.join(FORMATS)}")
        parser.add_argument(
            "--output", type=Path, help="tệp kết quả (md, html: mặc định in ra màn hình)"
        )
        parser.add_argument(
            "--edition",
            help="cơ cấu tổ chức: 2008 (trước 7/2025), 2025, hoặc một ngày YYYY-MM-DD "
            "(cơ cấu có hiệu lực ngày đó); mặc định: cơ cấu có hiệu lực cuối kỳ báo cáo",
        )
        parser.add_argument("--compare", help="kỳ so sánh thay cho cùng kỳ năm trước, ví dụ 2023")
        parser.add_argument(
            "--date",
            help="ngày ban hành (YYYY-MM-DD); mặc định ngày báo cáo được duyệt hoặc gửi, "
            "nếu chưa có thì để trống cho cán bộ ghi tay",
        )
        parser.add_argument(
            "--draft",
            action="store_true",
            help="khi chưa có số liệu: vẫn lập bản dự thảo khung ghi “chưa có số liệu”",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        fmt: str = options["format"]
        output: Path | None = options["output"]
        if fmt not in FORMATS:
            raise CommandError(
                f"Định dạng “{fmt}” không được hỗ trợ; chọn một trong: {', '.join(FORMATS)}."
            )
        if output is None and fmt not in TEXT_FORMATS:
            raise CommandError(f"Định dạng {fmt} cần tùy chọn --output TỆP.")
        if output is not None and not output.parent.is_dir():
            raise CommandError(f"Không có thư mục “{output.parent}” để ghi tệp báo cáo.")
        issued = _date(options["date"])
        try:
            unit = report_unit(options["unit"], options["period"], options["edition"])
            report = report_build(
                unit,
                options["period"],
                issued=issued,
                compare=options["compare"],
                draft=options["draft"],
            )
        except PeriodError as error:
            raise CommandError(error.message_vi) from error
        except ReportEmpty as error:
            raise CommandError(error.message_vi) from error
        except (Unit.DoesNotExist, Edition.DoesNotExist) as error:
            raise CommandError(str(error)) from error
        content = report_render(report, fmt)
        if output is None:
            self.stdout.write(content.decode(), ending="")
            return
        try:
            output.write_bytes(content)
        except OSError as error:
            raise CommandError(
                f"Không ghi được tệp “{output}”: {error.strerror or 'lỗi ghi tệp'}."
            ) from error
        self.stderr.write(
            f"Đã ghi báo cáo của {unit.union_name} vào {output} "
            f"({format_number(len(content))} byte)."
        )
