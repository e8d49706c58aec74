"""Importing a dataValueSet (DHIS2 JSON, XML, CSV or ADX) as DHIS2 would.

The file is read as a stream; each value's identifiers are resolved through small caches
(indicators, units, periods) and checked (type, derived indicator, disaggregation, "of which"
within a chunk); what passes is written by `data.bulk.datavalues_import` in one transaction.
What does not pass becomes a conflict in DHIS2's import summary. With atomicMode ALL (the
default) one conflict means nothing is written; a dry run is the same import rolled back.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from itertools import chain, islice
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from phongtrao.actors import Actor, is_system
from phongtrao.catalog.attributes import attribute_get
from phongtrao.catalog.models import Form, Indicator, ValueType
from phongtrao.data.bulk import (
    BulkProblem,
    BulkRejected,
    BulkResult,
    BulkValue,
    datavalues_import,
)
from phongtrao.data.models import LOCKED_STATUSES, DataValue, Period, Submission
from phongtrao.data.services import period_get
from phongtrao.data.setwise import (
    STAGE,
    decimal,
    helper_table,
    stage_analyze,
    stage_create,
    stage_drop,
    stage_fill,
    stage_filled,
    stage_rows,
    staged_write,
)
from phongtrao.data.validation import COUNT_TYPES, check_value
from phongtrao.data.workflow import submission_redate, submission_submit
from phongtrao.exchange.compression import inflated
from phongtrao.exchange.formats import (
    DEFAULT_COC_NAMES,
    DEFAULT_COC_UID,
    AttributeScheme,
    Format,
    FormatError,
    IdScheme,
    Scheme,
    Strategy,
    scheme_ident,
    scheme_lookup,
    scheme_parse,
    strategy_parse,
)
from phongtrao.exchange.readers import RawValue, Reader, ReadError, read_ahead, reader_for
from phongtrao.orgs.models import Unit
from phongtrao.orgs.selectors import unit_resolve, units_named

NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
# Conflicts kept in the summary: the rest are counted, not listed (a bad million-value file
# must not fill the memory with messages).
MAX_CONFLICTS = 1000
MAX_INDEXES = 100
MAX_REJECTED = 10_000
# A unit that exists but is outside the user's subtree (DHIS2's E7617).
FORBIDDEN = (-1, "")
CHECK_CHUNK = 10_000
SETWISE_FROM = 1_000  # values in a payload from which it is written set-wise
ZERO = Decimal(0)


# DHIS2's data value import conflicts (dhis2-core `DataValueImportConflict`, 2.40): the error
# code, the property it is about and DHIS2's English message (`{0}` the object).
CONFLICTS: dict[str, tuple[str | None, str]] = {
    "E7610": ("dataElement", "Data element not found or not accessible: `{0}`"),
    "E7611": ("period", "Period not valid: `{0}`"),
    "E7612": ("orgUnit", "Organisation unit not found or not accessible: `{0}`"),
    "E7613": (
        "categoryOptionCombo",
        "Category option combo not found or not accessible for writing data: `{0}`",
    ),
    "E7615": (
        "attributeOptionCombo",
        "Attribute option combo not found or not accessible for writing data: `{0}`",
    ),
    "E7617": ("orgUnit", "Organisation unit: `{0}` not in hierarchy of current user: `{1}`"),
    "E7618": ("value", "Data value or comment not specified for data element: `{0}`"),
    "E7619": ("value", "Value must match value type of data element `{0}`: `{1}`"),
    "E7640": ("period", "Current date is past expiry days for period: `{0}`  and data set: `{1}`"),
    "E7642": (
        None,
        "Data already approved for data set: `{3}` period: `{1}` org unit: `{0}` "
        "attribute option combo: `{2}`",
    ),
}


# The types of the objects of each conflict, as DHIS2 names them in `objects` (the schema's
# singular of each class of `DataValueImportConflict`; the first is the conflict's `object`).
OBJECT_TYPES: dict[str, tuple[str, ...]] = {
    "E7610": ("dataElement",),
    "E7611": ("period",),
    "E7612": ("organisationUnit",),
    "E7613": ("categoryOptionCombo",),
    "E7615": ("categoryOptionCombo",),
    "E7617": ("organisationUnit", "user"),
    "E7618": ("dataElement",),
    "E7619": ("dataElement",),
    "E7640": ("period", "dataSet"),
    "E7642": ("organisationUnit", "period", "categoryOptionCombo", "dataSet"),
}


@dataclass
class ImportConflict:
    """One kind of conflict and the indexes (0-based places in the file) of its values."""

    object: str
    value: str  # the message in Vietnamese
    indexes: list[int] = field(default_factory=list)
    code: str = ""
    value_en: str = ""
    others: tuple[str, ...] = ()  # the conflict's other objects, in DHIS2's order

    @property
    def property(self) -> str | None:
        return CONFLICTS.get(self.code, (None, ""))[0]

    def objects(self) -> dict[str, str]:
        """DHIS2's `objects`: each object by its type (`ImportConflict.createConflict`)."""
        prop = self.property
        types = OBJECT_TYPES.get(self.code, (prop or "object",))
        return dict(zip(types, (self.object, *self.others), strict=False))

    def as_dict(self, english: bool = False) -> dict[str, Any]:
        prop = self.property
        body: dict[str, Any] = {
            "object": self.object,
            "objects": self.objects(),
            "value": (self.value_en or self.value) if english else self.value,
            "errorCode": self.code or None,
            "property": prop,
            "indexes": self.indexes,
        }
        return body


def conflict_english(code: str, *objects: str) -> str:
    """DHIS2's English message of an error code, filled with the objects."""
    template = CONFLICTS.get(code, (None, "{0}"))[1]
    for number, text in enumerate(objects):
        template = template.replace(f"{{{number}}}", text)
    return template


@dataclass
class ImportSummary:
    """What an import did, in DHIS2's shape (`as_dict`)."""

    status: str = "SUCCESS"
    description: str = ""
    imported: int = 0
    updated: int = 0
    ignored: int = 0
    deleted: int = 0
    conflicts: list[ImportConflict] = field(default_factory=list)
    conflict_count: int = 0  # values in conflict, listed or not
    read: int = 0
    dry_run: bool = False
    strategy: str = Strategy.CREATE_AND_UPDATE
    atomic: bool = True
    description_en: str = ""
    malformed: bool = False  # the payload could not be read (DHIS2 answers 400)
    rejected: list[int] = field(default_factory=list)
    # DHIS2's `dataSetComplete`: "false", or the day a `completeDate` in the header submitted.
    data_set_complete: str = "false"
    _by_key: dict[tuple[str, ...], ImportConflict] = field(default_factory=dict, repr=False)

    def conflict(
        self,
        obj: str,
        reason: str,
        index: int | None = None,
        *,
        code: str = "",
        english: str = "",
        others: tuple[str, ...] = (),
    ) -> None:
        """Record that the value at `index` cannot be imported because of `obj`: `reason`
        in Vietnamese, `code` DHIS2's error code, `english` DHIS2's message, `others` the
        conflict's other objects (DHIS2 groups a conflict's values by all its objects)."""
        self.conflict_count += 1
        if index is not None and len(self.rejected) < MAX_REJECTED:
            self.rejected.append(index)
        key = (obj, reason, *others)
        found = self._by_key.get(key)
        if found is None:
            if len(self.conflicts) >= MAX_CONFLICTS:
                return
            found = ImportConflict(obj, reason, code=code, value_en=english, others=others)
            self._by_key[key] = found
            self.conflicts.append(found)
        if index is not None and len(found.indexes) < MAX_INDEXES:
            found.indexes.append(index)

    def as_dict(self, english: bool = False) -> dict[str, Any]:
        return {
            "responseType": "ImportSummary",
            "status": self.status,
            "description": (self.description_en or self.description)
            if english
            else self.description,
            "importOptions": {
                "dryRun": self.dry_run,
                "importStrategy": self.strategy,
                "atomicMode": "ALL" if self.atomic else "NONE",
            },
            "importCount": {
                "imported": self.imported,
                "updated": self.updated,
                "ignored": self.ignored,
                "deleted": self.deleted,
            },
            "conflicts": [c.as_dict(english) for c in self.conflicts],
            "rejectedIndexes": self.rejected,
            "dataSetComplete": self.data_set_complete,
        }


class _Refused(enum.Enum):
    """A value in conflict (already recorded in the summary)."""

    REFUSED = 0


class _Rollback(Exception):
    """Leave the import's transaction without writing anything."""


class _Resolver:
    """Turns RawValues into BulkValues, with caches; refusals go to the summary."""

    def __init__(
        self,
        *,
        reader: Reader,
        summary: ImportSummary,
        strategy: Strategy,
        id_scheme: Scheme | None,
        data_element_id_scheme: Scheme | None,
        org_unit_id_scheme: Scheme | None,
        unit_allowed: Callable[[Unit], bool] | None = None,
        on_read: Callable[[int], None] | None = None,
        user_name: str = "",
    ) -> None:
        self.reader = reader
        self.user_name = user_name
        self.on_read = on_read
        self.unit_allowed = unit_allowed
        self.summary = summary
        self.strategy = strategy
        self.given = (id_scheme, data_element_id_scheme, org_unit_id_scheme)
        self.id_scheme: Scheme = IdScheme.UID
        self.de_scheme: Scheme = IdScheme.UID
        self.ou_scheme: Scheme = IdScheme.UID
        self.indicators: dict[str, Indicator] = {}
        self.periods: dict[str, Period | str] = {}
        self.units: dict[tuple[str, dt.date], tuple[int, str] | None] = {}

    def start(self) -> None:
        """Fix the options (the payload's header first, then the caller's), load indicators."""
        header = self.reader.header
        given_id, given_de, given_ou = self.given
        # As DHIS2, what the payload says (root attributes, top-level keys) wins.
        id_scheme = scheme_parse(header.get("idScheme")) or given_id or IdScheme.UID
        self.id_scheme = id_scheme
        self.de_scheme = scheme_parse(header.get("dataElementIdScheme")) or given_de or id_scheme
        self.ou_scheme = scheme_parse(header.get("orgUnitIdScheme")) or given_ou or id_scheme
        if header.get("importStrategy") or header.get("strategy"):
            self.strategy = strategy_parse(header.get("importStrategy") or header["strategy"])
            self.summary.strategy = self.strategy
        if header.get("dryRun"):
            self.summary.dry_run = header["dryRun"].strip().lower() in {"true", "1"}
        for scheme in (self.de_scheme, self.ou_scheme):
            attribute_scheme_check(scheme)
        self.indicators = {}
        if scheme_names(self.de_scheme):
            for indicator in Indicator.objects.all():
                key = scheme_ident(indicator, self.de_scheme)
                if key is not None:
                    self.indicators[key] = indicator

    def values(self, raws: Iterator[RawValue]) -> Iterator[BulkValue]:
        started = False
        while True:
            chunk = list(islice(raws, CHECK_CHUNK))
            if not chunk:
                return
            if not started:
                self.start()
                started = True
            self.summary.read += len(chunk)
            if self.on_read is not None:
                self.on_read(len(chunk))
            self._units_prefetch(chunk)
            resolved = [(raw, self.resolve(raw)) for raw in chunk]
            yield from self._breakdowns_checked(
                [(raw, item) for raw, item in resolved if item is not None]
            )

    def resolve(self, raw: RawValue) -> BulkValue | None:
        summary = self.summary
        if raw.extra:
            summary.conflict(
                raw.extra,
                "Số liệu phân tổ (category option) không được hỗ trợ: phongtrao chỉ nhận "
                "số liệu không phân tổ.",
                raw.index,
                code="E7613",
                english=conflict_english("E7613", raw.extra),
            )
            return None
        for combo, what in (
            (raw.category_option_combo, "categoryOptionCombo"),
            (raw.attribute_option_combo, "attributeOptionCombo"),
        ):
            if combo not in DEFAULT_COC_NAMES:
                code = "E7613" if what == "categoryOptionCombo" else "E7615"
                summary.conflict(
                    combo,
                    f"Tổ hợp phân tổ ({what}) “{combo}” không được hỗ trợ: phongtrao chỉ nhận "
                    "tổ hợp mặc định (default).",
                    raw.index,
                    code=code,
                    english=conflict_english(code, combo),
                )
                return None
        indicator = self.indicators.get(raw.data_element)
        if indicator is None:
            summary.conflict(
                raw.data_element or "dataElement",
                f"Không có chỉ tiêu (dataElement) nào có mã {self.de_scheme} “{raw.data_element}”.",
                raw.index,
                code="E7610",
                english=conflict_english("E7610", raw.data_element),
            )
            return None
        if indicator.formula:
            summary.conflict(
                raw.data_element,
                f"Chỉ tiêu “{indicator.code}” được tính theo công thức, không nhập trực tiếp.",
                raw.index,
                code="E7610",
                english=conflict_english("E7610", raw.data_element),
            )
            return None
        period = self._period(raw.period)
        if isinstance(period, str):
            summary.conflict(
                raw.period or "period",
                period,
                raw.index,
                code="E7611",
                english=conflict_english("E7611", raw.period),
            )
            return None
        unit = self._unit(raw.org_unit, period)
        if unit is None:
            summary.conflict(
                raw.org_unit or "orgUnit",
                f"Không có đơn vị (orgUnit) nào có mã {self.ou_scheme} “{raw.org_unit}” "
                f"có hiệu lực trong kỳ {period.code}.",
                raw.index,
                code="E7612",
                english=conflict_english("E7612", raw.org_unit),
            )
            return None
        if unit == FORBIDDEN:
            summary.conflict(
                raw.org_unit,
                f"Đơn vị (orgUnit) “{raw.org_unit}” không thuộc phạm vi bạn được nhập số liệu.",
                raw.index,
                code="E7617",
                english=conflict_english("E7617", raw.org_unit, self.user_name),
                others=(self.user_name,),
            )
            return None
        value = self._value(raw, indicator, unit, period)
        if value is _Refused.REFUSED:
            return None
        return BulkValue(
            unit_id=unit[0],
            unit_path=unit[1],
            indicator=indicator,
            period=period,
            value=value,
            comment=raw.comment,
            follow_up=raw.follow_up,
            position=raw.index,
        )

    def _value(
        self, raw: RawValue, indicator: Indicator, unit: tuple[int, str], period: Period
    ) -> Decimal | None | _Refused:
        """The value to write, None to delete, REFUSED when in conflict."""
        if raw.deleted or self.strategy == Strategy.DELETE:
            return None
        if raw.value is None:
            # DHIS2: an empty value deletes a stored one, and is a conflict otherwise.
            stored = DataValue.objects.filter(
                unit_id=unit[0], indicator=indicator, period=period
            ).exists()
            if stored:
                return None
            self.summary.conflict(
                raw.data_element,
                "Thiếu giá trị (value): không có số liệu để nhập và không có số liệu cũ để xóa.",
                raw.index,
                code="E7618",
                english=conflict_english("E7618", raw.data_element),
            )
            return _Refused.REFUSED
        if not NUMBER.fullmatch(raw.value):
            self.summary.conflict(
                raw.data_element,
                f"Giá trị “{raw.value[:50]}” không phải là số.",
                raw.index,
                code="E7619",
                english=conflict_english("E7619", raw.data_element, "Data value is not numeric"),
            )
            return _Refused.REFUSED
        try:
            value = Decimal(raw.value)
        except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
            value = Decimal("NaN")
        message = check_value(indicator, value)
        if message:
            self.summary.conflict(
                raw.data_element,
                f"Giá trị “{raw.value}” không hợp lệ: {message}",
                raw.index,
                code="E7619",
                english=conflict_english("E7619", raw.data_element, _value_type(indicator)),
            )
            return _Refused.REFUSED
        return value

    def _period(self, code: str) -> Period | str:
        found = self.periods.get(code)
        if found is None:
            try:
                found = period_get(code)
            except ValueError as error:
                message = getattr(error, "message_vi", str(error))
                found = f"Kỳ (period) “{code}” không hợp lệ: {message}"
            if len(self.periods) < 100_000:
                self.periods[code] = found
        return found

    def period_of(self, code: str) -> Period | str:
        """The period of a code, or the Vietnamese reason it is not one."""
        return self._period(code)

    def unit_of(self, key: str, period: Period) -> Unit | None:
        """The unit the user may change under the payload's org unit scheme, or None."""
        found = self._unit(key, period)
        if found is None or found == FORBIDDEN:
            return None
        return Unit.objects.get(pk=found[0])

    def _units_prefetch(self, chunk: list[RawValue]) -> None:
        """Read the chunk's new units by uid in a few queries (not one query per unit)."""
        self.units_prefetch({raw.org_unit for raw in chunk})

    def units_prefetch(self, keys: set[str]) -> None:
        """Read these units by uid in a few queries (not one query per unit)."""
        if self.ou_scheme != IdScheme.UID:
            return  # codes resolve at a date, one by one
        keys = keys - {key for key, _ in self.units}
        keys.discard("")
        ordered = sorted(keys)
        for start in range(0, len(ordered), 900):
            batch = ordered[start : start + 900]
            found = {u.uid: u for u in Unit.objects.filter(uid__in=batch).only("id", "path", "uid")}
            for key in batch:
                if len(self.units) < 200_000:
                    self.units[(key, dt.date.min)] = self._unit_key(found.get(key))

    def _unit_key(self, unit: Unit | None) -> tuple[int, str] | None:
        """(id, path) of a unit the user may change; FORBIDDEN outside their subtree (DHIS2
        says so with E7617: units are metadata, their data stays hidden)."""
        if unit is None:
            return None
        if self.unit_allowed is not None and not self.unit_allowed(unit):
            return FORBIDDEN
        return (unit.pk, unit.path)

    def _unit(self, key: str, period: Period) -> tuple[int, str] | None:
        at = period.end
        dated = self.ou_scheme in (IdScheme.CODE, IdScheme.NAME)
        cache_key = (key, at if dated else dt.date.min)
        if cache_key in self.units:
            return self.units[cache_key]
        unit: Unit | None
        if self.ou_scheme == IdScheme.UID:
            unit = Unit.objects.filter(uid=key).only("id", "path", "uid").first()
        elif self.ou_scheme == IdScheme.NAME:
            found = self._named(key, at)
            if len(self.units) < 200_000:
                self.units[cache_key] = found
            return found
        elif isinstance(self.ou_scheme, AttributeScheme):
            unit = None
            if key and scheme_names(self.ou_scheme):
                lookup = {scheme_lookup(self.ou_scheme): key}
                unit = Unit.objects.filter(**lookup).only("id", "path", "uid").first()
        else:
            try:
                unit = unit_resolve(key, at)
            except Unit.DoesNotExist:
                unit = None
        found = self._unit_key(unit)
        if len(self.units) < 200_000:
            self.units[cache_key] = found
        return found

    def _named(self, name: str, at: dt.date) -> tuple[int, str] | None:
        """The unit called `name` on `at`. Names repeat (DHIS2 takes the first it finds);
        here the one the user may change among them, and none when that is still several."""
        named = units_named(name, at) if name else []
        keys = [self._unit_key(unit) for unit in named]
        allowed = [key for key in keys if key is not None and key != FORBIDDEN]
        if len(allowed) == 1:
            return allowed[0]
        if not allowed and keys:
            return FORBIDDEN
        return None

    def _breakdowns_checked(self, items: list[tuple[RawValue, BulkValue]]) -> Iterable[BulkValue]:
        """Drop "of which" values larger than their parent given in the same chunk."""
        by_key: dict[tuple[int, int, int], Decimal | None] = {
            (b.unit_id, b.period.pk, b.indicator.pk): b.value for _, b in items
        }
        kept = []
        for raw, item in items:
            parent_id = item.indicator.parent_id
            if parent_id is not None and item.value is not None:
                parent_value = by_key.get((item.unit_id, item.period.pk, parent_id))
                if parent_value is not None and item.value > parent_value:
                    self.breakdown_conflict(raw, item.indicator, item.value, parent_value)
                    continue
            kept.append(item)
        return kept

    def breakdown_conflict(
        self, raw: RawValue, indicator: Indicator, value: Decimal, parent_value: Decimal
    ) -> None:
        """An "of which" value larger than its parent's given in the same file."""
        self.summary.conflict(
            raw.data_element,
            f"Số liệu “trong đó” của chỉ tiêu “{indicator.code}” "
            f"({value.normalize():f}) lớn hơn chỉ tiêu cha "
            f"({parent_value.normalize():f}).",
            raw.index,
            code="E7619",
            english=conflict_english(
                "E7619", raw.data_element, "value is greater than its parent's"
            ),
        )


def attribute_scheme_check(scheme: Scheme | None) -> None:
    """An `ATTRIBUTE:<uid>` scheme must name an attribute (DHIS2: "Attribute does not exist")."""
    if isinstance(scheme, AttributeScheme) and attribute_get(scheme.attribute) is None:
        raise FormatError(
            f"Không có thuộc tính (attribute) UID “{scheme.attribute}” của kiểu mã {scheme}.",
            f"Attribute does not exist: {scheme.attribute}",
        )


def scheme_names(scheme: Scheme) -> bool:
    """Whether a scheme can name objects: an attribute only when unique, as DHIS2's
    `getByUniqueAttributeValue` (a non-unique attribute names nothing)."""
    if isinstance(scheme, AttributeScheme):
        attribute = attribute_get(scheme.attribute)
        return attribute is not None and attribute.unique
    return True


def _accepted_number(text: str, indicator: Indicator) -> Decimal | None:
    """The number a value's text gives, or None when `_Resolver._value` refuses it."""
    if not NUMBER.fullmatch(text):
        return None
    value = Decimal(text)
    return None if check_value(indicator, value) else value


# The raw values of the set-wise path, staged as the file writes them.
RAW = "exchange_stage_raw"
RAW_COLUMNS = (
    ("idx", "bigint"),
    ("de", "text"),
    ("pe", "text"),
    ("ou", "text"),
    ("coc", "text"),
    ("aoc", "text"),
    ("raw_value", "text"),
    ("comment", "text"),
    ("follow_up", "boolean"),
    ("deleted", "boolean"),
    ("extra", "text"),
)
STAGED = tuple(name for name, _ in RAW_COLUMNS)
# The import's own refusals in the stage (the write's are `data.setwise.PROBLEMS`).
RESOLVED, BREAKDOWN = "resolve", "breakdown"
# A part of the file: staged, resolved and filled while a thread reads the next one.
PART = 25_000
PART_TABLE = "exchange_stage_part"


def _setwise_import(
    resolver: _Resolver,
    raws: Iterator[RawValue],
    *,
    actor: Actor,
    atomic: bool,
    progress: Callable[[int], None] | None,
    read_thread: bool = False,
) -> BulkResult:
    """Stage the raw values, resolve and check them in SQL, write them by `staged_write`.

    The file is staged a part at a time (`PART` values): each part is copied in, its new
    identifiers and value texts resolved, and its rows filled into the stage, while a thread
    reads the next part (`read_ahead`, with `read_thread`: never in a web process): parsing
    runs beside the database's work.

    Conflicts are the per-value path's: a row the statements refuse is resolved again by
    `_Resolver.resolve`, which records the same conflict with the same words (conflicts
    are few; the values that pass never go through Python one by one).
    """
    summary = resolver.summary
    stage_create()
    helper_table(RAW, RAW_COLUMNS, ())
    helper_table(PART_TABLE, RAW_COLUMNS, ())
    maps: _Maps | None = None
    copied = connection.vendor == "postgresql"
    finish = _copy_text if copied else _no_text
    for count, part, text in read_ahead(raws, PART, _raw_row, finish, read_thread):
        summary.read += count
        if resolver.on_read is not None:
            resolver.on_read(count)
        stage_rows(PART_TABLE, STAGED, part, text)
        del part, text
        if maps is None:
            resolver.start()  # the file's header is read by now
            maps = _Maps(resolver)
        maps.add()
        _part_fill(maps)
    if maps is None:  # an empty file
        resolver.start()
        maps = _Maps(resolver)
    stage_filled()
    _stage_breakdowns(resolver)
    _stage_conflicts(resolver)
    chosen = resolver.strategy
    result = staged_write(
        actor=actor,
        source="import",
        atomic=atomic,
        progress=progress,
        create=chosen != Strategy.UPDATE,
        update=chosen != Strategy.CREATE,
    )
    if atomic and result.problems:
        raise BulkRejected(result)
    stage_drop()
    return result


def _raw_row(raw: RawValue) -> tuple[Any, ...]:
    """A raw value as the stage's raw columns (`RAW_COLUMNS`) take it."""
    return (
        raw.index,
        raw.data_element,
        raw.period,
        raw.org_unit,
        raw.category_option_combo,
        raw.attribute_option_combo,
        raw.value,
        raw.comment,
        raw.follow_up,
        raw.deleted,
        raw.extra,
    )


Part = tuple[int, list[tuple[Any, ...]], bytes | None]  # its size, its rows or its text


def _no_text(rows: list[tuple[Any, ...]]) -> Part:
    return len(rows), rows, None


NULL_MARK = "\ue000"  # a NULL while a part's text is written (a private-use character)
COPY_ESCAPED = ("\\", "\r", "\x00", "\b", "\v", "\f")


def _copy_text(rows: list[tuple[Any, ...]]) -> Part:
    """A part of raw rows (`_raw_row`) in COPY's text format, written by the reading thread:
    the caller's COPY then sends it at once (row by row, psycopg's formatting held the
    interpreter against the reading thread), and the rows are let go (the text is smaller).
    A part with a tab, a line break, a backslash or another escaped character anywhere, a
    header's default that is not text, or text UTF-8 cannot write, keeps its rows and no
    text: psycopg writes it row by row, as before (its words if it refuses).
    """
    nulls = 0
    lines = []
    for idx, de, pe, ou, coc, aoc, value, comment, follow_up, deleted, extra in rows:
        if type(pe) is not str or type(ou) is not str or type(aoc) is not str:
            return len(rows), rows, None  # a header's default of another type (JSON)
        if value is None:
            value = NULL_MARK
            nulls += 1
        lines.append(
            f"{idx}\t{de}\t{pe}\t{ou}\t{coc}\t{aoc}\t{value}\t{comment}\t"
            f"{'t' if follow_up else 'f'}\t{'t' if deleted else 'f'}\t{extra}\n"
        )
    text = "".join(lines)
    if (
        text.count("\t") != 10 * len(rows)
        or text.count("\n") != len(rows)
        or text.count(NULL_MARK) != nulls
        or any(mark in text for mark in COPY_ESCAPED)
    ):
        return len(rows), rows, None
    del lines
    try:
        return len(rows), [], (text.replace(NULL_MARK, "\\N") if nulls else text).encode()
    except UnicodeEncodeError:  # a lone surrogate (JSON's "\ud800")
        return len(rows), rows, None


def _sql(sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return list(cursor.fetchall()) if cursor.description else []


class _Maps:
    """What the file's identifiers and value texts are, as small tables the stage's fill
    joins: `exchange_stage_de` (dataElement to indicator), `exchange_stage_place` (orgUnit
    and period to unit and period ids), `exchange_stage_num` (dataElement and value text to
    the number, NULL when refused). Python sees each distinct key once, never a row.

    Grown a part of the file at a time (`add`): the database says which of the part's keys
    are new (by the tables' indexes), so that this process holds a part's keys, not the
    file's (a file of one value per chi hội and month has as many places as values). A
    table is analysed again once it has doubled, so that the fill's plan follows its size.
    """

    def __init__(self, resolver: _Resolver) -> None:
        self.resolver = resolver
        self.deleting = resolver.strategy == Strategy.DELETE
        helper_table(
            "exchange_stage_de",
            (("key", "text"), ("indicator_id", "bigint")),
            ((key, i.pk) for key, i in resolver.indicators.items() if not i.formula),
        )
        helper_table(
            "exchange_stage_place",
            (("ou", "text"), ("pe", "text"), ("period_id", "bigint"), ("unit_id", "bigint")),
            (),
        )
        helper_table(
            "exchange_stage_num", (("de", "text"), ("raw_value", "text"), ("num", "numeric")), ()
        )
        _sql("CREATE INDEX exchange_stage_place_key ON exchange_stage_place (ou, pe)")
        _sql("CREATE INDEX exchange_stage_num_key ON exchange_stage_num (de, raw_value)")
        self.rows = {"exchange_stage_place": 0, "exchange_stage_num": 0}
        self.analysed = dict(self.rows)

    def add(self) -> None:
        """The staged part's keys not seen before, resolved and added to the tables."""
        resolver = self.resolver
        pairs = _sql(
            f"SELECT DISTINCT r.ou, r.pe FROM {PART_TABLE} r WHERE NOT EXISTS "  # noqa: S608
            "(SELECT 1 FROM exchange_stage_place p WHERE p.ou = r.ou AND p.pe = r.pe)"
        )
        found = {pe: resolver._period(pe) for pe in {pe for _, pe in pairs}}
        periods = {code: p for code, p in found.items() if isinstance(p, Period)}
        resolver.units_prefetch({ou for ou, pe in pairs if pe in periods})
        places = []
        for ou, pe in sorted(pairs):
            period = periods.get(pe)
            unit = resolver._unit(ou, period) if period is not None else None
            places.append(
                (
                    ou,
                    pe,
                    period.pk if period is not None else None,
                    unit[0] if unit is not None and unit != FORBIDDEN else None,
                )
            )
        self._grow("exchange_stage_place", ("ou", "pe", "period_id", "unit_id"), places)
        if self.deleting:
            return
        texts = _sql(
            f"SELECT DISTINCT r.de, r.raw_value FROM {PART_TABLE} r "  # noqa: S608
            "WHERE r.raw_value IS NOT NULL AND NOT r.deleted AND NOT EXISTS (SELECT 1 FROM "
            "exchange_stage_num n WHERE n.de = r.de AND n.raw_value = r.raw_value)"
        )
        indicators = resolver.indicators
        numbers = [
            (de, text, _accepted_number(text, indicators[de]))
            for de, text in sorted(texts)
            if de in indicators
        ]
        self._grow("exchange_stage_num", ("de", "raw_value", "num"), numbers)

    def _grow(self, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        stage_rows(table, columns, rows)
        self.rows[table] += len(rows)
        if self.rows[table] >= 2 * self.analysed[table]:
            stage_analyze(table)
            self.analysed[table] = self.rows[table]


def _part_fill(maps: _Maps) -> None:
    """The staged part's rows into the stage, resolved and classified in one statement
    (identifiers to ids, texts to numbers; refused rows get `kind` RESOLVED), then kept
    in the raw table (for the conflicts' words) and the part emptied for the next one."""
    resolver = maps.resolver
    deleting = maps.deleting
    chosen = resolver.strategy
    marks = ", ".join("%s" for _ in DEFAULT_COC_NAMES)
    number = "CAST(NULL AS numeric)" if deleting else "CASE WHEN r.deleted THEN NULL ELSE n.num END"
    empty = "FALSE" if deleting else "(r.raw_value IS NULL AND NOT r.deleted)"
    stage_fill(
        f"SELECT r.idx, p.unit_id, d.indicator_id, p.period_id, {number} AS num, "  # noqa: S608
        "r.comment, r.follow_up, CASE "
        f"WHEN r.extra <> '' OR r.coc NOT IN ({marks}) OR r.aoc NOT IN ({marks}) "
        "OR d.indicator_id IS NULL OR p.unit_id IS NULL THEN %s "
        f"WHEN r.raw_value IS NOT NULL AND NOT {'TRUE' if deleting else 'r.deleted'} "
        "AND n.num IS NULL THEN %s END AS kind, "
        f"{empty} AS empty "
        f"FROM {PART_TABLE} r LEFT JOIN exchange_stage_de d ON d.key = r.de "
        "LEFT JOIN exchange_stage_place p ON p.ou = r.ou AND p.pe = r.pe "
        "LEFT JOIN exchange_stage_num n ON n.de = r.de AND n.raw_value = r.raw_value",
        [*DEFAULT_COC_NAMES, *DEFAULT_COC_NAMES, RESOLVED, RESOLVED],
        create=chosen != Strategy.UPDATE,
        update=chosen != Strategy.CREATE,
        empty_kind=RESOLVED,
        analyze=False,
    )
    _sql(f"INSERT INTO {RAW} SELECT * FROM {PART_TABLE}")  # noqa: S608
    _sql(
        f"TRUNCATE {PART_TABLE}"
        if connection.vendor == "postgresql"
        else f"DELETE FROM temp.{PART_TABLE}"  # noqa: S608
    )


def _stage_breakdowns(resolver: _Resolver) -> None:
    """ "Of which" values larger than their parent's in the same chunk of the file (the
    last parent value given there, as the per-value path reads a chunk at a time).

    Only the rows of indicators with a parent are looked at, by joins (no row is looked
    up one by one); a file without them costs one small query.
    """
    children = [
        (i.pk, i.parent_id) for i in resolver.indicators.values() if i.parent_id is not None
    ]
    if not children:
        return
    helper_table(
        "exchange_stage_parent", (("indicator_id", "bigint"), ("parent_id", "bigint")), children
    )
    chunk = f"/ {CHECK_CHUNK}"
    helper_table("exchange_stage_over", (("idx", "bigint"), ("parent", "numeric")), ())
    _sql(
        "INSERT INTO exchange_stage_over (idx, parent) "  # noqa: S608
        f"SELECT c.idx, p.num FROM {STAGE} c "
        "JOIN exchange_stage_parent m ON m.indicator_id = c.indicator_id "
        f"JOIN (SELECT unit_id, period_id, indicator_id, idx {chunk} AS part, MAX(idx) AS last "
        f"FROM {STAGE} WHERE kind IS NULL AND indicator_id IN "
        "(SELECT parent_id FROM exchange_stage_parent) "
        f"GROUP BY unit_id, period_id, indicator_id, idx {chunk}) AS l "
        "ON l.unit_id = c.unit_id AND l.period_id = c.period_id "
        f"AND l.indicator_id = m.parent_id AND l.part = c.idx {chunk} "
        f"JOIN {STAGE} p ON p.idx = l.last "
        "WHERE c.kind IS NULL AND c.num IS NOT NULL AND p.num IS NOT NULL AND c.num > p.num"
    )
    _sql(
        f"UPDATE {STAGE} SET kind = %s, action = NULL, detail = CAST(o.parent AS text) "  # noqa: S608
        f"FROM exchange_stage_over o WHERE o.idx = {STAGE}.idx",
        [BREAKDOWN],
    )


def _stage_conflicts(resolver: _Resolver) -> None:
    """The summary's conflicts for the rows refused while resolving, as the per-value path
    records them (a chunk's refusals, then its "of which" ones)."""
    columns = ", ".join(f"r.{name}" for name in STAGED)
    rows = _sql(
        f"SELECT {columns}, s.kind, s.indicator_id, s.num, s.detail FROM {STAGE} s "  # noqa: S608
        f"JOIN {RAW} r ON r.idx = s.idx WHERE s.kind IN (%s, %s) "
        f"ORDER BY s.idx / {CHECK_CHUNK}, CASE WHEN s.kind = %s THEN 1 ELSE 0 END, s.idx",
        [RESOLVED, BREAKDOWN, BREAKDOWN],
    )
    indicators = {i.pk: i for i in resolver.indicators.values()}
    for row in rows:
        raw = RawValue(
            index=row[0],
            data_element=row[1],
            period=row[2],
            org_unit=row[3],
            category_option_combo=row[4],
            attribute_option_combo=row[5],
            value=row[6],
            comment=row[7],
            follow_up=bool(row[8]),
            deleted=bool(row[9]),
            extra=row[10],
        )
        kind, indicator_id, num, detail = row[11:]
        if kind == BREAKDOWN:
            resolver.breakdown_conflict(
                raw, indicators[indicator_id], decimal(num) or ZERO, Decimal(detail)
            )
        elif resolver.resolve(raw) is not None:
            raise AssertionError(f"the set-wise path refused value {raw.index} alone")


def _value_type(indicator: Indicator) -> str:
    """DHIS2's English words for a value that does not fit the indicator's value type."""
    if indicator.value_type in COUNT_TYPES:
        return "Value must be zero or a positive integer"
    if indicator.value_type == ValueType.PERCENT:
        return "Data value is not a percentage"
    return "Data value is not a zero or positive number"


def datavalueset_import(
    *,
    stream: IO[bytes],
    format: Format | str,
    id_scheme: Scheme | str | None = None,
    data_element_id_scheme: Scheme | str | None = None,
    org_unit_id_scheme: Scheme | str | None = None,
    dry_run: bool = False,
    strategy: Strategy | str = Strategy.CREATE_AND_UPDATE,
    atomic: bool = True,
    actor: Actor,
    progress: Callable[[int], None] | None = None,
    chunk_size: int = 50_000,
    unit_allowed: Callable[[Unit], bool] | None = None,
    on_read: Callable[[int], None] | None = None,
    setwise: bool | None = None,
    read_thread: bool = False,
) -> ImportSummary:
    """Import a dataValueSet from a binary stream; return DHIS2's import summary.

    As DHIS2, the payload's own options (`dryRun`, `importStrategy`, `idScheme`,
    `dataElementIdScheme`, `orgUnitIdScheme` on the XML root or JSON top level) win over
    those given here, which win over UID. `strategy` is DHIS2's importStrategy. With
    `atomic` (atomicMode ALL) any conflict leaves the database untouched (status ERROR);
    without it the values in conflict are ignored and the others written (status WARNING).
    `dry_run` does everything but commit. A malformed file (or an XML entity bomb) is an
    ERROR and writes nothing. `progress(n)` is told of every n values written, `on_read(n)`
    of every n values read; `chunk_size` values are written at a time (memory use follows
    it, not the size of the file). `unit_allowed(unit)` says whether the user may change the
    unit's data (the API passes the access helper): a unit refused is DHIS2's conflict
    E7617 (not in the user's hierarchy); its data stays invisible.

    A payload of `SETWISE_FROM` values or more goes the set-wise way (`_setwise_import`:
    staged, checked and written in SQL), a smaller one value by value; `setwise` forces
    one or the other. Both give the same summary and write the same rows.
    `read_thread`: the set-wise path reads the file in a thread while the database works
    (the worker's jobs and the commands pass it; a web process starts no thread).
    """
    fmt = Format(format)
    chosen = strategy_parse(str(strategy))
    summary = ImportSummary(dry_run=dry_run, strategy=chosen, atomic=atomic)
    try:
        reader = reader_for(fmt, inflated(stream))
    except ReadError as error:
        summary.malformed = True
        summary.conflict(fmt.value, str(error))
        return _refused(summary, str(error), _read_error_english(error))
    resolver = _Resolver(
        reader=reader,
        summary=summary,
        strategy=chosen,
        # As DHIS2's ADX import (`setDefaultIdScheme(CODE)`): ADX names things by code.
        id_scheme=scheme_parse(id_scheme) or (IdScheme.CODE if fmt == Format.ADX else None),
        data_element_id_scheme=scheme_parse(data_element_id_scheme),
        org_unit_id_scheme=scheme_parse(org_unit_id_scheme),
        unit_allowed=unit_allowed,
        on_read=on_read,
        user_name=getattr(actor, "username", "") or "",
    )
    result = BulkResult()
    try:
        with transaction.atomic():
            raws = iter(reader)
            head = list(islice(raws, SETWISE_FROM))
            if setwise if setwise is not None else len(head) >= SETWISE_FROM:
                result = _setwise_import(
                    resolver,
                    chain(head, raws),
                    actor=actor,
                    atomic=atomic,
                    progress=progress,
                    read_thread=read_thread,
                )
            else:
                values = resolver.values(chain(head, raws))
                # The first chunk is read before writing: the payload's own options (dryRun,
                # importStrategy, id schemes on the root) are known by then.
                first = list(islice(values, 1))
                chosen = resolver.strategy
                result = datavalues_import(
                    values=chain(first, values),
                    actor=actor,
                    source="import",
                    create=chosen != Strategy.UPDATE,
                    update=chosen != Strategy.CREATE,
                    progress=progress,
                    chunk_size=chunk_size,
                    atomic=atomic,
                )
            _conflicts_add(summary, result.problems, resolver)
            if summary.dry_run or (atomic and summary.conflict_count):
                raise _Rollback
            if not is_system(actor):
                _complete(resolver, actor)
    except _Rollback:
        pass
    except ReadError as error:
        summary.malformed = True
        summary.conflict(fmt.value, str(error))
        return _refused(summary, str(error), _read_error_english(error))
    except BulkRejected as rejected:
        _conflicts_add(summary, rejected.result.problems, resolver)
        return _refused(summary, str(rejected), "Import process was aborted (atomicMode=ALL)")
    summary.imported, summary.updated = result.imported, result.updated
    if summary.dry_run:
        # DHIS2's dry run counts a repeated new key's later values as imported (its batch
        # handler, which drops them, is not called).
        summary.imported += result.dropped
    summary.deleted, summary.ignored = result.deleted, result.ignored
    if summary.conflict_count:
        if atomic:
            return _refused(
                summary,
                "Có xung đột: không ghi giá trị nào (atomicMode=ALL).",
                "Import process was aborted: conflicts and atomicMode=ALL",
            )
        summary.ignored += summary.conflict_count
        summary.status = "WARNING"  # as DHIS2, even when every value was in conflict
        summary.description = "Đã nhập các giá trị hợp lệ; các giá trị có xung đột bị bỏ qua."
        summary.description_en = "Import process completed successfully"
    else:
        summary.description = (
            "Nhập thử: không ghi giá trị nào." if summary.dry_run else "Đã nhập xong."
        )
        summary.description_en = "Import process completed successfully"
    return summary


def _completion_day(text: str) -> dt.date | None:
    """DHIS2's `completeDate`: a day (a later one is today), `true` (today) or `false`/empty
    (None), as `DefaultDataValueSetService.getCompletionDate`."""
    text = text.strip().lower()
    if not text or text == "false":
        return None
    today = timezone.localdate()
    if text == "true":
        return today
    try:
        return min(dt.date.fromisoformat(text[:10]), today)
    except ValueError:
        raise ReadError(f"completeDate “{text}” không phải là ngày hợp lệ (yyyy-MM-dd).") from None


def _complete(resolver: _Resolver, user: Any) -> None:
    """A header's `completeDate` with its `dataSet`, `period` and `orgUnit` submits that report
    once the values are written (phongtrao's complete registration: submitting locks the
    values, so it comes after them; DHIS2 registers first). `dataSetComplete` says the day."""
    header, summary = resolver.reader.header, resolver.summary
    day = _completion_day(header.get("completeDate", ""))
    keys = [header.get(name, "").strip() for name in ("dataSet", "period", "orgUnit")]
    if day is None or not all(keys):
        return
    form_key, period_code, unit_key = keys
    scheme = scheme_parse(header.get("dataSetIdScheme")) or resolver.id_scheme
    attribute_scheme_check(scheme)
    form = (
        Form.objects.filter(**{scheme_lookup(scheme): form_key}).first()
        if scheme_names(scheme)
        else None
    )
    period = resolver.period_of(period_code)
    unit = resolver.unit_of(unit_key, period) if isinstance(period, Period) else None
    if form is None or unit is None or not isinstance(period, Period):
        summary.conflict(
            form_key,
            "Không đánh dấu hoàn thành được: không tìm thấy biểu mẫu, kỳ hoặc đơn vị ở đầu tệp.",
            code="E7600",
            english=f"Data set, period or org unit of the completion not found: {form_key}",
        )
        return
    # DHIS2 registers the completion at the start of the day given (server time); a report
    # already registered is re-dated (`handleComplete`), whatever its approval.
    moment = dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())
    sent = Submission.objects.filter(
        form=form, unit=unit, period=period, status__in=LOCKED_STATUSES
    ).exists()
    service = submission_redate if sent else submission_submit
    try:
        service(form=form, unit=unit, period=period, user=user, submitted_at=moment)
    except (ValidationError, PermissionDenied) as error:
        text = "; ".join(getattr(error, "messages", [str(error)]))
        summary.conflict(form_key, f"Không gửi được báo cáo (completeDate): {text}")
        return
    summary.data_set_complete = day.isoformat()


def _read_error_english(error: ReadError) -> str:
    english = getattr(error, "english", "")
    return english or "The import process failed: " + str(error)


def _conflicts_add(
    summary: ImportSummary, problems: Iterable[BulkProblem], resolver: _Resolver
) -> None:
    """The bulk write's refused values as the summary's conflicts (DHIS2's codes, objects
    and row index): a locked period (E7640) is the period's and its data set's, data
    already sent (E7642) the unit's (as the payload named it), period's, attribute option
    combination's and data set's; the others are the data element's."""
    names = _LockNames(resolver)
    for problem in problems:
        item = problem.item
        if problem.code in ("E7640", "E7642"):
            form = names.form(item)
            objects: tuple[str, ...] = (item.period.code, form)
            if problem.code == "E7642":
                objects = (names.unit(item.unit_id), item.period.code, DEFAULT_COC_UID, form)
        else:
            objects = (item.indicator.uid,)
        summary.conflict(
            objects[0],
            problem.reason,
            problem.index,
            code=problem.code,
            english=_problem_english(problem, objects),
            others=objects[1:],
        )


class _LockNames:
    """The names a lock conflict gives: the unit as the payload wrote it, and the form
    (DHIS2's data set) that locks the value, read once per unit and period."""

    def __init__(self, resolver: _Resolver) -> None:
        self.resolver = resolver
        self.keys: dict[int, str] | None = None
        self.forms: dict[tuple[int, int], dict[int, str]] = {}

    def unit(self, unit_id: int) -> str:
        if self.keys is None:
            self.keys = {}
            for (key, _), found in self.resolver.units.items():
                if found and found != FORBIDDEN:
                    self.keys.setdefault(found[0], key)
        if unit_id not in self.keys:
            self.keys[unit_id] = Unit.objects.filter(pk=unit_id).values_list("uid", flat=True)[0]
        return self.keys[unit_id]

    def form(self, item: BulkValue) -> str:
        place = (item.unit_id, item.period.pk)
        if place not in self.forms:
            locked = Submission.objects.filter(
                unit_id=item.unit_id, period=item.period, status__in=LOCKED_STATUSES
            ).values_list("form__formindicator__indicator_id", "form__uid")
            forms = {indicator: uid for indicator, uid in locked if indicator is not None}
            for indicator, uid in Form.objects.filter(
                period_type=item.period.period_type, deadline_days__gt=0
            ).values_list("formindicator__indicator_id", "uid"):
                if indicator is not None:
                    forms.setdefault(indicator, uid)
            self.forms[place] = forms
        return self.forms[place].get(item.indicator.pk, "")


def _problem_english(problem: BulkProblem, objects: tuple[str, ...]) -> str:
    """DHIS2's English message of a value refused while writing."""
    item = problem.item
    if problem.code in ("E7640", "E7642", "E7610"):
        return conflict_english(problem.code, *objects)
    return conflict_english("E7619", item.indicator.uid, problem.reason)


def _refused(summary: ImportSummary, description: str, english: str) -> ImportSummary:
    """Nothing was written: every value read counts as ignored."""
    summary.status = "ERROR"
    summary.description = description
    summary.description_en = english
    summary.imported = summary.updated = summary.deleted = 0
    summary.ignored = summary.read
    return summary
