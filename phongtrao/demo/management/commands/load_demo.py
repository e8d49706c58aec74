"""`manage.py load_demo`: everything a first look at phongtrao needs; safe to run again."""

from __future__ import annotations

from typing import Any

from django.core.management import BaseCommand, call_command

from phongtrao.demo.services import demo_admin_ensure, demo_password


class Command(BaseCommand):
    help = "Nạp dữ liệu mẫu: đơn vị hành chính, tài khoản quản trị."

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("load_admin_units", verbosity=options["verbosity"])
        user = demo_admin_ensure()
        self.stdout.write(
            f"Tài khoản quản trị: {user.get_username()} / mật khẩu: {demo_password()}"
        )
