"""DHIS2's metadata reads: `/api/organisationUnits`, `/api/dataElements`, `/api/dataSets`.

`fields=` picks what each object shows (`id,name,level,parent[id,name]`, `:all`, `*`),
`filter=property:operator:value` narrows the list (eq, ne, like, ilike, in, gt, ge, lt, le on
a few properties), `page`/`pageSize`/`paging=false` page it, with DHIS2's `pager` object.
Units are only those the user may see (the access helper's `units_visible`); the catalog
(indicators, forms) is the same for every signed-in user.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db.models import Model, Q, QuerySet

from phongtrao.accounts.access import units_visible
from phongtrao.analytics.query import edition_parse
from phongtrao.catalog.models import Form, Indicator, TimeAggregation, ValueType
from phongtrao.orgs.models import Edition, Unit

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
# paging=false returns everything, up to this (the whole country is about 11,000 units).
MAX_UNPAGED = 50_000

FieldTree = dict[str, "FieldTree"]


class MetadataError(ValueError):
    """A bad `fields`, `filter` or paging parameter (message in Vietnamese)."""


def fields_parse(text: str) -> FieldTree:
    """`id,name,parent[id,name]` → {"id": {}, "name": {}, "parent": {"id": {}, "name": {}}}."""
    tree: FieldTree = {}
    stack: list[FieldTree] = [tree]
    name = ""
    for char in text + ",":
        if char not in ",[]":
            name += char
            continue
        name = name.strip()
        if char == "[":
            if not name:
                raise MetadataError("Tham số fields không hợp lệ: “[” đứng sai chỗ.")
            stack.append(stack[-1].setdefault(name, {}))
        else:
            if name:
                stack[-1].setdefault(name, {})
            if char == "]":
                if len(stack) == 1:
                    raise MetadataError("Tham số fields không hợp lệ: thừa dấu “]”.")
                stack.pop()
        name = ""
    if len(stack) != 1:
        raise MetadataError("Tham số fields không hợp lệ: thiếu dấu “]”.")
    return tree


@dataclass(frozen=True)
class Resource:
    """One metadata collection: its JSON name, its properties, how to read and filter it."""

    plural: str
    getters: dict[str, Callable[[Any, FieldTree, dict[str, Any]], Any]]
    simple: tuple[str, ...]  # what `:all` / `*` shows
    filters: dict[str, str]  # DHIS2 property → ORM lookup
    queryset: Callable[[Any], QuerySet[Any]]
    prepare: Callable[[Sequence[Any], FieldTree], dict[str, Any]]


def _ref(obj: Any, wanted: FieldTree, resource: Resource, context: dict[str, Any]) -> Any:
    """A nested object: `parent` alone is `{"id": ...}`, `parent[id,name]` picks fields."""
    if obj is None:
        return None
    return _render(obj, wanted or {"id": {}}, resource, context)


def _render(obj: Any, wanted: FieldTree, resource: Resource, context: dict[str, Any]) -> Any:
    result: dict[str, Any] = {}
    for name, sub in wanted.items():
        if name in (":all", "*", "all"):
            for simple in resource.simple:
                result[simple] = resource.getters[simple](obj, {}, context)
            continue
        if name in (":identifiable", ":nameable"):
            for simple in ("id", "code", "name", "displayName"):
                result[simple] = resource.getters[simple](obj, {}, context)
            continue
        getter = resource.getters.get(name.lstrip("!"))
        if getter is not None and not name.startswith("!"):
            result[name] = getter(obj, sub, context)
    return result


# --- organisation units ------------------------------------------------------------------


def _unit_path(unit: Unit, context: dict[str, Any]) -> str:
    uids: dict[int, str] = context["uids"]
    ids = [int(part) for part in unit.path.strip("/").split("/") if part]
    return "/" + "/".join(uids.get(i, "") for i in ids)


def _units_prepare(units: Sequence[Unit], wanted: FieldTree) -> dict[str, Any]:
    """Read what the page's fields need at once (no query per unit)."""
    context: dict[str, Any] = {}
    if _asks(wanted, "path"):
        ids = {int(p) for u in units for p in u.path.strip("/").split("/") if p}
        context["uids"] = dict(Unit.objects.filter(pk__in=ids).values_list("pk", "uid"))
    if _asks(wanted, "children"):
        children: dict[int, list[Unit]] = {}
        for child in Unit.objects.filter(parent__in=[u.pk for u in units]).order_by("path"):
            children.setdefault(child.parent_id or 0, []).append(child)
        context["children"] = children
    return context


def _asks(wanted: FieldTree, name: str) -> bool:
    return any(k in (name, ":all", "*") for k in wanted) or any(
        _asks(sub, name) for sub in wanted.values()
    )


def _units_queryset(user: Any) -> QuerySet[Any]:
    return units_visible(user).select_related("parent").order_by("path")


UNITS: Resource = Resource(
    plural="organisationUnits",
    getters={
        "id": lambda u, w, c: u.uid,
        "code": lambda u, w, c: u.code,
        "name": lambda u, w, c: u.name,
        "displayName": lambda u, w, c: u.name,
        "shortName": lambda u, w, c: u.name[:50],
        "displayShortName": lambda u, w, c: u.name[:50],
        # DHIS2 counts levels from 1 (the country); phongtrao's central level is 0.
        "level": lambda u, w, c: u.level + 1,
        "path": lambda u, w, c: _unit_path(u, c),
        "openingDate": lambda u, w, c: u.valid_from.isoformat(),
        "closedDate": lambda u, w, c: u.valid_to.isoformat() if u.valid_to else None,
        "parent": lambda u, w, c: _ref(u.parent, w, UNITS, c),
        "children": lambda u, w, c: [
            _ref(child, w, UNITS, c) for child in c.get("children", {}).get(u.pk, [])
        ],
    },
    simple=("id", "code", "name", "displayName", "shortName", "level", "path", "openingDate"),
    filters={
        "id": "uid",
        "code": "code",
        "name": "name",
        "displayName": "name",
        "level": "level",
        "parent.id": "parent__uid",
    },
    queryset=_units_queryset,
    prepare=_units_prepare,
)


# --- data elements and data sets ----------------------------------------------------------

VALUE_TYPES = {
    ValueType.INTEGER: "INTEGER",
    ValueType.MONEY: "NUMBER",
    ValueType.DECIMAL: "NUMBER",
    ValueType.PERCENT: "PERCENTAGE",
}
AGGREGATION_TYPES = {
    TimeAggregation.SUM: "SUM",
    TimeAggregation.LAST: "LAST",
    TimeAggregation.FIRST: "FIRST",
}
PERIOD_TYPES = {
    "MONTHLY": "Monthly",
    "QUARTERLY": "Quarterly",
    "SIX_MONTHLY": "SixMonthly",
    "YEARLY": "Yearly",
}


def _no_context(objects: Sequence[Any], wanted: FieldTree) -> dict[str, Any]:
    return {}


def _element_sets(indicator: Indicator, wanted: FieldTree, context: dict[str, Any]) -> Any:
    sub = wanted.get("dataSet")
    return [
        {"dataSet": _ref(form, sub or {}, DATA_SETS, context)} for form in indicator.forms.all()
    ]


def _set_elements(form: Form, wanted: FieldTree, context: dict[str, Any]) -> Any:
    sub = wanted.get("dataElement")
    return [
        {"dataElement": _ref(indicator, sub or {}, DATA_ELEMENTS, context)}
        for indicator in form.indicators.all()
    ]


def _elements_queryset(user: Any) -> QuerySet[Any]:
    return Indicator.objects.prefetch_related("forms").order_by("sort_order", "code")


def _sets_queryset(user: Any) -> QuerySet[Any]:
    return Form.objects.prefetch_related("indicators").order_by("code")


DATA_ELEMENTS: Resource = Resource(
    plural="dataElements",
    getters={
        "id": lambda i, w, c: i.uid,
        "code": lambda i, w, c: i.code,
        "name": lambda i, w, c: i.name,
        "displayName": lambda i, w, c: i.name,
        "shortName": lambda i, w, c: i.code,
        "displayShortName": lambda i, w, c: i.code,
        "description": lambda i, w, c: i.note,
        "valueType": lambda i, w, c: VALUE_TYPES.get(i.value_type, "NUMBER"),
        "aggregationType": lambda i, w, c: AGGREGATION_TYPES.get(i.time_aggregation, "SUM"),
        "domainType": lambda i, w, c: "AGGREGATE",
        "formName": lambda i, w, c: i.name,
        "dataSetElements": _element_sets,
    },
    simple=(
        "id",
        "code",
        "name",
        "displayName",
        "shortName",
        "valueType",
        "aggregationType",
        "domainType",
    ),
    filters={"id": "uid", "code": "code", "name": "name", "displayName": "name"},
    queryset=_elements_queryset,
    prepare=_no_context,
)

DATA_SETS: Resource = Resource(
    plural="dataSets",
    getters={
        "id": lambda f, w, c: f.uid,
        "code": lambda f, w, c: f.code,
        "name": lambda f, w, c: f.name,
        "displayName": lambda f, w, c: f.name,
        "shortName": lambda f, w, c: f.code,
        "displayShortName": lambda f, w, c: f.code,
        "periodType": lambda f, w, c: PERIOD_TYPES.get(f.period_type, f.period_type),
        "expiryDays": lambda f, w, c: f.deadline_days,
        "dataSetElements": _set_elements,
    },
    simple=("id", "code", "name", "displayName", "shortName", "periodType", "expiryDays"),
    filters={"id": "uid", "code": "code", "name": "name", "displayName": "name"},
    queryset=_sets_queryset,
    prepare=_no_context,
)

RESOURCES = {r.plural: r for r in (UNITS, DATA_ELEMENTS, DATA_SETS)}
OPERATORS = {
    "eq": "exact",
    "ieq": "iexact",
    "like": "contains",
    "ilike": "icontains",
    "in": "in",
    "gt": "gt",
    "ge": "gte",
    "lt": "lt",
    "le": "lte",
}


def _filter(resource: Resource, text: str) -> Q:
    """`level:eq:4`, `name:ilike:xã`, `id:in:[a,b]`, `parent.id:eq:UID`; `ne`/`!eq` negate."""
    prop, _, rest = text.partition(":")
    operator, _, value = rest.partition(":")
    lookup = resource.filters.get(prop)
    if lookup is None or not operator:
        known = ", ".join(resource.filters)
        raise MetadataError(f"Bộ lọc “{text[:60]}” không được hỗ trợ (thuộc tính: {known}).")
    negate = operator in ("ne", "!eq", "!in", "!like", "!ilike")
    op = {"ne": "eq"}.get(operator, operator.lstrip("!"))
    if op not in OPERATORS:
        raise MetadataError(f"Phép so sánh “{operator}” không được hỗ trợ.")
    converted: Any = value
    if op == "in":
        converted = [v.strip() for v in value.strip("[]").split(",") if v.strip()]
    if lookup == "level":
        try:
            converted = (
                [int(v) - 1 for v in converted] if op == "in" else int(value) - 1
            )  # DHIS2 levels count from 1
        except ValueError:
            raise MetadataError(f"Cấp “{value}” phải là một số.") from None
    condition = Q(**{f"{lookup}__{OPERATORS[op]}": converted})
    return ~condition if negate else condition


def _positive(text: str | None, default: int, name: str) -> int:
    if text is None or not text.strip():
        return default
    try:
        number = int(text)
    except ValueError:
        raise MetadataError(f"Tham số {name} phải là số nguyên dương.") from None
    if number < 1:
        raise MetadataError(f"Tham số {name} phải là số nguyên dương.")
    return number


def metadata_list(
    *,
    user: Any,
    plural: str,
    fields: str | None,
    filters: Iterable[str] = (),
    level: str | None = None,
    edition: str | None = None,
    paging: bool = True,
    page: str | None = None,
    page_size: str | None = None,
    base_url: str = "",
) -> dict[str, Any]:
    """A DHIS2 metadata list: `{"pager": {...}, "<plural>": [...]}` (no pager unpaged).

    `edition` ("2008", "2025" or a day such as "2025-07-01"): only the units of that structure.
    """
    resource = RESOURCES[plural]
    wanted = fields_parse(fields or "id,displayName")
    query = resource.queryset(user)
    for text in filters:
        query = query.filter(_filter(resource, text))
    if level and plural == "organisationUnits":
        query = query.filter(_filter(resource, f"level:eq:{level}"))
    if edition and edition.strip() and plural == "organisationUnits":
        try:
            query = query.filter(edition=edition_parse(edition))
        except Edition.DoesNotExist as error:
            raise MetadataError(str(error)) from None
    total = query.count()
    answer: dict[str, Any] = {}
    if paging:
        size = min(_positive(page_size, DEFAULT_PAGE_SIZE, "pageSize"), MAX_PAGE_SIZE)
        number = _positive(page, 1, "page")
        count = max(1, math.ceil(total / size))
        start = (number - 1) * size
        # Past the last page: nothing (and no OFFSET too large for the database).
        objects: list[Model] = list(query[start : start + size]) if start < total else []
        pager: dict[str, Any] = {
            "page": number,
            "pageCount": count,
            "total": total,
            "pageSize": size,
        }
        link: dict[str, Any] = {"pageSize": size, **({"fields": fields} if fields else {})}
        if edition and plural == "organisationUnits":
            link["edition"] = edition
        if number < count:
            pager["nextPage"] = f"{base_url}?{urlencode({**link, 'page': number + 1})}"
        if number > 1:
            pager["prevPage"] = f"{base_url}?{urlencode({**link, 'page': number - 1})}"
        answer["pager"] = pager
    else:
        if total > MAX_UNPAGED:
            raise MetadataError(
                f"Có {total} đối tượng: quá nhiều để trả về một lần (tối đa {MAX_UNPAGED}); "
                "hãy dùng phân trang hoặc bộ lọc."
            )
        objects = list(query)
    context = resource.prepare(objects, wanted)
    answer[plural] = [_render(obj, wanted, resource, context) for obj in objects]
    return answer


def metadata_object(*, user: Any, plural: str, uid: str, fields: str | None) -> dict[str, Any]:
    """One object by uid (`:all` fields by default); LookupError when absent or hidden."""
    resource = RESOURCES[plural]
    wanted = fields_parse(fields or ":all")
    obj = resource.queryset(user).filter(uid=uid).first()
    if obj is None:
        raise LookupError(uid)
    return dict(_render(obj, wanted, resource, resource.prepare([obj], wanted)))


__all__ = ["RESOURCES", "MetadataError", "fields_parse", "metadata_list", "metadata_object"]
