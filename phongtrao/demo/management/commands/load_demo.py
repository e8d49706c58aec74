"""`manage.py load_demo`: everything a first look at phongtrao needs; safe to run again."""

from __future__ import annotations

from typing import Any

from django.core.management import BaseCommand, CommandParser, call_command

from phongtrao.demo.binh_phuoc import demo_binh_phuoc_load
from phongtrao.demo.registry import demo_registry_load
from phongtrao.demo.services import demo_admin_ensure, demo_password, demo_users_ensure
from phongtrao.demo.workflow import demo_workflow_load
from phongtrao.emulation.demo import emulation_demo_load
from phongtrao.portal.demo import portal_demo_load
from phongtrao.portal.traffic.demo import traffic_demo_load
from phongtrao.vn import format_number


class Command(BaseCommand):
    help = (
        "Nạp dữ liệu mẫu: đơn vị hành chính, số liệu năm 2021-2023 của Hội LHPN tỉnh "
        "Bình Phước, tài khoản quản trị."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed", type=int, default=2023, help="Hạt giống phân bổ số liệu cho các xã."
        )
        parser.add_argument(
            "--restore",
            action="store_true",
            help=(
                "Ghi đè lại số liệu mẫu lên các giá trị đã bị sửa (có ghi nhật ký); báo cáo đã "
                "gửi hoặc đã duyệt có số liệu bị sửa được mở lại, khôi phục rồi gửi, duyệt lại "
                "như trước."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("load_admin_units", verbosity=options["verbosity"])
        result = demo_binh_phuoc_load(seed=options["seed"], restore=options["restore"])
        if options["verbosity"] > 0:
            values = result.values
            self.stdout.write(
                f"Số liệu mẫu {result.province.union_name} ({result.communes} cơ sở Hội): "
                f"thêm mới {format_number(values.imported)}, "
                f"cập nhật {format_number(values.updated)}, "
                f"giữ nguyên {format_number(values.ignored)} giá trị; "
                f"chỉ tiêu giao: đặt {result.targets_set}, giữ nguyên {result.targets_kept}."
            )
            for submission in result.reopened:
                self.stdout.write(
                    f"Khôi phục số liệu mẫu: {submission.unit.name} — "
                    f"{submission.form.title_for(submission.period.code)}: đã mở lại, ghi lại "
                    f"số liệu mẫu và đưa về trạng thái “{submission.get_status_display()}”."
                )
        # The member registry: the membership figures of the communes come from it.
        registry = demo_registry_load(seed=options["seed"])
        if options["verbosity"] > 0:
            self.stdout.write(
                f"Sổ hội viên: {format_number(registry.members)} hội viên của "
                f"{registry.communes} cơ sở Hội (số hội viên theo sổ hội viên); "
                "xem tại /hoi-vien/"
            )
        # Emulation 2023: graded, published; CS_TOT_TL of the report comes from it.
        emulation = emulation_demo_load()
        self.stdout.write(
            f"Thi đua năm 2023: {emulation.share_text} cơ sở Hội hoàn thành tốt nhiệm vụ trở "
            "lên; xem tại /thi-dua/"
        )
        user = demo_admin_ensure()
        self.stdout.write(
            f"Tài khoản quản trị: {user.get_username()} / mật khẩu: {demo_password()}"
        )
        for username, unit_name, roles in demo_users_ensure():
            self.stdout.write(
                f"Tài khoản cán bộ: {username} / mật khẩu: {demo_password()} "
                f"({unit_name}; quyền: {roles})"
            )
        # Reports in flight: waiting at each level, returned, and an open period to enter.
        flight = demo_workflow_load()
        if options["verbosity"] > 0:
            self.stdout.write(
                f"Báo cáo mẫu: {flight.submitted} chờ duyệt, {flight.approved} đã duyệt, "
                f"{flight.returned} bị trả lại; kỳ đang mở để nhập: năm {flight.open_period} "
                "(cơ cấu 2025, canbo_xa_moi)"
            )
        # The portal (Wagtail): site, categories, the seed article and a few others.
        articles = portal_demo_load()
        self.stdout.write(
            f"Cổng thông tin: {len(articles)} bài viết; bài mẫu tại {articles[0]} "
            "(biên tập: canbo_tinh tại /cms/)"
        )
        # The portal's "Liên kết" block: banners and links with their images.
        links = traffic_demo_load()
        self.stdout.write(f"Liên kết: thêm {links} banner/liên kết (quản lý tại /cms/ > Liên kết)")
