"""Who a user is in the organisation: a unit and roles (the audit log is `phongtrao.audit`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from phongtrao.orgs.models import Unit


class Role(models.TextChoices):
    ENTER = "enter", "Nhập liệu"
    APPROVE = "approve", "Duyệt"
    VIEW = "view", "Xem"
    EDITOR = "editor", "Biên tập"
    ADMINISTER = "administer", "Quản trị"


class Membership(models.Model):
    """A user belongs to one unit and acts on its subtree with these roles."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="membership",
        verbose_name="người dùng",
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="memberships", verbose_name="đơn vị"
    )
    may_enter = models.BooleanField("nhập liệu", default=False)
    may_approve = models.BooleanField("duyệt", default=False)
    may_view = models.BooleanField("xem", default=True)
    is_editor = models.BooleanField("biên tập", default=False)
    may_administer = models.BooleanField("quản trị", default=False)

    class Meta:
        verbose_name = "thành viên đơn vị"
        verbose_name_plural = "thành viên đơn vị"

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.unit_id}"

    @property
    def roles(self) -> set[Role]:
        flags = {
            Role.ENTER: self.may_enter,
            Role.APPROVE: self.may_approve,
            Role.VIEW: self.may_view,
            Role.EDITOR: self.is_editor,
            Role.ADMINISTER: self.may_administer,
        }
        return {role for role, on in flags.items() if on}

    def roles_label(self) -> str:
        return ", ".join(str(role.label) for role in Role if role in self.roles)


ROLE_FIELDS: dict[Role, str] = {
    Role.ENTER: "may_enter",
    Role.APPROVE: "may_approve",
    Role.VIEW: "may_view",
    Role.EDITOR: "is_editor",
    Role.ADMINISTER: "may_administer",
}
