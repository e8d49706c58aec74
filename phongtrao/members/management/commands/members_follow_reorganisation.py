"""Move the members of reorganised units to their successors (after the 2025 merges)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from phongtrao.actors import SystemActor
from phongtrao.members.reorganisation import members_follow_successions
from phongtrao.orgs.models import Unit
from phongtrao.vn import format_number


class Command(BaseCommand):
    help = (
        "Chuyển hội viên của các đơn vị đã sáp nhập sang đơn vị kế thừa "
        "(theo mã UID hoặc mã đơn vị cũ; gồm cả các chi hội bên dưới)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("units", nargs="+", help="UID hoặc mã của đơn vị cũ")

    def handle(self, *args: Any, **options: Any) -> None:
        units = []
        for key in options["units"]:
            unit = Unit.objects.filter(uid=key).first() or Unit.objects.filter(code=key).first()
            if unit is None:
                raise CommandError(f"Không tìm thấy đơn vị “{key}”.")
            units.append(unit)
        result = members_follow_successions(actor=SystemActor("sắp xếp đơn vị 2025"), units=units)
        for name, count in sorted(result.moved.items()):
            self.stdout.write(f"{name}: nhận {format_number(count)} hội viên")
        self.stdout.write(f"Đã chuyển {format_number(result.total)} hội viên.")
        if result.left:
            self.stdout.write(
                f"{format_number(len(result.left))} hội viên của đơn vị bị chia tách chưa "
                "chuyển: đơn vị cũ cần làm thủ tục chuyển sinh hoạt cho từng người."
            )
