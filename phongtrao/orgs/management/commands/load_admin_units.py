"""`manage.py load_admin_units`: the real administrative units, before and after 1/7/2025."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from phongtrao.orgs.models import Edition, Level, SuccessionKind
from phongtrao.orgs.services import LoadSummary, admin_units_load

SHOWN = 10  # skipped entries listed without --verbosity 2


def number(value: int) -> str:
    """1.234: the thousands separator Vietnamese documents use."""
    return f"{value:,}".replace(",", ".")


class Command(BaseCommand):
    help = (
        "Nạp đơn vị hành chính (63 tỉnh, 3 cấp trước 01/7/2025 và 34 tỉnh, 2 cấp từ 01/7/2025) "
        "và quan hệ kế thừa giữa chúng từ gói vietnamadminunits. Chạy lại không thay đổi gì."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        summary = admin_units_load()
        for line in summary_lines(summary, verbose=options["verbosity"] >= 2):
            self.stdout.write(line)


def summary_lines(summary: LoadSummary, *, verbose: bool = False) -> list[str]:
    """The Vietnamese summary printed by the command."""
    seconds = f"{summary.seconds:.1f}".replace(".", ",")
    lines = [f"Nạp đơn vị hành chính xong trong {seconds} giây."]
    names = dict(Edition.objects.filter(code__in=summary.units).values_list("code", "name"))
    for code, levels in summary.units.items():
        counts = "; ".join(
            f"{Level(level).label} {number(count)}" for level, count in sorted(levels.items())
        )
        lines.append(f"- {names.get(code, code)}: {counts}.")
    if summary.changed:
        lines.append(
            f"Đơn vị: thêm mới {number(summary.units_created)}, "
            f"cập nhật {number(summary.units_updated)}, "
            f"chuyển cấp trên {number(summary.units_moved)}."
        )
    kinds = "; ".join(
        f"{kind.label.lower()} {number(summary.successions[kind.value])}" for kind in SuccessionKind
    )
    lines.append(
        f"Quan hệ kế thừa từ 01/7/2025: {number(summary.successions.total())} ({kinds}); "
        f"thêm mới {number(summary.successions_created)}, "
        f"cập nhật {number(summary.successions_updated)}."
    )
    if summary.mapping_rows:
        lines.append(
            f"Bảng quy đổi số liệu giữa các cơ cấu: {number(summary.mapping_rows)} dòng "
            "(báo cáo mọi kỳ theo cơ cấu cũ hoặc mới)."
        )
    if not summary.changed:
        lines.append("Không có thay đổi: dữ liệu đã được nạp trước đó.")
    if summary.island_districts:
        lines.append(
            "Huyện đảo không có đơn vị cấp xã, kế thừa trực tiếp sang đặc khu: "
            + ", ".join(summary.island_districts)
            + "."
        )
    if summary.equal_splits:
        lines.append(
            f"Xã cũ bị chia tách nhưng thiếu diện tích xã mới, chia đều tỷ trọng: "
            f"{number(len(summary.equal_splits))} ({', '.join(summary.equal_splits)})."
        )
    lines.append(f"Bỏ qua: {number(len(summary.skipped))} mục không khớp được.")
    shown = summary.skipped if verbose else summary.skipped[:SHOWN]
    lines += [f"  - {entry}" for entry in shown]
    if len(shown) < len(summary.skipped):
        lines.append(
            f"  ... và {number(len(summary.skipped) - len(shown))} mục khác (--verbosity 2)."
        )
    return lines
