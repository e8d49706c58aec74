"""`manage.py attribute_value_set ATTRIBUTE KIND UID VALUE`: give a unit, indicator or form
its value of a DHIS2 attribute (an empty VALUE removes it)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from phongtrao.actors import SYSTEM
from phongtrao.catalog.attributes import attribute_get, attribute_value_set
from phongtrao.catalog.models import Form, Indicator
from phongtrao.orgs.models import Unit

KINDS: dict[str, Any] = {"unit": Unit, "indicator": Indicator, "form": Form}


class Command(BaseCommand):
    help = (
        "Đặt giá trị một thuộc tính (DHIS2 attribute) cho đơn vị, chỉ tiêu hoặc biểu mẫu; "
        "giá trị rỗng để xóa."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("attribute", help="UID của thuộc tính")
        parser.add_argument("kind", choices=sorted(KINDS), help="loại đối tượng")
        parser.add_argument("uid", help="UID của đơn vị, chỉ tiêu hoặc biểu mẫu")
        parser.add_argument("value", help="giá trị (rỗng: xóa)")

    def handle(self, *args: Any, **options: Any) -> None:
        attribute = attribute_get(options["attribute"])
        if attribute is None:
            raise CommandError(f"Không có thuộc tính UID “{options['attribute']}”.")
        target = KINDS[options["kind"]].objects.filter(uid=options["uid"]).first()
        if target is None:
            raise CommandError(f"Không có {options['kind']} UID “{options['uid']}”.")
        try:
            attribute_value_set(
                actor=SYSTEM, attribute=attribute, target=target, value=options["value"]
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self.stdout.write(self.style.SUCCESS("Đã lưu giá trị thuộc tính."))
