"""The administrative register shipped by the `vietnamadminunits` package, read into records.

The package holds the pre-2025 units (63 provinces, 696 districts, 10,035 communes) and the
2025 units (34 provinces, 3,321 communes) in `data/dataset.db`, and in `data/converter_2025.json`
which old commune went into which new one. This module only reads and maps them; writing them
to the database is `services.admin_units_load`.

The two sides are joined by keys (`tinhbinhphuoc`, `huyenlocninh`, `xalocthai`), not codes:
an old commune is `province_district_ward`, a new one `ward` inside its new province. Keys
that do not lead to exactly one unit are reported in `Register.skipped`, never guessed.
"""

from __future__ import annotations

import importlib.util
import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from phongtrao.orgs.models import Level, SuccessionKind

CENTRAL_CODE = "VN"
CENTRAL_NAME = "Việt Nam"
WEIGHT_QUANTUM = Decimal("0.00000001")  # Succession.weight has 8 decimal places


@dataclass(frozen=True)
class UnitRecord:
    """One unit of the register, its parent named by code in the same edition."""

    code: str
    name: str
    level: Level
    parent_code: str | None
    area_km2: float | None = None


@dataclass(frozen=True)
class SuccessionRecord:
    """An old unit (code in the pre-2025 edition) whose `weight` went to a 2025 unit."""

    predecessor_code: str
    successor_code: str
    kind: SuccessionKind
    weight: Decimal


@dataclass
class Register:
    """Both editions' units, parents before children, and the successions between them."""

    legacy: list[UnitRecord] = field(default_factory=list)
    current: list[UnitRecord] = field(default_factory=list)
    successions: list[SuccessionRecord] = field(default_factory=list)
    # Entries of the package that could not be mapped to exactly one unit.
    skipped: list[str] = field(default_factory=list)
    # Split old communes whose weights are equal because a new commune's area is missing.
    equal_splits: list[str] = field(default_factory=list)
    # Old districts without communes (islands) that went whole into a 2025 special zone.
    island_districts: list[str] = field(default_factory=list)


def dataset_dir() -> Path:
    """The package's data folder, found without importing the package (which is slow)."""
    spec = importlib.util.find_spec("vietnamadminunits")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("Chưa cài gói vietnamadminunits (pip install vietnamadminunits).")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def register_read(data_dir: Path | None = None) -> Register:
    """Read the package's register: units of both editions and the 2025 successions."""
    data_dir = data_dir or dataset_dir()
    connection = sqlite3.connect(f"file:{data_dir / 'dataset.db'}?mode=ro", uri=True)
    connection.row_factory = sqlite3.Row
    try:
        legacy_rows = connection.execute(
            "SELECT province, district, ward, provinceCode, districtCode, wardCode,"
            " provinceKey, districtKey, wardKey FROM admin_units_legacy"
            " ORDER BY provinceCode, districtCode, wardCode"
        ).fetchall()
        current_rows = connection.execute(
            "SELECT province, ward, provinceCode, wardCode, wardAreaKm2, provinceKey, wardKey"
            " FROM admin_units ORDER BY provinceCode, wardCode"
        ).fetchall()
    finally:
        connection.close()
    converter = json.loads((data_dir / "converter_2025.json").read_text(encoding="utf-8"))
    return register_build(legacy_rows, current_rows, converter)


def register_build(
    legacy_rows: Iterable[Mapping[str, Any]],
    current_rows: Iterable[Mapping[str, Any]],
    converter: Mapping[str, Any],
) -> Register:
    """Build the register from the package's rows and converter (split out to test on samples)."""
    register = Register()
    old_keys = _legacy_units(legacy_rows, register)
    new_keys = _current_units(current_rows, register)
    _successions(converter, old_keys, new_keys, register)
    return register


@dataclass
class _Keys:
    """Keys of the package to unit codes; a key seen with two codes maps to None."""

    province: dict[str, str | None] = field(default_factory=dict)
    # pre-2025: "province_district_ward" (ward empty for districts without communes);
    # 2025: "province_ward".
    commune: dict[str, str | None] = field(default_factory=dict)
    # 2025 commune code to its area, to weigh splits when the converter lacks it.
    area: dict[str, float | None] = field(default_factory=dict)


def _remember(keys: dict[str, str | None], key: str, code: str) -> None:
    if keys.get(key, code) != code:
        keys[key] = None  # ambiguous: entries that use it are skipped
    else:
        keys[key] = code


def _legacy_units(rows: Iterable[Mapping[str, Any]], register: Register) -> _Keys:
    keys = _Keys()
    provinces: dict[str, UnitRecord] = {}
    districts: dict[str, UnitRecord] = {}
    communes: dict[str, UnitRecord] = {}
    for row in rows:
        province_code, district_code = row["provinceCode"], row["districtCode"]
        provinces.setdefault(
            province_code,
            UnitRecord(province_code, row["province"], Level.PROVINCE, CENTRAL_CODE),
        )
        districts.setdefault(
            district_code,
            UnitRecord(district_code, row["district"], Level.DISTRICT, province_code),
        )
        _remember(keys.province, row["provinceKey"], province_code)
        prefix = f"{row['provinceKey']}_{row['districtKey']}_"
        if not row["ward"] or not row["wardCode"]:
            # An island district without communes: the converter names it by its district key.
            _remember(keys.commune, prefix, district_code)
            register.island_districts.append(row["district"])
            continue
        communes.setdefault(
            row["wardCode"],
            UnitRecord(row["wardCode"], row["ward"], Level.COMMUNE, district_code),
        )
        _remember(keys.commune, prefix + row["wardKey"], row["wardCode"])
    register.legacy = [
        UnitRecord(CENTRAL_CODE, CENTRAL_NAME, Level.CENTRAL, None),
        *provinces.values(),
        *districts.values(),
        *communes.values(),
    ]
    return keys


def _current_units(rows: Iterable[Mapping[str, Any]], register: Register) -> _Keys:
    keys = _Keys()
    provinces: dict[str, UnitRecord] = {}
    communes: dict[str, UnitRecord] = {}
    for row in rows:
        province_code = row["provinceCode"]
        provinces.setdefault(
            province_code,
            UnitRecord(province_code, row["province"], Level.PROVINCE, CENTRAL_CODE),
        )
        _remember(keys.province, row["provinceKey"], province_code)
        area = row["wardAreaKm2"]
        area = float(area) if area else None
        communes.setdefault(
            row["wardCode"],
            UnitRecord(row["wardCode"], row["ward"], Level.COMMUNE, province_code, area),
        )
        # wardKey is unique inside a province in this package (the table marks with
        # wardKeyDuplicated the wards whose unaccented keys would clash); _remember
        # still guards against a later release where it is not.
        _remember(keys.commune, f"{row['provinceKey']}_{row['wardKey']}", row["wardCode"])
        keys.area[row["wardCode"]] = area
    register.current = [
        UnitRecord(CENTRAL_CODE, CENTRAL_NAME, Level.CENTRAL, None),
        *provinces.values(),
        *communes.values(),
    ]
    return keys


def _successions(converter: Mapping[str, Any], old: _Keys, new: _Keys, register: Register) -> None:
    records: list[SuccessionRecord] = [
        SuccessionRecord(CENTRAL_CODE, CENTRAL_CODE, SuccessionKind.RENAME, Decimal(1))
    ]

    province_pairs: list[tuple[str, str]] = []
    for new_key, old_province_keys in converter["DICT_PROVINCE"].items():
        successor = _lookup(new.province, new_key, "tỉnh mới", register)
        for old_key in old_province_keys:
            predecessor = _lookup(old.province, old_key, "tỉnh cũ", register)
            if successor and predecessor:
                province_pairs.append((predecessor, successor))
    records += _whole(province_pairs)

    whole_pairs: list[tuple[str, str]] = []
    for province_key, wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for ward_key, old_composite_keys in wards.items():
            successor = _lookup(new.commune, f"{province_key}_{ward_key}", "xã mới", register)
            for old_key in old_composite_keys:
                predecessor = _lookup(old.commune, old_key, "xã cũ", register)
                if successor and predecessor:
                    whole_pairs.append((predecessor, successor))

    split_records: list[SuccessionRecord] = []
    for province_key, splits in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old_key, parts in splits.items():
            predecessor = _lookup(old.commune, old_key, "xã cũ", register)
            shares: dict[str, float | None] = {}
            for part in parts:
                key = f"{province_key}_{part['newWardKey']}"
                successor = _lookup(new.commune, key, "xã mới", register)
                if successor:
                    shares[successor] = part.get("newWardAreaKm2") or new.area.get(successor)
            if not predecessor or not shares:
                continue
            if len(shares) == 1:  # the other parts were unmappable: all of it goes to one
                whole_pairs.append((predecessor, next(iter(shares))))
                continue
            weights = split_weights(shares)
            if any(not area or area <= 0 for area in shares.values()):
                register.equal_splits.append(old_key)
            split_records += [
                SuccessionRecord(predecessor, successor, SuccessionKind.SPLIT, weight)
                for successor, weight in weights.items()
            ]

    # A 2025 commune with one predecessor, taken whole, is that commune carried over.
    predecessors_of: dict[str, int] = defaultdict(int)
    for _, successor in whole_pairs:
        predecessors_of[successor] += 1
    for record in split_records:
        predecessors_of[record.successor_code] += 1
    records += [
        SuccessionRecord(
            predecessor,
            successor,
            SuccessionKind.RENAME if predecessors_of[successor] == 1 else SuccessionKind.MERGE,
            Decimal(1),
        )
        for predecessor, successor in whole_pairs
    ]
    records += split_records
    seen: set[tuple[str, str]] = set()
    for record in records:
        pair = (record.predecessor_code, record.successor_code)
        if pair in seen:
            register.skipped.append(f"kế thừa {pair[0]} → {pair[1]}: lặp lại")
            continue
        seen.add(pair)
        register.successions.append(record)


def _whole(pairs: list[tuple[str, str]]) -> list[SuccessionRecord]:
    counts: dict[str, int] = defaultdict(int)
    for _, successor in pairs:
        counts[successor] += 1
    return [
        SuccessionRecord(
            predecessor,
            successor,
            SuccessionKind.RENAME if counts[successor] == 1 else SuccessionKind.MERGE,
            Decimal(1),
        )
        for predecessor, successor in pairs
    ]


def _lookup(keys: Mapping[str, str | None], key: str, what: str, register: Register) -> str | None:
    code = keys.get(key)
    if code is None:
        reason = "trùng khóa" if key in keys else "không tìm thấy"
        register.skipped.append(f"{what} {key}: {reason}")
    return code


def split_weights(areas: Mapping[str, float | None]) -> dict[str, Decimal]:
    """Shares of a split unit, proportional to the areas, with 8 decimals and summing to 1.

    Equal shares when an area is missing or zero (the package has one such new ward).
    The last share takes the rounding so that the sum is exactly 1.
    """
    codes = list(areas)
    values = [areas[code] for code in codes]
    if any(not value or value <= 0 for value in values):
        raw = [Decimal(1) / len(codes)] * len(codes)
    else:
        total = sum(Decimal(str(value)) for value in values if value)
        raw = [Decimal(str(value)) / total for value in values if value]
    weights = [max(share.quantize(WEIGHT_QUANTUM), WEIGHT_QUANTUM) for share in raw[:-1]]
    weights.append(Decimal(1) - sum(weights, Decimal(0)))
    return dict(zip(codes, weights, strict=True))
