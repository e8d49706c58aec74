"""DHIS2's metadata reads: `/api/organisationUnits`, `/api/dataElements`, `/api/dataSets`.

`fields=` picks what each object shows (`id,name,level,parent[id,name]`, `:all`, `*`),
`filter=property:operator:value` narrows the list (eq, ne, like, ilike, in, gt, ge, lt, le on
a few properties), `page`/`pageSize`/`paging=false` page it, with DHIS2's `pager` object.
Units are only those the user may see (the access helper's `units_visible`); the catalog
(indicators, forms) is the same for every signed-in user.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db.models import F, Model, Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone

from phongtrao.accounts.access import membership_of, units_visible
from phongtrao.catalog.attributes import attribute_values_of
from phongtrao.catalog.models import Attribute, Form, Indicator, TimeAggregation, ValueType
from phongtrao.exchange.models import PersonalAccessToken
from phongtrao.orgs.models import Edition, Unit
from phongtrao.orgs.selectors import edition_parse
from phongtrao.spreadsheets import cell_safe

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
# paging=false returns everything, up to this (the whole country is about 11,000 units).
MAX_UNPAGED = 50_000

FieldTree = dict[str, "FieldTree"]


class MetadataError(ValueError):
    """A bad `fields`, `filter` or paging parameter (message in Vietnamese)."""


def _transformer_end(text: str, start: int) -> int:
    """Where the transformers starting at `start` (`~rename(n)~size`) end: at `,`, `[` or `]`
    outside their parentheses, or at the end."""
    depth = 0
    for index in range(start, len(text)):
        char = text[index]
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        elif depth == 0 and char in ",[]":
            return index
    return len(text)


def fields_parse(text: str) -> FieldTree:
    """`id,name,parent[id,name]` → {"id": {}, "name": {}, "parent": {"id": {}, "name": {}}}.

    DHIS2's transformers stay on their field's key (`name~rename(n)`, `children[id]~size`,
    also written `::` or `|`), applied by `_render`; `parent(id,name)` is `parent[id,name]`.
    """
    tree: FieldTree = {}
    stack: list[FieldTree] = [tree]
    names: list[str] = []  # the key of each open block
    name = ""
    closed = ""  # the block just closed with "]": a transformer after it is its own
    index = 0
    while index < len(text):
        char = text[index]
        if char in "~|" or text.startswith("::", index):
            end = _transformer_end(text, index)
            chain = text[index:end]
            if name.strip():
                name += chain
            elif closed:
                parent = stack[-1]
                parent[closed + chain] = parent.pop(closed)
            else:
                raise MetadataError(
                    f"Tham số fields không hợp lệ: “{chain}” không theo trường nào."
                )
            index = end
            continue
        index += 1
        if char == "(":
            char = "["
        elif char == ")":
            char = "]"
        if char not in ",[]":
            name += char
            continue
        name = name.strip()
        closed = ""
        if char == "[":
            if not name:
                raise MetadataError("Tham số fields không hợp lệ: “[” đứng sai chỗ.")
            stack.append(stack[-1].setdefault(name, {}))
            names.append(name)
        else:
            if name:
                stack[-1].setdefault(name, {})
            if char == "]":
                if len(stack) == 1:
                    raise MetadataError("Tham số fields không hợp lệ: thừa dấu “]”.")
                stack.pop()
                closed = names.pop()
        name = ""
    if name.strip():
        stack[-1].setdefault(name.strip(), {})
    if len(stack) != 1:
        raise MetadataError("Tham số fields không hợp lệ: thiếu dấu “]”.")
    return tree


# DHIS2's field transformers (`FieldTransformer`s of dhis-service-field-filtering).
TRANSFORMERS = ("rename", "size", "isEmpty", "isNotEmpty", "pluck", "keyBy")
TRANSFORMER = re.compile(r"(?:~|::|\|)([A-Za-z]+)(?:\(([^)]*)\))?")


def field_split(key: str) -> tuple[str, list[tuple[str, list[str]]]]:
    """`name~rename(n)~size` → ("name", [("rename", ["n"]), ("size", [])])."""
    starts = [i for i in (key.find("~"), key.find("|"), key.find("::")) if i >= 0]
    if not starts:
        return key, []
    cut = min(starts)
    base, rest = key[:cut], key[cut:]
    found: list[tuple[str, list[str]]] = []
    position = 0
    for match in TRANSFORMER.finditer(rest):
        if match.start() != position:
            break
        parameters = [p.strip() for p in (match.group(2) or "").split(";") if p.strip()]
        found.append((match.group(1), parameters))
        position = match.end()
    if position != len(rest):
        raise MetadataError(f"Tham số fields không hợp lệ: “{rest[:60]}”.")
    for name, _ in found:
        if name not in TRANSFORMERS:
            raise MetadataError(
                f"Phép biến đổi trường “{name}” không được hỗ trợ "
                f"(được: {', '.join(TRANSFORMERS)})."
            )
    return base, found


def _transform(name: str, value: Any, transformers: list[tuple[str, list[str]]]) -> tuple[str, Any]:
    """Apply DHIS2's transformers in its order (rename last); the key and value written."""
    for kind, parameters in sorted(transformers, key=lambda t: t[0] == "rename"):
        if kind == "rename":
            if parameters:
                name = parameters[0]
        elif kind == "size":
            if isinstance(value, (list, str)):
                value = len(value)
        elif kind in ("isEmpty", "isNotEmpty"):
            if isinstance(value, list):
                value = (not value) if kind == "isEmpty" else bool(value)
        elif kind == "pluck":
            key = parameters[0] if parameters else "id"
            if isinstance(value, list):
                value = [v[key] if isinstance(v, dict) and key in v else v for v in value]
        elif kind == "keyBy":
            key = parameters[0] if parameters else "id"
            if isinstance(value, list):
                value = _key_by(value, key)
    return name, value


def _key_by(items: list[Any], key: str) -> dict[str, Any]:
    """DHIS2's keyBy: objects by a property; several with the same key become a list."""
    result: dict[str, Any] = {}
    for item in items:
        if not isinstance(item, dict) or key not in item:
            continue
        label = str(item[key])
        if label not in result:
            if label:
                result[label] = item
        elif isinstance(result[label], list):
            result[label].append(item)
        else:
            result[label] = [result[label], item]
    return result


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
        base, transformers = field_split(name)
        getter = resource.getters.get(base.lstrip("!"))
        if getter is None or base.startswith("!"):
            continue
        for kind, parameters in transformers:
            if kind in ("pluck", "keyBy") and not sub:
                sub = {parameters[0] if parameters else "id": {}}  # what it reads, rendered
        key, value = _transform(base, getter(obj, sub, context), transformers)
        result[key] = value
    return result


def _attribute_values(obj: Any, wanted: FieldTree, context: dict[str, Any]) -> Any:
    """DHIS2's `attributeValues`: `[{"attribute": {"id": …}, "value": …}]`; a block such as
    `attributeValues[value]` keeps those keys."""
    items = attribute_values_of(obj)
    if not wanted:
        return items
    return [{k: v for k, v in item.items() if k in wanted} for item in items]


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
    return any(field_split(k)[0] in (name, ":all", "*") for k in wanted) or any(
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
        "attributeValues": _attribute_values,
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

# DHIS2's value types for what phongtrao accepts: counts and money are whole and never
# negative (INTEGER_ZERO_OR_POSITIVE, so a DHIS2 client checks as the server does); decimals
# are NUMBER (DHIS2 has no non-negative NUMBER), percentages PERCENTAGE (0 to 100).
VALUE_TYPES = {
    ValueType.INTEGER: "INTEGER_ZERO_OR_POSITIVE",
    ValueType.MONEY: "INTEGER_ZERO_OR_POSITIVE",
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


def _set_units(form: Form, wanted: FieldTree, context: dict[str, Any]) -> Any:
    """The units a form is assigned to: those at its level that the user sees, of every
    structure (DHIS2's `dataSet.organisationUnits`; a closed unit stays assigned there too)."""
    units = context.get("set_units", {}).get(form.level, [])
    return [_ref(unit, wanted, UNITS, context) for unit in units]


def _sets_prepare(forms: Sequence[Form], wanted: FieldTree) -> dict[str, Any]:
    """Read the units of every form's level at once (one query per level) when asked."""
    return {"set_units_wanted": _asks(wanted, "organisationUnits")}


def context_for(user: Any, context: dict[str, Any], objects: Sequence[Any]) -> dict[str, Any]:
    """What a page's render needs that depends on the user (the units of data sets)."""
    if context.pop("set_units_wanted", False):
        levels = {form.level for form in objects}
        units = units_visible(user).filter(level__in=levels)
        by_level: dict[int, list[Unit]] = {}
        for unit in units.order_by("path"):
            by_level.setdefault(unit.level, []).append(unit)
        context["set_units"] = by_level
    return context


# DHIS2's default category model: the only disaggregation phongtrao keeps (its well-known uids).
DEFAULT_CATEGORY_COMBO = {"id": "bjDvmb4bfuf", "code": "default", "name": "default"}


def _default_combo(obj: Any, wanted: FieldTree, context: dict[str, Any]) -> Any:
    return {k: v for k, v in DEFAULT_CATEGORY_COMBO.items() if k in (wanted or {"id": {}})}


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
        "categoryCombo": _default_combo,
        "dataSetElements": _element_sets,
        "attributeValues": _attribute_values,
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
        "categoryCombo": _default_combo,
        "dataSetElements": _set_elements,
        "organisationUnits": _set_units,
        "attributeValues": _attribute_values,
    },
    simple=("id", "code", "name", "displayName", "shortName", "periodType", "expiryDays"),
    filters={"id": "uid", "code": "code", "name": "name", "displayName": "name"},
    queryset=_sets_queryset,
    prepare=_sets_prepare,
)

ATTRIBUTES: Resource = Resource(
    plural="attributes",
    getters={
        "id": lambda a, w, c: a.uid,
        "code": lambda a, w, c: a.code,
        "name": lambda a, w, c: a.name,
        "displayName": lambda a, w, c: a.name,
        "shortName": lambda a, w, c: a.name[:50],
        "valueType": lambda a, w, c: "TEXT",
        "unique": lambda a, w, c: a.unique,
        "organisationUnitAttribute": lambda a, w, c: a.organisation_unit_attribute,
        "dataElementAttribute": lambda a, w, c: a.data_element_attribute,
        "dataSetAttribute": lambda a, w, c: a.data_set_attribute,
    },
    simple=(
        "id",
        "code",
        "name",
        "displayName",
        "valueType",
        "unique",
        "organisationUnitAttribute",
        "dataElementAttribute",
        "dataSetAttribute",
    ),
    filters={"id": "uid", "code": "code", "name": "name", "displayName": "name"},
    queryset=lambda user: Attribute.objects.order_by("name"),
    prepare=_no_context,
)


def _moment(value: Any) -> str | None:
    """DHIS2's metadata timestamp (`yyyy-MM-dd'T'HH:mm:ss.SSS`, server time)."""
    if value is None:
        return None
    local = timezone.localtime(value)
    return f"{local:%Y-%m-%dT%H:%M:%S}.{local.microsecond // 1000:03d}"


def _ms(value: Any) -> int | None:
    return int(value.timestamp() * 1000) if value is not None else None


API_TOKENS: Resource = Resource(
    plural="apiToken",
    getters={
        "id": lambda t, w, c: t.uid,
        "code": lambda t, w, c: t.name,
        "name": lambda t, w, c: t.name,
        "displayName": lambda t, w, c: t.name,
        "created": lambda t, w, c: _moment(t.created_at),
        "lastUpdated": lambda t, w, c: _moment(t.created_at),
        "createdBy": lambda t, w, c: {"id": str(t.user_id), "username": t.user.get_username()},
        "version": lambda t, w, c: 1,
        "type": lambda t, w, c: "PERSONAL_ACCESS_TOKEN_V1",
        "expire": lambda t, w, c: _ms(t.expires_at),
        "attributes": lambda t, w, c: t.attributes or [],
    },
    simple=(
        "id",
        "code",
        "name",
        "displayName",
        "created",
        "lastUpdated",
        "version",
        "type",
        "expire",
    ),
    filters={"id": "uid", "code": "name", "name": "name", "displayName": "name"},
    # Only the caller's own tokens (DHIS2 shares a token with its maker alone).
    queryset=lambda user: PersonalAccessToken.objects.filter(user=user).select_related("user"),
    prepare=_no_context,
)

RESOURCES = {r.plural: r for r in (UNITS, DATA_ELEMENTS, DATA_SETS, ATTRIBUTES, API_TOKENS)}
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


def _order(resource: Resource, orders: Iterable[str]) -> list[Any]:
    """DHIS2's `order=name:asc,level:desc` (also `iasc`/`idesc`) on filterable properties."""
    result: list[Any] = []
    for text in orders:
        for item in (part.strip() for part in text.split(",")):
            if not item:
                continue
            prop, _, direction = item.partition(":")
            lookup = resource.filters.get(prop)
            direction = (direction or "asc").lower()
            if lookup is None or direction not in ("asc", "desc", "iasc", "idesc"):
                known = ", ".join(resource.filters)
                raise MetadataError(
                    f"Thứ tự “{item[:60]}” không được hỗ trợ (thuộc tính: {known}; asc, desc)."
                )
            expression: Any = Lower(lookup) if direction.startswith("i") else F(lookup)
            result.append(expression.desc() if direction.endswith("desc") else expression.asc())
    return result


def pager_links(
    *, base_url: str, page: int, page_count: int, page_size: int, params: Sequence[tuple[str, str]]
) -> dict[str, str]:
    """DHIS2's `nextPage`/`prevPage` (`DefaultLinkService`): `page`, then `pageSize` unless
    the default, then every other parameter of the request as it was sent (filter, level,
    fields, order...); the link to page 1 carries no `page`."""
    rest = [(k, v) for k, v in params if k not in ("page", "pageSize")]
    size = [] if page_size == DEFAULT_PAGE_SIZE else [("pageSize", str(page_size))]
    links: dict[str, str] = {}
    if page < page_count:
        links["nextPage"] = f"{base_url}?{urlencode([('page', str(page + 1)), *size, *rest])}"
    if page > 1:
        first = [] if page - 1 == 1 else [("page", str(page - 1))]
        query = urlencode([*first, *size, *rest])
        links["prevPage"] = f"{base_url}?{query}" if query else base_url
    return links


@dataclass(frozen=True)
class UnitOptions:
    """DHIS2's organisation unit list options (`OrganisationUnitController`): the user's own
    units (`userOnly`, `userDataViewOnly`, `userDataViewFallback`), a search (`query`:
    name contains, or code or id equal), `maxLevel`, `withinUserHierarchy`."""

    user_only: bool = False
    query: str = ""
    max_level: str | None = None


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
    link_params: Sequence[tuple[str, str]] = (),
    orders: Iterable[str] = (),
    root_junction: str = "AND",
    units: UnitOptions | None = None,
) -> dict[str, Any]:
    """A DHIS2 metadata list: `{"pager": {...}, "<plural>": [...]}` (no pager unpaged).

    `edition` ("2008", "2025" or a day such as "2025-07-01"): only the units of that structure.
    `link_params`: the request's parameters, kept in the pager's links. `root_junction`
    `OR` keeps an object matching any filter. Units are always only those `user` may see.
    """
    resource = RESOURCES[plural]
    wanted = fields_parse(fields or "id,displayName")
    query = resource.queryset(user)
    conditions = [_filter(resource, text) for text in filters]
    junction = (root_junction or "AND").strip().upper()
    if junction not in ("AND", "OR"):
        raise MetadataError(f"rootJunction “{root_junction}” không hợp lệ (AND hoặc OR).")
    if conditions:
        combined = conditions[0]
        for condition in conditions[1:]:
            combined = (combined | condition) if junction == "OR" else (combined & condition)
        query = query.filter(combined)
    if level and plural == "organisationUnits":
        query = query.filter(_filter(resource, f"level:eq:{level}"))
    if units is not None and plural == "organisationUnits":
        query = _units_narrowed(query, user, units)
    if edition and edition.strip() and plural == "organisationUnits":
        try:
            query = query.filter(edition=edition_parse(edition))
        except Edition.DoesNotExist as error:
            raise MetadataError(str(error)) from None
    ordering = _order(resource, orders)
    if ordering:
        query = query.order_by(*ordering, "pk")
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
        pager.update(
            pager_links(
                base_url=base_url,
                page=number,
                page_count=count,
                page_size=size,
                params=link_params,
            )
        )
        answer["pager"] = pager
    else:
        if total > MAX_UNPAGED:
            raise MetadataError(
                f"Có {total} đối tượng: quá nhiều để trả về một lần (tối đa {MAX_UNPAGED}); "
                "hãy dùng phân trang hoặc bộ lọc."
            )
        objects = list(query)
    context = context_for(user, resource.prepare(objects, wanted), objects)
    answer[plural] = [_render(obj, wanted, resource, context) for obj in objects]
    return answer


def _units_narrowed(query: QuerySet[Any], user: Any, options: UnitOptions) -> QuerySet[Any]:
    if options.user_only:
        membership = membership_of(user)
        query = query.filter(pk=membership.unit.pk) if membership is not None else query.none()
    if options.query.strip():
        text = options.query.strip()
        query = query.filter(Q(name__icontains=text) | Q(code=text) | Q(uid=text))
    if options.max_level is not None and options.max_level.strip():
        try:
            deepest = int(options.max_level) - 1  # DHIS2 levels count from 1
        except ValueError:
            raise MetadataError(f"Cấp “{options.max_level}” phải là một số.") from None
        query = query.filter(level__lte=deepest)
    return query


def metadata_csv(
    answer: dict[str, Any],
    *,
    plural: str,
    fields: str | None,
    separator: str = ",",
    array_separator: str = ";",
    skip_header: bool = False,
) -> str:
    """DHIS2's CSV of a metadata list (`getObjectListCsv`): one column per simple field asked
    (`id,displayName` by default), collections of objects as their ids joined by `;`;
    nested objects (`parent[...]`) are left out, as DHIS2 does."""
    wanted = fields_parse(fields or "id,displayName")
    resource = RESOURCES[plural]
    columns: list[str] = []
    for name in wanted:
        if name in (":all", "*", "all"):
            columns += [c for c in ("id", "displayName") if c not in columns]
        elif name in resource.getters and name not in columns and name != "parent":
            columns.append(name)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\n")
    if not skip_header:
        writer.writerow(columns)
    for obj in answer[plural]:
        row = []
        for column in columns:
            value = obj.get(column)
            if isinstance(value, list):
                value = array_separator.join(
                    str(item.get("id", "")) if isinstance(item, dict) else str(item)
                    for item in value
                )
            row.append("" if value is None else cell_safe(str(value)))
        writer.writerow(row)
    return buffer.getvalue()


def metadata_object(
    *, user: Any, plural: str, uid: str, fields: str | None, wanted: FieldTree | None = None
) -> dict[str, Any]:
    """One object by uid (`:all` fields by default); LookupError when absent or hidden."""
    resource = RESOURCES[plural]
    wanted = wanted if wanted is not None else fields_parse(fields or ":all")
    obj = resource.queryset(user).filter(uid=uid).first()
    if obj is None:
        raise LookupError(uid)
    context = context_for(user, resource.prepare([obj], wanted), [obj])
    return dict(_render(obj, wanted, resource, context))


def metadata_property(
    *, user: Any, plural: str, uid: str, prop: str, fields: str | None
) -> dict[str, Any]:
    """DHIS2's `/api/<plural>/<uid>/<property>`: `{"<property>": ...}` with `fields` applied
    to what it holds (`:all` by default); LookupError when the object or property is absent."""
    resource = RESOURCES[plural]
    if prop not in resource.getters:
        raise LookupError(prop)
    wanted: FieldTree = {prop: fields_parse(fields or ":all")}
    return metadata_object(user=user, plural=plural, uid=uid, fields=None, wanted=wanted)


def metadata_parents(*, user: Any, uid: str, fields: str | None) -> list[Any]:
    """DHIS2's `/api/organisationUnits/<uid>/parents`: the unit's ancestors, nearest first,
    as a bare list; only those the user may see (house rule: nobody reads above their own
    unit). LookupError when the unit is absent or hidden."""
    wanted = fields_parse(fields or ":all")
    visible = UNITS.queryset(user)
    unit = visible.filter(uid=uid).first()
    if unit is None:
        raise LookupError(uid)
    ids = [int(part) for part in unit.path.strip("/").split("/") if part][:-1]
    above = {u.pk: u for u in visible.filter(pk__in=ids)}
    found = [above[i] for i in reversed(ids) if i in above]
    context = UNITS.prepare(found, wanted)
    return [_render(u, wanted, UNITS, context) for u in found]


CATEGORY_DEFAULTS: dict[str, dict[str, Any]] = {
    "categoryOptionCombos": {
        "id": "HllvX50cXC0",
        "categoryCombo": {"id": "bjDvmb4bfuf"},
        "categoryOptions": [{"id": "xYerKDKCefk"}],
    },
    "categoryCombos": {
        "id": "bjDvmb4bfuf",
        "dataDimensionType": "DISAGGREGATION",
        "isDefault": True,
        "categories": [{"id": "GLevLNI9wkl"}],
        "categoryOptionCombos": [{"id": "HllvX50cXC0"}],
    },
    "categories": {
        "id": "GLevLNI9wkl",
        "dataDimensionType": "DISAGGREGATION",
        "categoryOptions": [{"id": "xYerKDKCefk"}],
    },
    "categoryOptions": {"id": "xYerKDKCefk", "categories": [{"id": "GLevLNI9wkl"}]},
}


def _category_default(plural: str) -> dict[str, Any]:
    body = {"code": "default", "name": "default", "displayName": "default", "shortName": "default"}
    return {**body, **CATEGORY_DEFAULTS[plural]}


def _plain_render(obj: dict[str, Any], wanted: FieldTree) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, sub in wanted.items():
        base, transformers = field_split(name)
        if base in (":all", "*", "all", ":identifiable", ":nameable"):
            result.update({k: v for k, v in obj.items() if not isinstance(v, (dict, list))})
            continue
        if base.startswith("!") or base not in obj:
            continue
        value = obj[base]
        if sub and isinstance(value, dict):
            value = {k: v for k, v in value.items() if k in sub}
        elif sub and isinstance(value, list):
            value = [{k: v for k, v in item.items() if k in sub} for item in value]
        key, value = _transform(base, value, transformers)
        result[key] = value
    return result


def metadata_category_defaults(
    *, plural: str, uid: str = "", fields: str | None = None, paging: bool = True
) -> dict[str, Any]:
    """`/api/categoryOptionCombos`, `categoryCombos`, `categories`, `categoryOptions`: only
    DHIS2's default of each (phongtrao keeps no disaggregation), with its well-known uid."""
    obj = _category_default(plural)
    if uid:
        if uid != obj["id"]:
            raise LookupError(uid)
        return _plain_render(obj, fields_parse(fields or ":all"))
    answer: dict[str, Any] = {}
    if paging:
        answer["pager"] = {"page": 1, "pageCount": 1, "total": 1, "pageSize": DEFAULT_PAGE_SIZE}
    answer[plural] = [_plain_render(obj, fields_parse(fields or "id,displayName"))]
    return answer


UNIT_FAMILY = ("includeChildren", "includeDescendants", "includeAncestors", "level")


def metadata_unit_family(
    *, user: Any, uid: str, fields: str | None, include: str, level: str = ""
) -> dict[str, Any]:
    """`/api/organisationUnits/<uid>?includeChildren=true` and its siblings, as DHIS2's
    `OrganisationUnitController.getEntity`: the unit and its children, the unit and all its
    descendants, the unit and its ancestors (nearest first), or the units `level` levels
    below it, wrapped as `{"organisationUnits": [...]}`. Only units `user` may see (so the
    ancestors stop at the user's own unit); LookupError when the unit is absent or hidden."""
    wanted = fields_parse(fields or ":all")
    visible = UNITS.queryset(user)
    unit = visible.filter(uid=uid).first()
    if unit is None:
        raise LookupError(uid)
    found: list[Unit]
    if include == "includeChildren":
        found = [unit, *visible.filter(parent=unit)]
    elif include == "includeDescendants":
        found = list(visible.filter(path__startswith=unit.path))
    elif include == "includeAncestors":
        ids = [int(part) for part in unit.path.strip("/").split("/") if part][:-1]
        above = {u.pk: u for u in visible.filter(pk__in=ids)}
        found = [unit, *(above[i] for i in reversed(ids) if i in above)]
    else:
        try:
            depth = int(level)
        except ValueError:
            raise MetadataError(f"Cấp “{level}” phải là một số.") from None
        found = list(visible.filter(path__startswith=unit.path, level=unit.level + depth))
    context = UNITS.prepare(found, wanted)
    return {"organisationUnits": [_render(u, wanted, UNITS, context) for u in found]}


__all__ = [
    "RESOURCES",
    "UNIT_FAMILY",
    "MetadataError",
    "UnitOptions",
    "fields_parse",
    "CATEGORY_DEFAULTS",
    "metadata_category_defaults",
    "metadata_csv",
    "metadata_list",
    "metadata_object",
    "metadata_parents",
    "metadata_property",
    "metadata_unit_family",
    "pager_links",
]
