"""Writes to units, editions and successions: every change to the unit tree goes through here."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import CharField, Count, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Coalesce, Concat, Substr

from phongtrao.orgs.mapping import mapping_rebuild
from phongtrao.orgs.models import (
    Edition,
    Kind,
    Level,
    Succession,
    Unit,
    UnitMapping,
    uid_from,
)
from phongtrao.orgs.register import Register, UnitRecord, register_read
from phongtrao.vn.text import fold

UID_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9]{10}")
BATCH_SIZE = 500

EDITION_2008 = {
    "code": "2008",
    "name": "Cơ cấu trước 01/7/2025 (63 tỉnh, 3 cấp)",
    "valid_from": dt.date(2008, 8, 1),
    "valid_to": dt.date(2025, 6, 30),
}
EDITION_2025 = {
    "code": "2025",
    "name": "Cơ cấu từ 01/7/2025 (34 tỉnh, 2 cấp)",
    "valid_from": dt.date(2025, 7, 1),
    "valid_to": None,
}


@transaction.atomic
def editions_ensure() -> tuple[Edition, Edition]:
    """The pre-2025 edition ("2008") and the 2025 edition, created if missing.

    Editions that exist are returned as they are: an administrator may have renamed them.
    """
    editions = []
    for spec in (EDITION_2008, EDITION_2025):
        defaults = {key: value for key, value in spec.items() if key != "code"}
        edition, _ = Edition.objects.get_or_create(code=spec["code"], defaults=defaults)
        editions.append(edition)
    return editions[0], editions[1]


def unit_validate(
    *,
    edition: Edition,
    code: str,
    name: str,
    level: int,
    parent: Unit | None,
    valid_from: dt.date | None,
    valid_to: dt.date | None,
    uid: str | None = None,
    instance: Unit | None = None,
) -> None:
    """Raise a ValidationError (by field, in Vietnamese) if the unit would break the tree.

    `instance` is the unit being changed, left out of the uniqueness checks. Used by the
    services below and by forms that want the same messages before calling them.
    """
    errors: dict[str, list[str]] = {}

    def add(field_name: str, message: str) -> None:
        errors.setdefault(field_name, []).append(message)

    others = Unit.objects.all()
    if instance is not None and instance.pk:
        others = others.exclude(pk=instance.pk)
    if not code.strip():
        add("code", "Mã đơn vị không được để trống.")
    elif others.filter(edition=edition, code=code).exists():
        add("code", f"Mã “{code}” đã có trong phiên bản cơ cấu “{edition}”.")
    if not name.strip():
        add("name", "Tên đơn vị không được để trống.")
    if level not in Level.values:
        add("level", f"Cấp “{level}” không hợp lệ.")
    if parent is not None:
        if parent.edition_id != edition.pk:
            add(
                "parent",
                f"Đơn vị cấp trên “{parent}” thuộc phiên bản cơ cấu “{parent.edition}”, "
                f"không phải “{edition}”.",
            )
        if level <= parent.level:
            add(
                "level",
                f"Đơn vị phải ở cấp thấp hơn đơn vị cấp trên “{parent}” "
                f"({parent.get_level_display()}).",
            )
        if instance is not None and instance.pk and f"/{instance.pk}/" in parent.path:
            add("parent", "Không thể chuyển đơn vị vào chính nó hoặc đơn vị cấp dưới của nó.")
    if valid_from and valid_to and valid_to < valid_from:
        add("valid_to", "Ngày hết hiệu lực không được trước ngày bắt đầu hiệu lực.")
    if uid is not None:
        if not UID_PATTERN.fullmatch(uid):
            add("uid", "UID phải gồm 11 ký tự: một chữ cái, rồi 10 chữ cái hoặc chữ số.")
        elif others.filter(uid=uid).exists():
            add("uid", f"UID “{uid}” đã được dùng cho đơn vị khác.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def unit_create(
    *,
    edition: Edition,
    code: str,
    name: str,
    level: int,
    parent: Unit | None = None,
    kind: str = Kind.TERRITORIAL,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
    uid: str | None = None,
    area_km2: float | None = None,
) -> Unit:
    """Create a unit under `parent` (or a root unit) and set its path.

    The uid defaults to one derived from the edition and code, so the same unit gets the same
    uid on every installation; the validity defaults to the edition's.
    """
    uid = uid if uid is not None else uid_from(f"{edition.code}:{code}")
    valid_from = valid_from or edition.valid_from
    if valid_to is None:
        valid_to = edition.valid_to
    unit_validate(
        edition=edition,
        code=code,
        name=name,
        level=level,
        parent=parent,
        valid_from=valid_from,
        valid_to=valid_to,
        uid=uid,
    )
    unit = Unit(
        uid=uid,
        code=code,
        name=name,
        name_key=fold(name),
        level=level,
        kind=kind,
        parent=parent,
        edition=edition,
        valid_from=valid_from,
        valid_to=valid_to,
        area_km2=area_km2,
        path="",
    )
    unit.full_clean(exclude=["path"], validate_unique=False, validate_constraints=False)
    unit.save(force_insert=True)
    # The path holds the unit's own id, known only after the insert.
    unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    Unit.objects.filter(pk=unit.pk).update(path=unit.path)
    return unit


@transaction.atomic
def unit_update(
    *,
    unit: Unit,
    code: str,
    name: str,
    kind: str,
    parent: Unit | None,
    valid_from: dt.date,
    valid_to: dt.date | None,
    area_km2: float | None,
) -> Unit:
    """Change a unit's own fields; a new parent moves its subtree (see `unit_move`).

    The level and the edition are not changed here: they are fixed when the unit is created.
    """
    # Compare with the stored row: a form may already have set the new values on `unit`.
    unit = Unit.objects.select_for_update().select_related("edition").get(pk=unit.pk)
    unit_validate(
        edition=unit.edition,
        code=code,
        name=name,
        level=unit.level,
        parent=parent,
        valid_from=valid_from,
        valid_to=valid_to,
        instance=unit,
    )
    if (parent.pk if parent else None) != unit.parent_id:
        unit = unit_move(unit=unit, new_parent=parent)
    Unit.objects.filter(pk=unit.pk).update(
        code=code,
        name=name,
        name_key=fold(name),
        kind=kind,
        valid_from=valid_from,
        valid_to=valid_to,
        area_km2=area_km2,
    )
    unit.refresh_from_db()
    return unit


@transaction.atomic
def unit_move(*, unit: Unit, new_parent: Unit | None) -> Unit:
    """Put `unit` under `new_parent` (None: make it a root) and rewrite its subtree's paths.

    One UPDATE replaces the path prefix of the unit and all its descendants.
    """
    unit = Unit.objects.select_for_update().select_related("edition").get(pk=unit.pk)
    unit_validate(
        edition=unit.edition,
        code=unit.code,
        name=unit.name,
        level=unit.level,
        parent=new_parent,
        valid_from=unit.valid_from,
        valid_to=unit.valid_to,
        instance=unit,
    )
    old_prefix = unit.path
    new_prefix = f"{new_parent.path if new_parent else '/'}{unit.pk}/"
    Unit.objects.filter(pk=unit.pk).update(parent=new_parent)
    if new_prefix != old_prefix:
        Unit.objects.filter(path__startswith=old_prefix).update(
            path=Concat(
                Value(new_prefix),
                Substr("path", len(old_prefix) + 1),
                output_field=CharField(),
            )
        )
    unit.refresh_from_db()
    return unit


@dataclass
class LoadSummary:
    """What `admin_units_load` found and changed."""

    # Edition code → level → number of units of that edition in the database after the load.
    units: dict[str, Counter[int]] = field(default_factory=dict)
    units_created: int = 0
    units_updated: int = 0
    units_moved: int = 0
    # Succession kind → number of successions from the pre-2025 to the 2025 edition.
    successions: Counter[str] = field(default_factory=Counter)
    successions_created: int = 0
    successions_updated: int = 0
    # Entries of the register not loaded, with the reason.
    skipped: list[str] = field(default_factory=list)
    equal_splits: list[str] = field(default_factory=list)
    island_districts: list[str] = field(default_factory=list)
    # Rows of the precomputed mapping between the structures (`orgs.mapping`).
    mapping_rows: int = 0
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(
            self.units_created
            or self.units_updated
            or self.units_moved
            or self.successions_created
            or self.successions_updated
        )


@transaction.atomic
def admin_units_load(*, register: Register | None = None) -> LoadSummary:
    """Load the administrative units of both editions and the 2025 successions.

    Reads the register of the `vietnamadminunits` package unless one is given. Idempotent:
    units are matched by (edition, code) and successions by their pair of units, so a second
    run writes nothing. Units the register does not list (branches, groups, agencies) are
    left alone.
    """
    started = time.perf_counter()
    register = register or register_read()
    old_edition, new_edition = editions_ensure()
    summary = LoadSummary(
        skipped=list(register.skipped),
        equal_splits=list(register.equal_splits),
        island_districts=list(register.island_districts),
    )
    old_ids = _units_sync(old_edition, register.legacy, summary)
    new_ids = _units_sync(new_edition, register.current, summary)
    _successions_sync(register, (old_edition, old_ids), (new_edition, new_ids), summary)
    # The mapping between the structures follows the successions (a second run: nothing).
    if summary.changed or not UnitMapping.objects.exists():
        summary.mapping_rows = mapping_rebuild().rows
    if summary.changed and connection.vendor == "postgresql":
        # Thousands of new rows: without statistics the planner scans them in the wrong order.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE orgs_unit, orgs_succession, orgs_unitmapping")
    for edition in (old_edition, new_edition):
        levels = Unit.objects.filter(edition=edition).values_list("level", flat=True)
        summary.units[edition.code] = Counter(levels)
    successions = Succession.objects.filter(
        predecessor__edition=old_edition, successor__edition=new_edition
    )
    summary.successions = Counter(
        {row["kind"]: row["n"] for row in successions.values("kind").annotate(n=Count("id"))}
    )
    summary.seconds = time.perf_counter() - started
    return summary


def _units_sync(
    edition: Edition, records: list[UnitRecord], summary: LoadSummary
) -> dict[str, int]:
    """Create and update the edition's units level by level; return their ids by code."""
    existing = {
        unit.code: unit
        for unit in Unit.objects.filter(edition=edition).only(
            "id", "code", "name", "name_key", "level", "parent_id", "area_km2", "path", "edition_id"
        )
    }
    ids: dict[str, int] = {}
    for level in sorted({record.level for record in records}):
        to_create: list[Unit] = []
        to_update: list[Unit] = []
        to_move: list[tuple[Unit, int | None]] = []
        for record in (r for r in records if r.level == level):
            parent_id = ids.get(record.parent_code) if record.parent_code else None
            if record.parent_code and parent_id is None:
                summary.skipped.append(
                    f"{edition.code}:{record.code} {record.name}: không có đơn vị cấp trên"
                )
                continue
            unit = existing.get(record.code)
            if unit is None:
                to_create.append(
                    Unit(
                        uid=uid_from(f"{edition.code}:{record.code}"),
                        code=record.code,
                        name=record.name,
                        name_key=fold(record.name),
                        level=record.level,
                        kind=Kind.TERRITORIAL,
                        parent_id=parent_id,
                        edition=edition,
                        valid_from=edition.valid_from,
                        valid_to=edition.valid_to,
                        area_km2=record.area_km2,
                        path="",
                    )
                )
                continue
            if unit.level != record.level:
                summary.skipped.append(
                    f"{edition.code}:{record.code} {record.name}: mã đã dùng cho đơn vị "
                    f"“{unit.name}” ở cấp khác"
                )
                continue
            ids[record.code] = unit.pk
            if (unit.name, unit.name_key, unit.area_km2) != (
                record.name,
                fold(record.name),
                record.area_km2,
            ):
                unit.name, unit.area_km2 = record.name, record.area_km2
                unit.name_key = fold(record.name)
                to_update.append(unit)
            if unit.parent_id != parent_id:
                to_move.append((unit, parent_id))
        if to_create:
            Unit.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
            # Both SQLite and PostgreSQL return the new ids from a bulk insert.
            ids.update({unit.code: unit.pk for unit in to_create})
            _paths_fill(edition, level)
        Unit.objects.bulk_update(to_update, ["name", "name_key", "area_km2"], batch_size=BATCH_SIZE)
        for unit, parent_id in to_move:
            new_parent = Unit.objects.get(pk=parent_id) if parent_id else None
            unit_move(unit=unit, new_parent=new_parent)
        summary.units_created += len(to_create)
        summary.units_updated += len(to_update)
        summary.units_moved += len(to_move)
    return ids


def _paths_fill(edition: Edition, level: int) -> None:
    """Set the path of the level's new units (path "") from their parents' in one UPDATE."""
    parent_path = Unit.objects.filter(pk=OuterRef("parent_id")).values("path")[:1]
    Unit.objects.filter(edition=edition, level=level, path="").update(
        path=Concat(
            Coalesce(Subquery(parent_path), Value("/")),
            Cast("id", output_field=CharField()),
            Value("/"),
            output_field=CharField(),
        )
    )


def _successions_sync(
    register: Register,
    old: tuple[Edition, dict[str, int]],
    new: tuple[Edition, dict[str, int]],
    summary: LoadSummary,
) -> None:
    (old_edition, old_ids), (new_edition, new_ids) = old, new
    effective = new_edition.valid_from
    existing = {
        (succession.predecessor_id, succession.successor_id): succession
        for succession in Succession.objects.filter(
            predecessor__edition=old_edition, successor__edition=new_edition
        )
    }
    to_create: list[Succession] = []
    to_update: list[Succession] = []
    for record in register.successions:
        predecessor_id = old_ids.get(record.predecessor_code)
        successor_id = new_ids.get(record.successor_code)
        if predecessor_id is None or successor_id is None:
            summary.skipped.append(
                f"kế thừa {record.predecessor_code} → {record.successor_code}: không có đơn vị"
            )
            continue
        succession = existing.get((predecessor_id, successor_id))
        if succession is None:
            to_create.append(
                Succession(
                    predecessor_id=predecessor_id,
                    successor_id=successor_id,
                    kind=record.kind,
                    weight=record.weight,
                    effective=effective,
                    reason="Sắp xếp đơn vị hành chính từ 01/7/2025",
                )
            )
        elif (succession.kind, succession.weight, succession.effective) != (
            record.kind,
            record.weight,
            effective,
        ):
            succession.kind, succession.weight = record.kind, record.weight
            succession.effective = effective
            to_update.append(succession)
    if to_create:
        Succession.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
    if to_update:
        Succession.objects.bulk_update(
            to_update, ["kind", "weight", "effective"], batch_size=BATCH_SIZE
        )
    summary.successions_created += len(to_create)
    summary.successions_updated += len(to_update)
