"""Writes to the catalog: loading an indicator catalog from CSV, checking formulas."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from django.db import models, transaction

from phongtrao.catalog.formulas import FormulaCycleError, dependency_order, indicator_formula_parse
from phongtrao.catalog.models import Indicator, Section, TimeAggregation, ValueType
from phongtrao.expressions import CODE_PATTERN, Expr, ExpressionError, parse
from phongtrao.orgs.models import uid_from

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_CATALOG = DATA_DIR / "hoilhpn-indicators.csv"
DEFAULT_SECTIONS = DATA_DIR / "sections.csv"

CATALOG_COLUMNS = (
    "code",
    "section",
    "parent",
    "name_vi",
    "unit_vi",
    "value_type",
    "agg_time",
    "formula",
    "note",
)
SECTION_COLUMNS = ("number", "name")


class CatalogError(ValueError):
    """A catalog file that cannot be loaded; `errors` lists every problem found, in Vietnamese."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__(
            "Không nạp được danh mục chỉ tiêu:\n" + "\n".join(f"- {e}" for e in errors)
        )


@dataclass(frozen=True)
class IndicatorRow:
    """One row of a catalog file, as read."""

    line: int
    code: str
    section: int
    parent: str
    name: str
    unit_label: str
    value_type: str
    time_aggregation: str
    formula: str
    note: str


@dataclass(frozen=True)
class LoadResult:
    """What `catalog_load` changed."""

    sections_created: int = 0
    sections_updated: int = 0
    indicators_created: int = 0
    indicators_updated: int = 0
    indicators_unchanged: int = 0

    def __str__(self) -> str:
        return (
            f"Phần báo cáo: {self.sections_created} thêm mới, {self.sections_updated} cập nhật. "
            f"Chỉ tiêu: {self.indicators_created} thêm mới, {self.indicators_updated} cập nhật, "
            f"{self.indicators_unchanged} không đổi."
        )


@transaction.atomic
def catalog_load(*, path: Path | None = None, sections_path: Path | None = None) -> LoadResult:
    """Create or update sections and indicators from a catalog CSV; idempotent.

    `path` defaults to the Women's Union catalog carried in the project; `sections_path` (columns
    number, name) to its five report sections. Indicators are matched by code: a new one gets
    the uid `uid_from("indicator:" + code)`, an existing one keeps its uid. Rows give the display
    order. Parents and formula references may name rows of the file or indicators already in
    the database. Indicators absent from the file are left alone (data may refer to them).

    Everything is checked before anything is written: on any problem, raises `CatalogError`
    listing them all and changes nothing.
    """
    sections = _read_sections(sections_path or DEFAULT_SECTIONS)
    rows = _read_rows(path or DEFAULT_CATALOG)
    existing = {i.code: i for i in Indicator.objects.select_related("parent")}
    formulas = _check(rows, sections, existing)

    sections_created = sections_updated = 0
    by_number = {s.number: s for s in Section.objects.all()}
    section_ids = {number: section.pk for number, section in by_number.items()}
    for number, name in sections.items():
        section = by_number.get(number)
        if section is None:
            section = Section.objects.create(number=number, name=name)
            sections_created += 1
        elif section.name != name:
            section.name = name
            section.save(update_fields=["name"])
            sections_updated += 1
        section_ids[number] = section.pk

    created: set[str] = set()
    updated: set[str] = set()
    for order, row in enumerate(rows, start=1):
        fields = {
            "section_id": section_ids[row.section],
            "name": row.name,
            "unit_label": row.unit_label,
            "value_type": row.value_type,
            "time_aggregation": row.time_aggregation,
            "formula": formulas[row.code].text if row.code in formulas else "",
            "note": row.note,
            "sort_order": order,
        }
        indicator = existing.get(row.code)
        if indicator is None:
            existing[row.code] = Indicator.objects.create(
                uid=uid_from("indicator:" + row.code), code=row.code, **fields
            )
            created.add(row.code)
            continue
        changed = [name for name, value in fields.items() if getattr(indicator, name) != value]
        if changed:
            for name in changed:
                setattr(indicator, name, fields[name])
            indicator.save(update_fields=changed)
            updated.add(row.code)

    # Parents last: a row may name a parent that comes after it in the file.
    for row in rows:
        indicator = existing[row.code]
        parent_id = existing[row.parent].pk if row.parent else None
        if indicator.parent_id != parent_id:
            indicator.parent_id = parent_id
            indicator.save(update_fields=["parent"])
            if row.code not in created:
                updated.add(row.code)

    return LoadResult(
        sections_created=sections_created,
        sections_updated=sections_updated,
        indicators_created=len(created),
        indicators_updated=len(updated),
        indicators_unchanged=len(rows) - len(created) - len(updated),
    )


def indicator_formula_validate(
    *, code: str, formula: str, instance: Indicator | None = None
) -> str:
    """Check a derived indicator's formula against the catalog; return its normalised text.

    The formula may read only this period's values of indicators in the catalog and must not
    make derived indicators depend on each other in a loop (counting `code` itself, which
    `instance` held before). Raises `ExpressionError` or `FormulaCycleError` (both
    `ValueError`s with a Vietnamese message). An empty formula (a raw indicator) is valid.
    """
    if not formula.strip():
        return ""
    others = Indicator.objects.all()
    if instance is not None and instance.pk:
        others = others.exclude(pk=instance.pk)
    catalog = dict(others.values_list("code", "formula"))
    expr = indicator_formula_parse(formula, known_codes={*catalog, code})
    # This indicator first, so a loop is named starting from it.
    formulas: dict[str, Expr] = {code: expr}
    for other, text in catalog.items():
        if text:
            try:
                formulas[other] = parse(text)
            except ExpressionError:
                continue  # not this indicator's problem
    dependency_order(formulas)
    return expr.text


def _read_csv(path: Path, columns: tuple[str, ...]) -> list[dict[str, str]]:
    try:
        # utf-8-sig: spreadsheets save CSV with a byte order mark.
        with path.open(encoding="utf-8-sig", newline="") as file:
            reader = csv.DictReader(file)
            missing = [c for c in columns if c not in (reader.fieldnames or [])]
            if missing:
                raise CatalogError([f"tệp {path.name} thiếu cột: {', '.join(missing)}"])
            return [{c: (row.get(c) or "").strip() for c in columns} for row in reader]
    except FileNotFoundError:
        raise CatalogError([f"không tìm thấy tệp {path}"]) from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise CatalogError([f"không đọc được tệp {path.name} (cần CSV mã UTF-8): {exc}"]) from None


def _read_sections(path: Path) -> dict[int, str]:
    sections: dict[int, str] = {}
    errors: list[str] = []
    for line, row in enumerate(_read_csv(path, SECTION_COLUMNS), start=2):
        if not row["number"].isdigit():
            errors.append(f"{path.name} dòng {line}: số thứ tự phần '{row['number']}' không hợp lệ")
        elif not row["name"]:
            errors.append(f"{path.name} dòng {line}: thiếu tên phần")
        elif len(row["name"]) > _max_length(Section, "name"):
            errors.append(f"{path.name} dòng {line}: tên phần quá dài")
        else:
            sections[int(row["number"])] = row["name"]
    if errors:
        raise CatalogError(errors)
    return sections


def _read_rows(path: Path) -> list[IndicatorRow]:
    rows: list[IndicatorRow] = []
    errors: list[str] = []
    for line, row in enumerate(_read_csv(path, CATALOG_COLUMNS), start=2):
        if not row["section"].isdigit():
            errors.append(f"dòng {line}: số phần '{row['section']}' không hợp lệ")
            continue
        rows.append(
            IndicatorRow(
                line=line,
                code=row["code"],
                section=int(row["section"]),
                parent=row["parent"],
                name=row["name_vi"],
                unit_label=row["unit_vi"],
                value_type=row["value_type"],
                time_aggregation=row["agg_time"],
                formula=row["formula"],
                note=row["note"],
            )
        )
    if errors:
        raise CatalogError(errors)
    if not rows:
        raise CatalogError([f"tệp {path.name} không có chỉ tiêu nào"])
    return rows


def _max_length(model: type[Indicator] | type[Section], field: str) -> int:
    model_field = model._meta.get_field(field)
    assert isinstance(model_field, models.Field) and model_field.max_length is not None
    return model_field.max_length


def _check(
    rows: list[IndicatorRow], sections: dict[int, str], existing: dict[str, Indicator]
) -> dict[str, Expr]:
    """Every problem of the file at once; the parsed formulas of its derived indicators."""
    errors: list[str] = []
    known_sections = set(sections) | set(Section.objects.values_list("number", flat=True))
    seen: dict[str, int] = {}
    for row in rows:
        where = f"dòng {row.line} ({row.code or 'không có mã'})"
        if not CODE_PATTERN.fullmatch(row.code) or len(row.code) > _max_length(Indicator, "code"):
            errors.append(
                f"{where}: mã phải gồm chữ in hoa không dấu, số, dấu gạch dưới và bắt đầu bằng "
                f"chữ cái (tối đa {_max_length(Indicator, 'code')} ký tự)"
            )
        if row.code in seen:
            errors.append(f"{where}: mã trùng với dòng {seen[row.code]}")
        seen.setdefault(row.code, row.line)
        if row.section not in known_sections:
            errors.append(f"{where}: không có phần báo cáo số {row.section}")
        if not row.name or len(row.name) > _max_length(Indicator, "name"):
            errors.append(f"{where}: thiếu tên chỉ tiêu hoặc tên quá dài")
        if not row.unit_label or len(row.unit_label) > _max_length(Indicator, "unit_label"):
            errors.append(f"{where}: thiếu đơn vị tính hoặc đơn vị tính quá dài")
        if row.value_type not in ValueType.values:
            errors.append(
                f"{where}: kiểu giá trị '{row.value_type}' không hợp lệ "
                f"(chọn một trong: {', '.join(ValueType.values)})"
            )
        if row.time_aggregation not in TimeAggregation.values:
            errors.append(
                f"{where}: cách tổng hợp theo thời gian '{row.time_aggregation}' không hợp lệ "
                f"(chọn một trong: {', '.join(TimeAggregation.values)})"
            )
        if len(row.formula) > _max_length(Indicator, "formula"):
            errors.append(f"{where}: công thức dài quá {_max_length(Indicator, 'formula')} ký tự")

    known_codes = set(existing) | set(seen)
    parents = {code: i.parent.code for code, i in existing.items() if i.parent is not None}
    parents.update({row.code: row.parent for row in rows if row.parent})
    for row in rows:
        if row.parent and row.parent not in known_codes:
            errors.append(
                f"dòng {row.line} ({row.code}): chỉ tiêu cha '{row.parent}' không có trong danh mục"
            )
    errors.extend(_parent_cycles(parents))

    # Formulas of the database's derived indicators, replaced by the file's where it has them.
    formulas: dict[str, Expr] = {}
    for code, indicator in existing.items():
        if indicator.formula and code not in seen:
            try:
                formulas[code] = indicator_formula_parse(indicator.formula, known_codes=known_codes)
            except ExpressionError as exc:
                errors.append(f"chỉ tiêu {code} đã có trong hệ thống: {exc}")
    file_formulas: dict[str, Expr] = {}
    for row in rows:
        if row.formula:
            try:
                expr = indicator_formula_parse(row.formula, known_codes=known_codes)
            except ExpressionError as exc:
                errors.append(f"dòng {row.line} ({row.code}): {exc}")
            else:
                file_formulas[row.code] = formulas[row.code] = expr
    try:
        dependency_order(formulas)
    except FormulaCycleError as exc:
        errors.append(str(exc))

    if errors:
        raise CatalogError(errors)
    return file_formulas


def _parent_cycles(parents: dict[str, str]) -> list[str]:
    errors: list[str] = []
    reported: set[str] = set()
    for start in sorted(parents):
        chain = [start]
        code = start
        while code in parents:
            code = parents[code]
            if code in chain:
                loop = [*chain[chain.index(code) :], code]
                if not reported.intersection(loop):
                    errors.append("chỉ tiêu cha tạo vòng lặp: " + " → ".join(loop))
                    reported.update(loop)
                break
            chain.append(code)
    return errors
