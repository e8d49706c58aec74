"""Units of the organisation, the hierarchy editions they belong to, and their successions."""

from __future__ import annotations

import datetime as dt
import hashlib
import string

from django.conf import settings
from django.db import models

UID_ALPHABET = string.ascii_letters + string.digits
# Byte b → UID_ALPHABET[b % 62] (the uid's last 10 characters), ascii_letters[b % 52] (its
# first): a translation of the digest's bytes, at C speed (the demo registry makes 180,000).
_UID_REST = bytes(ord(UID_ALPHABET[b % len(UID_ALPHABET)]) for b in range(256))
_UID_FIRST = bytes(ord(string.ascii_letters[b % len(string.ascii_letters)]) for b in range(256))


def uid_from(seed: str) -> str:
    """A DHIS2-form uid (a letter, then 10 letters or digits), stable for the same seed.

    Units loaded from the administrative register get the same uid on every machine, so
    exchange files written on one installation import on another.
    """
    digest = hashlib.sha256(seed.encode()).digest()
    return (digest[:1].translate(_UID_FIRST) + digest[1:11].translate(_UID_REST)).decode()


class Level(models.IntegerChoices):
    CENTRAL = 0, "Trung ương"
    PROVINCE = 1, "Tỉnh, thành phố"
    DISTRICT = 2, "Huyện, quận, thị xã"
    COMMUNE = 3, "Xã, phường, thị trấn"
    BRANCH = 4, "Chi hội"
    GROUP = 5, "Tổ hội"


class Kind(models.TextChoices):
    TERRITORIAL = "territorial", "Hội theo địa bàn hành chính"
    BRANCH = "branch", "Chi hội, tổ hội"
    AGENCY = "agency", "Hội trong cơ quan, doanh nghiệp"


class Edition(models.Model):
    """A version of the hierarchy: the pre-2025 structure, the 2025 structure, later ones."""

    code = models.CharField("mã", max_length=20, unique=True)
    name = models.CharField("tên", max_length=200)
    valid_from = models.DateField("hiệu lực từ")
    valid_to = models.DateField("hiệu lực đến", null=True, blank=True)

    class Meta:
        ordering = ["valid_from"]
        verbose_name = "phiên bản cơ cấu"
        verbose_name_plural = "phiên bản cơ cấu"

    def __str__(self) -> str:
        return self.name

    def is_valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class Unit(models.Model):
    """A unit of the Women's Union: central, province, district, commune, branch, group.

    `path` lists the ids of the unit's ancestors and its own, as `/1/5/77/`: a subtree is a
    prefix query and the ancestors are read without a query.
    """

    uid = models.CharField("UID", max_length=11, unique=True)
    code = models.CharField("mã", max_length=50)
    name = models.CharField("tên", max_length=255)
    # The name as searched: lower case, without diacritics (`vn.text.fold`), written with the
    # name by the services; the unit pickers match typed words against it.
    name_key = models.CharField(
        "tên không dấu", max_length=255, blank=True, default="", editable=False
    )
    level = models.PositiveSmallIntegerField("cấp", choices=Level.choices)
    kind = models.CharField("loại", max_length=20, choices=Kind.choices, default=Kind.TERRITORIAL)
    parent = models.ForeignKey(
        "self",
        verbose_name="đơn vị cấp trên",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    edition = models.ForeignKey(
        Edition, verbose_name="phiên bản cơ cấu", on_delete=models.PROTECT, related_name="units"
    )
    valid_from = models.DateField("hiệu lực từ")
    valid_to = models.DateField("hiệu lực đến", null=True, blank=True)
    path = models.CharField(max_length=255, db_index=True, editable=False)
    # Size used to spread a split unit's figures (area in km², population...).
    area_km2 = models.FloatField("diện tích (km²)", null=True, blank=True)
    # DHIS2's attributeValues, stored as DHIS2 stores them: {attribute uid: {"value": …,
    # "attribute": {"id": uid}}}; written by `catalog.attributes.attribute_value_set`.
    attribute_values = models.JSONField("giá trị thuộc tính", default=dict, blank=True)

    class Meta:
        ordering = ["path"]
        verbose_name = "đơn vị"
        verbose_name_plural = "đơn vị"
        constraints = [
            models.UniqueConstraint(fields=["edition", "code"], name="unit_code_unique_in_edition"),
        ]
        indexes = [models.Index(fields=["parent", "level"])]

    def __str__(self) -> str:
        return self.name

    @property
    def union_name(self) -> str:
        """The union's name as documents write it: "Hội LHPN xã Lộc Thái"."""
        if self.kind != Kind.TERRITORIAL:
            return self.name
        if self.level == Level.CENTRAL:
            return "Hội Liên hiệp Phụ nữ Việt Nam"
        return "Hội LHPN " + self.name[:1].lower() + self.name[1:]

    @property
    def ancestor_ids(self) -> list[int]:
        """Ids of the unit's ancestors from the root, without the unit itself."""
        return [int(part) for part in self.path.strip("/").split("/")[:-1]]

    def is_valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class SuccessionKind(models.TextChoices):
    MERGE = "merge", "Sáp nhập"
    SPLIT = "split", "Chia tách"
    RENAME = "rename", "Đổi tên, chuyển tiếp"


class Succession(models.Model):
    """`weight` of the predecessor's figures went to the successor from `effective`.

    A predecessor that went whole to one successor has weight 1; a split predecessor has
    weights below 1 that add up to 1, and figures built from it are estimates.
    """

    predecessor = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="successions_out", verbose_name="đơn vị cũ"
    )
    successor = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="successions_in", verbose_name="đơn vị mới"
    )
    kind = models.CharField("hình thức", max_length=10, choices=SuccessionKind.choices)
    weight = models.DecimalField("tỷ trọng", max_digits=9, decimal_places=8, default=1)
    effective = models.DateField("hiệu lực từ")
    reason = models.TextField("lý do", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "kế thừa đơn vị"
        verbose_name_plural = "kế thừa đơn vị"
        constraints = [
            models.UniqueConstraint(
                fields=["predecessor", "successor"], name="succession_pair_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(weight__gt=0) & models.Q(weight__lte=1),
                name="succession_weight_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor}"

    @property
    def is_estimate(self) -> bool:
        return self.weight < 1


class UnitMapping(models.Model):
    """`weight` of `source`'s figures belong to `target`'s: the successions, precomputed.

    Built by `orgs.mapping.mapping_rebuild` from every Succession (old → new with the
    succession weights, new → old with the weights normalised over each new unit's sources),
    so a total never walks successions at read time. `whole` rows take the source's subtree
    total (a whole old province into a new one: one roll-up read); other rows take only the
    values entered on the source itself (an abolished district's own figures). A source is
    never inside the target's subtree, and the sources of one target never overlap.
    """

    target = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="mapped_sources", verbose_name="đơn vị nhận"
    )
    source = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="mapped_targets", verbose_name="đơn vị nguồn"
    )
    weight = models.DecimalField("tỷ trọng", max_digits=16, decimal_places=12)
    whole = models.BooleanField("cả đơn vị và cấp dưới", default=True)
    estimated = models.BooleanField("ước tính", default=False)

    class Meta:
        verbose_name = "quy đổi số liệu giữa các cơ cấu"
        verbose_name_plural = "quy đổi số liệu giữa các cơ cấu"
        constraints = [
            models.UniqueConstraint(fields=["target", "source"], name="unitmapping_pair_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} → {self.target_id} × {self.weight}"
