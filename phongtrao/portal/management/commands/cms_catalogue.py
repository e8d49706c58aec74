"""`manage.py cms_catalogue`: bring the CMS's Vietnamese catalogue up to Wagtail's messages."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from phongtrao.portal.cms_catalogue import DOMAINS, catalogue_coverage, catalogue_update


class Command(BaseCommand):
    help = (
        "Gộp các thông điệp của Wagtail vào bản dịch tiếng Việt của dự án "
        "(phongtrao/locale/vi), giữ các bản dịch đã có, rồi biên dịch (.mo)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        catalogue_update()
        for domain in DOMAINS:
            coverage = catalogue_coverage(domain)
            self.stdout.write(
                f"{domain}: {coverage.translated}/{coverage.total} thông điệp đã dịch "
                f"({coverage.ratio:.1%}), {len(coverage.placeholder_errors)} sai biến."
            )
