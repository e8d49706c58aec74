"""`manage.py export_data --unit CODE --period ISO`: write a unit's values as DHIS2 or ADX."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management import BaseCommand, CommandError, CommandParser

from phongtrao import periods
from phongtrao.exchange.formats import FormatError, IdScheme, format_parse, scheme_parse
from phongtrao.exchange.selectors import export_rows
from phongtrao.exchange.writers import datavalueset_write
from phongtrao.orgs.models import Unit
from phongtrao.orgs.selectors import unit_resolve


class Command(BaseCommand):
    help = "Xuất số liệu của một đơn vị (và các đơn vị trực thuộc) theo định dạng DHIS2 hoặc ADX."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--unit", required=True, help="Mã đơn vị (theo cơ cấu của kỳ).")
        parser.add_argument(
            "--period", required=True, help="Mã kỳ DHIS2 (2023, 2023Q4...), nhiều kỳ cách dấu phẩy."
        )
        parser.add_argument(
            "--format", default="dhis2-json", help="dhis2-json, dhis2-xml, dhis2-csv hoặc adx."
        )
        parser.add_argument(
            "--children", action="store_true", help="Gồm mọi đơn vị trực thuộc (cả cây)."
        )
        parser.add_argument("--id-scheme", default="uid", help="uid (mặc định) hoặc code.")
        parser.add_argument("--output", help="Tệp ghi ra (mặc định: màn hình).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            fmt = format_parse(options["format"])
            scheme = scheme_parse(options["id_scheme"]) or IdScheme.UID
            codes = [c.strip() for c in options["period"].split(",") if c.strip()]
            parsed = [periods.parse(code) for code in codes]
            unit = unit_resolve(options["unit"], parsed[-1].end)
        except (FormatError, ValueError, IndexError, Unit.DoesNotExist) as error:
            raise CommandError(str(error) or "Thiếu kỳ.") from None
        rows = export_rows(
            unit=unit,
            period_codes=[p.code for p in parsed],
            children=options["children"],
            id_scheme=scheme,
        )
        pieces = datavalueset_write(rows, format=fmt, id_scheme=scheme)
        if options["output"]:
            with Path(options["output"]).open("w", encoding="utf-8", newline="") as out:
                out.writelines(pieces)
        else:
            for piece in pieces:
                self.stdout.write(piece, ending="")
