"""The organisation's own reorganisations: merging chi hội or commune unions, splitting one.

Nothing is moved and no value is touched: the old units end the day before `effective`
(their subtrees with them), new units begin on it under the same parent, and `Succession`
rows say where the old figures go. So every total asked on the past structure is unchanged,
the roll-ups of every ancestor stay right (the parent holds old and new units alike), and a
new unit's figures for the time before it existed come from its predecessors through the
mapping (`orgs.mapping`), rebuilt here. Each change is written to the audit log with who
and why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from phongtrao.actors import Actor, person
from phongtrao.audit.models import AuditAction
from phongtrao.audit.services import audit_log
from phongtrao.orgs.mapping import mapping_rebuild
from phongtrao.orgs.models import Level, Succession, SuccessionKind, Unit
from phongtrao.orgs.services import unit_create
from phongtrao.vn import format_date_short

#: Units the organisation reorganises itself: commune unions, chi hội, tổ hội.
REORGANISED_LEVELS = (Level.COMMUNE, Level.BRANCH, Level.GROUP)
ACTION_MERGE = AuditAction.UNIT_MERGE
ACTION_SPLIT = AuditAction.UNIT_SPLIT


def _check_open(units: Sequence[Unit], effective: dt.date, reason: str) -> None:
    """Raise a ValidationError (Vietnamese) unless the units may be reorganised on `effective`."""
    if not reason.strip():
        raise ValidationError("Cần ghi lý do sắp xếp đơn vị.")
    for unit in units:
        if unit.level not in REORGANISED_LEVELS:
            raise ValidationError(
                f"Chỉ sáp nhập, chia tách được cơ sở Hội, chi hội, tổ hội; "
                f"“{unit}” là {unit.get_level_display().lower()}."
            )
        edition = unit.edition
        if not edition.is_valid_on(effective):
            raise ValidationError(
                f"Ngày {format_date_short(effective)} nằm ngoài thời gian hiệu lực của “{edition}”."
            )
        if not (unit.valid_from < effective and unit.is_valid_on(effective)):
            raise ValidationError(
                f"“{unit}” phải đang hoạt động trước và vào ngày {format_date_short(effective)}."
            )


def _close(unit: Unit, effective: dt.date) -> None:
    """End the unit and its subtree still open on `effective` the day before."""
    Unit.objects.filter(path__startswith=unit.path, valid_from__lt=effective).exclude(
        valid_to__lt=effective
    ).update(valid_to=effective - dt.timedelta(days=1))


def _free_code(unit: Unit, base: str) -> str:
    """A code not used in the unit's edition, from `base` ("25297-CH03-2026", "…-2")."""
    taken = set(
        Unit.objects.filter(edition_id=unit.edition_id, code__startswith=base).values_list(
            "code", flat=True
        )
    )
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def _carry_children(old: Unit, new: Unit, effective: dt.date, user: Actor, reason: str) -> None:
    """Recreate the old unit's open children under the new one, each succeeding its original."""
    for child in Unit.objects.filter(parent=old).exclude(valid_to__lt=effective).order_by("path"):
        copy = unit_create(
            edition=new.edition,
            code=_free_code(child, f"{child.code}-{effective:%Y%m%d}"),
            name=child.name,
            level=child.level,
            parent=new,
            kind=child.kind,
            valid_from=effective,
            valid_to=None,
            area_km2=child.area_km2,
        )
        Succession.objects.create(
            predecessor=child,
            successor=copy,
            kind=SuccessionKind.RENAME,
            weight=Decimal(1),
            effective=effective,
            reason=reason,
            created_by=person(user),
        )
        _carry_children(child, copy, effective, user, reason)


@dataclass(frozen=True)
class Plan:
    """What a merge or a split will do, checked, for the confirmation step and the service.

    `closing` end on `last_day` with `closing_below` open units of their subtrees;
    `opening` (name, share of the old figures) begin on `effective` under `parent`;
    `carried` units below the merged ones are recreated under the new unit.
    """

    kind: str
    closing: list[Unit]
    closing_below: int
    opening: list[tuple[str, Decimal]]
    parent: Unit
    effective: dt.date
    carried: int

    @property
    def last_day(self) -> dt.date:
        return self.effective - dt.timedelta(days=1)


def _open_below(units: Sequence[Unit], effective: dt.date) -> int:
    """How many units below `units` are still open on `effective` (they end with them)."""
    count = 0
    for unit in units:
        count += (
            Unit.objects.filter(path__startswith=unit.path, valid_from__lt=effective)
            .exclude(pk=unit.pk)
            .exclude(valid_to__lt=effective)
            .count()
        )
    return count


def _check_code(edition_id: int, code: str) -> None:
    if code and Unit.objects.filter(edition_id=edition_id, code=code).exists():
        raise ValidationError(f"Mã “{code}” đã được dùng cho một đơn vị khác trong cơ cấu này.")


def _read(pks: Sequence[int], lock: bool) -> list[Unit]:
    """The units as stored now; locked for the transaction when about to change them, so
    that two officers confirming the same merge cannot both do it."""
    units = Unit.objects.filter(pk__in=pks).order_by("code")
    if lock:
        units = units.select_for_update(of=("self",))
    return list(units.select_related("edition"))


def unit_merge_check(
    *,
    into: str,
    units: Sequence[Unit],
    effective: dt.date,
    reason: str,
    code: str = "",
    lock: bool = False,
) -> Plan:
    """Check a merge without doing it: the plan, or a ValidationError in Vietnamese.

    `lock` (inside the service's transaction): lock the units' rows while checking."""
    units = _read([u.pk for u in units], lock)
    if len(units) < 2:
        raise ValidationError("Cần ít nhất hai đơn vị để sáp nhập.")
    if not into.strip():
        raise ValidationError("Cần tên của đơn vị sau sáp nhập.")
    if len({u.parent_id for u in units}) != 1 or len({u.level for u in units}) != 1:
        raise ValidationError("Các đơn vị sáp nhập phải cùng cấp và cùng đơn vị cấp trên.")
    _check_open(units, effective, reason)
    first = units[0]
    if first.parent_id is None:
        raise ValidationError("Không sáp nhập được đơn vị gốc.")
    _check_code(first.edition_id, code.strip())
    below = _open_below(units, effective)
    return Plan(
        kind=ACTION_MERGE,
        closing=units,
        closing_below=below,
        opening=[(into.strip(), Decimal(1))],
        parent=Unit.objects.select_related("edition").get(pk=first.parent_id),
        effective=effective,
        carried=below,
    )


def unit_split_check(
    *,
    unit: Unit,
    into: Sequence[tuple[str, Decimal]],
    effective: dt.date,
    reason: str,
    lock: bool = False,
) -> Plan:
    """Check a split without doing it: the plan, or a ValidationError in Vietnamese.

    `lock` (inside the service's transaction): lock the unit's row while checking."""
    found = _read([unit.pk], lock)
    if not found:
        raise ValidationError("Không tìm thấy đơn vị.")
    unit = found[0]
    if len(into) < 2:
        raise ValidationError("Cần ít nhất hai đơn vị sau chia tách.")
    weights = [Decimal(weight) for _, weight in into]
    if any(not name.strip() for name, _ in into):
        raise ValidationError("Mỗi đơn vị sau chia tách cần có tên.")
    if any(w <= 0 or w > 1 for w in weights) or sum(weights) != 1:
        raise ValidationError(
            "Tỷ trọng của các đơn vị sau chia tách phải lớn hơn 0 và cộng lại bằng 1."
        )
    if any(w != w.quantize(Decimal("0.00000001")) for w in weights):
        raise ValidationError("Tỷ trọng chỉ được có tối đa 8 chữ số thập phân.")
    _check_open([unit], effective, reason)
    if unit.parent_id is None:
        raise ValidationError("Không chia tách được đơn vị gốc.")
    return Plan(
        kind=ACTION_SPLIT,
        closing=[unit],
        closing_below=_open_below([unit], effective),
        opening=[(name.strip(), w) for (name, _), w in zip(into, weights, strict=True)],
        parent=Unit.objects.select_related("edition").get(pk=unit.parent_id),
        effective=effective,
        carried=0,
    )


@transaction.atomic
def unit_merge(
    *,
    into: str,
    units: Sequence[Unit],
    effective: dt.date,
    user: Actor,
    reason: str,
    code: str = "",
) -> Unit:
    """Merge `units` (same parent) into a new unit named `into` from `effective`.

    The old units and their subtrees end the day before; their open children are recreated
    under the new unit (each succeeding its original), so the chi hội of two merged commune
    unions carry on. Values stay where they were entered. Raises ValidationError (in
    Vietnamese) and changes nothing when the merge is not possible.
    """
    plan = unit_merge_check(
        into=into, units=units, effective=effective, reason=reason, code=code, lock=True
    )
    units, parent = plan.closing, plan.parent
    first = units[0]
    merged = unit_create(
        edition=first.edition,
        code=code.strip() or _free_code(first, f"{first.code}-{effective:%Y%m%d}"),
        name=into.strip(),
        level=first.level,
        parent=parent,
        kind=first.kind,
        valid_from=effective,
        valid_to=None,
        area_km2=sum(u.area_km2 for u in units if u.area_km2) or None,
    )
    author = person(user)
    for unit in units:
        _carry_children(unit, merged, effective, user, reason)
        _close(unit, effective)
        Succession.objects.create(
            predecessor=unit,
            successor=merged,
            kind=SuccessionKind.MERGE,
            weight=Decimal(1),
            effective=effective,
            reason=reason,
            created_by=author,
        )
    mapping_rebuild()
    names = ", ".join(u.name for u in sorted(units, key=lambda u: u.code))
    audit_log(
        user=user,
        action=ACTION_MERGE,
        target=merged,
        detail=f"Sáp nhập {names} thành {merged.name} từ ngày {format_date_short(effective)}. "
        f"Lý do: {reason.strip()}",
    )
    return merged


@transaction.atomic
def unit_split(
    *,
    unit: Unit,
    into: Sequence[tuple[str, Decimal]],
    effective: dt.date,
    user: Actor,
    reason: str,
) -> list[Unit]:
    """Split `unit` into new units (name, share of its figures) from `effective`.

    The shares must be above 0 and add up to 1 (by members or area, as the organisation
    decides); the unit and its subtree end the day before, and its past figures are shared
    out by them, marked as estimates. Officers then create the new units' chi hội. Raises
    ValidationError (in Vietnamese) and changes nothing when the split is not possible.
    """
    plan = unit_split_check(unit=unit, into=into, effective=effective, reason=reason, lock=True)
    [unit], parent = plan.closing, plan.parent
    weights = [weight for _, weight in plan.opening]
    author = person(user)
    _close(unit, effective)
    parts = []
    for n, ((name, _), weight) in enumerate(zip(into, weights, strict=True), start=1):
        part = unit_create(
            edition=unit.edition,
            code=_free_code(unit, f"{unit.code}-{effective:%Y%m%d}-{n}"),
            name=name.strip(),
            level=unit.level,
            parent=parent,
            kind=unit.kind,
            valid_from=effective,
            valid_to=None,
            area_km2=unit.area_km2 * float(weight) if unit.area_km2 else None,
        )
        Succession.objects.create(
            predecessor=unit,
            successor=part,
            kind=SuccessionKind.SPLIT,
            weight=weight,
            effective=effective,
            reason=reason,
            created_by=author,
        )
        parts.append(part)
    mapping_rebuild()
    names = ", ".join(
        f"{p.name} ({str(w).replace('.', ',')})" for p, w in zip(parts, weights, strict=True)
    )
    audit_log(
        user=user,
        action=ACTION_SPLIT,
        target=unit,
        detail=f"Chia tách {unit.name} thành {names} từ ngày {format_date_short(effective)}. "
        f"Lý do: {reason.strip()}",
    )
    return parts
