"""Streaming readers of DHIS2 dataValueSets (JSON, XML, CSV) and ADX.

Each reader yields one `RawValue` at a time and keeps nothing of the values it has
yielded, so a file of a million values is read in constant memory. Identifiers are left as
written: the import service resolves them. Header defaults (`dataSet`, `period`, `orgUnit`,
`attributeOptionCombo` on the root) are applied to the values that lack them, and the header's
identifier schemes (`idScheme`, `dataElementIdScheme`, `orgUnitIdScheme`) are kept in
`Reader.header` for the service, filled before the first value is yielded.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any
from xml.etree.ElementTree import Element, ParseError

import ijson
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from phongtrao import periods
from phongtrao.exchange.formats import Format

TRUE_WORDS = {"true", "1", "yes", "y", "t"}

# DHIS2's column order for a CSV without header.
CSV_COLUMNS = (
    "dataelement",
    "period",
    "orgunit",
    "categoryoptioncombo",
    "attributeoptioncombo",
    "value",
    "storedby",
    "lastupdated",
    "comment",
    "followup",
    "deleted",
)
CSV_ALIASES = {
    "de": "dataelement",
    "data_element": "dataelement",
    "pe": "period",
    "ou": "orgunit",
    "org_unit": "orgunit",
    "catoptcombo": "categoryoptioncombo",
    "coc": "categoryoptioncombo",
    "attroptcombo": "attributeoptioncombo",
    "aoc": "attributeoptioncombo",
    "timestamp": "lastupdated",
}

ADX_GROUP_KEYS = {"dataSet", "period", "orgUnit", "attributeOptionCombo", "completeDate"}
ADX_VALUE_KEYS = {"dataElement", "value", "categoryOptionCombo"}


class ReadError(Exception):
    """The file cannot be read as the format says (message in Vietnamese)."""


@dataclass(slots=True)
class RawValue:
    """One value as the file writes it; `extra` names disaggregations phongtrao does not keep."""

    index: int
    data_element: str
    period: str
    org_unit: str
    category_option_combo: str = ""
    attribute_option_combo: str = ""
    value: str | None = None
    comment: str = ""
    follow_up: bool = False
    deleted: bool = False
    extra: str = ""


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return _text(value).lower() in TRUE_WORDS


def _value(value: Any) -> str | None:
    """The value as text; None when absent or empty (DHIS2: a deletion or a missing value)."""
    if value is None:
        return None
    text = _text(value)
    return text or None


class Reader:
    """Base of the readers: iterate to get the values; `header` holds the root's attributes."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.header: dict[str, str] = {}

    def __iter__(self) -> Iterator[RawValue]:
        raise NotImplementedError

    def _make(self, index: int, item: dict[str, Any]) -> RawValue:
        """A RawValue from DHIS2's JSON/XML keys, header defaults filled in."""
        header = self.header
        follow = item.get("followup", item.get("followUp"))
        return RawValue(
            index=index,
            data_element=_text(item.get("dataElement")),
            period=_text(item.get("period")) or header.get("period", ""),
            org_unit=_text(item.get("orgUnit")) or header.get("orgUnit", ""),
            category_option_combo=_text(item.get("categoryOptionCombo")),
            attribute_option_combo=_text(item.get("attributeOptionCombo"))
            or header.get("attributeOptionCombo", ""),
            value=_value(item.get("value")),
            comment=_text(item.get("comment")),
            follow_up=_flag(follow),
            deleted=_flag(item.get("deleted")),
        )


class JsonReader(Reader):
    """dataValueSet JSON, read event by event with ijson (a bare array of values works too).

    Header keys written after `dataValues` come too late to be defaults (DHIS2 writes them
    first).
    """

    def __iter__(self) -> Iterator[RawValue]:
        index = 0
        item: dict[str, Any] | None = None
        key = ""
        try:
            for prefix, event, value in ijson.parse(self.stream, use_float=False):
                if item is not None:
                    if event == "map_key":
                        key = value
                    elif event == "end_map" and prefix in ("dataValues.item", "item"):
                        yield self._make(index, item)
                        index += 1
                        item = None
                    elif event in ("start_map", "start_array"):
                        raise ReadError(
                            f"Giá trị thứ {index + 1}: trường “{key}” phải là một giá trị đơn."
                        )
                    else:
                        item[key] = value
                elif event == "start_map" and prefix in ("dataValues.item", "item"):
                    item = {}
                elif prefix and "." not in prefix and event in ("string", "number", "boolean"):
                    self.header[prefix] = _text(value)
        except ijson.JSONError as error:
            raise ReadError(f"Tệp JSON không hợp lệ: {error}") from None


def _local(tag: Any) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _xml_events(stream: IO[bytes]) -> Iterator[tuple[str, Element]]:
    """Parse events, with DTDs and entities refused (no entity bomb, no external fetch)."""
    try:
        yield from iterparse(
            stream,
            events=("start", "end"),
            forbid_dtd=True,
            forbid_entities=True,
            forbid_external=True,
        )
    except DefusedXmlException as error:
        raise ReadError(
            f"Tệp XML bị từ chối vì khai báo DTD hoặc thực thể (entity), có thể gây hại: {error!r}"
        ) from None
    except ParseError as error:
        raise ReadError(f"Tệp XML không hợp lệ: {error}") from None


class XmlReader(Reader):
    """dataValueSet XML (namespace http://dhis2.org/schema/dxf/2.0), read with defusedxml."""

    def __iter__(self) -> Iterator[RawValue]:
        index = 0
        root: Element | None = None
        for event, element in _xml_events(self.stream):
            name = _local(element.tag)
            if root is None:
                if name != "dataValueSet":
                    raise ReadError(f"Phần tử gốc phải là <dataValueSet>, không phải <{name}>.")
                root = element
                self.header = dict(element.attrib)
            elif event == "end" and name == "dataValue":
                item: dict[str, Any] = dict(element.attrib)
                for child in element:  # old DHIS2 files put comment/value in child elements
                    item.setdefault(_local(child.tag), child.text)
                yield self._make(index, item)
                index += 1
                root.clear()  # keep no value in memory


class AdxReader(Reader):
    """ADX (namespace urn:ihe:qrph:adx:2015): groups of values with ISO-interval periods.

    A category written as an attribute (sex="F") or a category option combo is a
    disaggregation phongtrao does not keep: it goes to `extra` and the service refuses it.
    """

    def __iter__(self) -> Iterator[RawValue]:
        index = 0
        root: Element | None = None
        group: dict[str, str] = {}
        group_element: Element | None = None
        group_extra = ""
        for event, element in _xml_events(self.stream):
            name = _local(element.tag)
            if root is None:
                if name != "adx":
                    raise ReadError(f"Phần tử gốc phải là <adx>, không phải <{name}>.")
                root = element
                self.header = dict(element.attrib)
            elif event == "start" and name == "group":
                group_element = element
                group = dict(element.attrib)
                group_extra = _extra(group, ADX_GROUP_KEYS)
                period = group.get("period", "")
                try:
                    group["period"] = periods.from_adx(period)
                except periods.PeriodError:
                    group["period"] = period  # the service names the bad period
            elif event == "end" and name == "dataValue":
                attrs = dict(element.attrib)
                comment = ""
                for child in element:
                    if _local(child.tag) == "annotation":
                        comment = (child.text or "").strip()
                extra = ", ".join(x for x in (_extra(attrs, ADX_VALUE_KEYS), group_extra) if x)
                yield RawValue(
                    index=index,
                    data_element=_text(attrs.get("dataElement")),
                    period=group.get("period", ""),
                    org_unit=_text(group.get("orgUnit")),
                    category_option_combo=_text(attrs.get("categoryOptionCombo")),
                    attribute_option_combo=_text(group.get("attributeOptionCombo")),
                    value=_value(attrs.get("value")),
                    comment=comment,
                    extra=extra,
                )
                index += 1
                if group_element is not None:
                    group_element.clear()  # a group may hold a million values: keep none
            elif event == "end" and name == "group":
                root.clear()


def _extra(attrs: dict[str, str], known: set[str]) -> str:
    return ", ".join(f'{k}="{v}"' for k, v in attrs.items() if k not in known)


class CsvReader(Reader):
    """dataValueSet CSV, with a header row or in DHIS2's column order without one."""

    def __iter__(self) -> Iterator[RawValue]:
        stream = self.stream
        if not isinstance(stream, io.IOBase):  # e.g. an HTTP request: anything with read()
            stream = io.BufferedReader(_Counting(stream, _ignore))
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
        try:
            rows = csv.reader(text)
            columns: tuple[str, ...] = CSV_COLUMNS
            index = 0
            for line, row in enumerate(rows, start=1):
                if not row or not any(cell.strip() for cell in row):
                    continue
                if line == 1 and _is_header(row):
                    columns = tuple(_column(cell) for cell in row)
                    continue
                cells = dict(zip(columns, row, strict=False))
                yield RawValue(
                    index=index,
                    data_element=cells.get("dataelement", "").strip(),
                    period=cells.get("period", "").strip(),
                    org_unit=cells.get("orgunit", "").strip(),
                    category_option_combo=cells.get("categoryoptioncombo", "").strip(),
                    attribute_option_combo=cells.get("attributeoptioncombo", "").strip(),
                    value=_value(cells.get("value")),
                    comment=cells.get("comment", "").strip(),
                    follow_up=_flag(cells.get("followup")),
                    deleted=_flag(cells.get("deleted")),
                )
                index += 1
        except (csv.Error, UnicodeDecodeError) as error:
            raise ReadError(f"Tệp CSV không hợp lệ: {error}") from None
        finally:
            text.detach()  # the caller owns the stream


def _column(cell: str) -> str:
    name = cell.strip().lower()
    return CSV_ALIASES.get(name, name)


def _is_header(row: list[str]) -> bool:
    return _column(row[0]) == "dataelement"


READERS: dict[Format, type[Reader]] = {
    Format.JSON: JsonReader,
    Format.XML: XmlReader,
    Format.CSV: CsvReader,
    Format.ADX: AdxReader,
}


def reader_for(format: Format, stream: IO[bytes]) -> Reader:
    """The streaming reader of `format` over a binary stream."""
    return READERS[format](stream)


class _Counting(io.RawIOBase):
    def __init__(self, raw: IO[bytes], callback: Callable[[int], None]) -> None:
        self.raw = raw
        self.callback = callback

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.raw.read(len(buffer))
        size = len(data)
        buffer[:size] = data
        if size:
            self.callback(size)
        return size


def _ignore(size: int) -> None:
    pass


def stream_with_progress(stream: IO[bytes], callback: Callable[[int], None]) -> IO[bytes]:
    """`stream`, telling `callback` how many bytes each read took (for a progress bar)."""
    return io.BufferedReader(_Counting(stream, callback), buffer_size=1 << 16)
