"""Streaming readers of DHIS2 dataValueSets (JSON, XML, CSV) and ADX.

Each reader yields one `RawValue` at a time and keeps nothing of the values it has
yielded, so a file of a million values is read in constant memory. Identifiers are left as
written: the import service resolves them. Header defaults (`dataSet`, `period`, `orgUnit`,
`attributeOptionCombo` on the root) are applied to the values that lack them, and the header's
identifier schemes (`idScheme`, `dataElementIdScheme`, `orgUnitIdScheme`) are kept in
`Reader.header` for the service, filled before the first value is yielded.

Every reader is bounded before it builds anything (`Limits`): nesting depth, keys or
attributes per value, characters per field, cells and characters per CSV line, and values
per file. The JSON reader takes ijson's basic events and counts the depth itself, so a file of
`[` × 100 000 is refused at the 17th bracket instead of building ijson's prefixes, whose cost
grows with the square of the depth. The XML readers count the depth on expat's events and clear
every element once read, whatever its name. Memory therefore follows the limits, not the file.
"""

from __future__ import annotations

import csv
import io
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from typing import IO, Any
from xml.etree.ElementTree import Element, ParseError
from xml.parsers import expat
from xml.parsers.expat import ExpatError

import ijson
from defusedxml import DefusedXmlException
from defusedxml.common import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import iterparse
from django.db import connections

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
    # The short names of DHIS2's documentation (the CSV data value format).
    "cmt": "comment",
    "strby": "storedby",
    "lstupd": "lastupdated",
    "flwup": "followup",
}

ADX_GROUP_KEYS = {"dataSet", "period", "orgUnit", "attributeOptionCombo", "completeDate"}
ADX_VALUE_KEYS = {"dataElement", "value", "categoryOptionCombo"}


class ReadError(Exception):
    """The file cannot be read as the format says (message in Vietnamese)."""


@dataclass(frozen=True, slots=True)
class Limits:
    """What a reader accepts before refusing the file (settings: `EXCHANGE_READER_LIMITS`).

    A dataValueSet needs a depth of 3 (JSON) or 3 (XML/ADX) and a dozen keys per value: the
    defaults leave room for what DHIS2 writes around the values and no more.
    """

    max_depth: int = 16  # nested objects/arrays (JSON) or elements (XML, ADX)
    max_keys: int = 64  # keys of one value or header, attributes or children of one element
    max_text: int = 50_000  # characters in one string, attribute, element text or CSV cell
    max_line: int = 200_000  # characters in one CSV line (a quoted cell may span lines)
    max_cells: int = 64  # cells in one CSV row
    max_values: int = 5_000_000  # values in one file

    @classmethod
    def from_settings(cls) -> Limits:
        """The defaults, with what `settings.EXCHANGE_READER_LIMITS` overrides."""
        from django.conf import settings

        given = getattr(settings, "EXCHANGE_READER_LIMITS", {}) or {}
        names = {f.name for f in fields(cls)}
        return cls(**{k: int(v) for k, v in given.items() if k in names})


def _too_deep(limits: Limits) -> ReadError:
    return ReadError(
        f"Tệp lồng nhau quá sâu (quá {limits.max_depth} cấp): tệp bị từ chối, "
        "không ghi giá trị nào."
    )


def _too_many_values(limits: Limits) -> ReadError:
    return ReadError(
        f"Tệp có quá {limits.max_values:,} giá trị".replace(",", ".")
        + ": hãy chia nhỏ tệp rồi nhập từng phần."
    )


def _check_text(text: str, limits: Limits, where: str) -> str:
    if len(text) > limits.max_text:
        raise ReadError(f"{where}: nội dung dài quá {limits.max_text:,} ký tự.".replace(",", "."))
    return text


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
    if type(value) is str:
        return value.strip()
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

    def __init__(self, stream: IO[bytes], limits: Limits | None = None) -> None:
        self.stream = stream
        self.header: dict[str, str] = {}
        self.limits = limits or Limits()

    def _count(self, index: int) -> None:
        """Refuse the value numbered `index` (from 0) when the file holds too many."""
        if index >= self.limits.max_values:
            raise _too_many_values(self.limits)

    def __iter__(self) -> Iterator[RawValue]:
        raise NotImplementedError

    def _make(self, index: int, item: dict[str, Any]) -> RawValue:
        """A RawValue from DHIS2's JSON/XML keys, header defaults filled in."""
        header = self.header
        get = item.get
        follow = get("followup", get("followUp"))
        value = get("value")
        return RawValue(
            index,
            _text(get("dataElement")),
            _text(get("period")) or header.get("period", ""),
            _text(get("orgUnit")) or header.get("orgUnit", ""),
            _text(get("categoryOptionCombo")),
            _text(get("attributeOptionCombo")) or header.get("attributeOptionCombo", ""),
            # As `_value`, inline for the common case of a number written as text.
            (value.strip() or None) if type(value) is str else _value(value),
            _text(get("comment")),
            False if follow is None else _flag(follow),
            False if (deleted := get("deleted")) is None else _flag(deleted),
        )


class JsonReader(Reader):
    """dataValueSet JSON, read event by event with ijson (a bare array of values works too).

    Header keys written after `dataValues` come too late to be defaults (DHIS2 writes them
    first). The path of the current event is kept here, depth-capped, rather than asking ijson
    for its prefixes (a string per event, as long as the depth).
    """

    def __iter__(self) -> Iterator[RawValue]:
        limits = self.limits
        max_keys, max_text = limits.max_keys, limits.max_text
        index = 0
        # One entry per open container: the current key of a map, "item" for an array.
        path: list[str] = []
        root_is_map = False
        try:
            events = ijson.basic_parse(self.stream, use_float=False)
            for event, value in events:
                if event == "map_key":
                    path[-1] = _check_text(value, limits, "Tên trường")
                elif event == "start_map" or event == "start_array":
                    if len(path) >= limits.max_depth:
                        raise _too_deep(limits)
                    if not path:
                        root_is_map = event == "start_map"
                    if event == "start_map" and (
                        path == ["dataValues", "item"] or (path == ["item"] and not root_is_map)
                    ):
                        # A value: its events are read here, in a loop of their own (the
                        # hot loop of a large file), and it never opens a container.
                        item: dict[str, Any] = {}
                        key = ""
                        for event, value in events:  # noqa: B020 - the same stream, read on
                            if event == "map_key":
                                key = value
                                if len(item) >= max_keys and key not in item:
                                    raise ReadError(
                                        f"Giá trị thứ {index + 1}: quá {max_keys} trường."
                                    )
                            elif event == "string":
                                if len(value) > max_text:
                                    _check_text(value, limits, f"Giá trị thứ {index + 1}")
                                item[key] = value
                            elif event == "end_map":
                                break
                            elif event == "start_map" or event == "start_array":
                                raise ReadError(
                                    f"Giá trị thứ {index + 1}: trường “{key}” phải là một giá trị "
                                    "đơn."
                                )
                            else:
                                item[key] = value
                        self._count(index)
                        yield self._make(index, item)
                        index += 1
                        continue
                    path.append("" if event == "start_map" else "item")
                elif event == "end_map" or event == "end_array":
                    path.pop()
                elif len(path) == 1 and root_is_map:  # a scalar of the root: a header default
                    if len(self.header) >= max_keys and path[0] not in self.header:
                        raise ReadError(f"Phần đầu tệp có quá {max_keys} trường.")
                    if isinstance(value, str):
                        _check_text(value, limits, f"Trường “{path[0]}”")
                    self.header[path[0]] = _text(value)
        except ijson.JSONError as error:
            raise ReadError(f"Tệp JSON không hợp lệ: {_first_line(error)}") from None
        except (UnicodeDecodeError, ValueError) as error:
            # Bytes that are not UTF-8, or a number too long to convert.
            raise ReadError(f"Tệp JSON không hợp lệ: {_first_line(error)}") from None


def _first_line(error: Exception) -> str:
    """The parser's message without the excerpt of the file yajl adds after it."""
    detail = error.args[0] if error.args else error
    if isinstance(detail, bytes):
        detail = detail.decode("utf-8", "replace")
    return str(detail).strip().split("\n", 1)[0][:200]


def _local(tag: Any) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _xml_events(
    stream: IO[bytes], limits: Limits, item_depth: int
) -> Iterator[tuple[str, Element]]:
    """Parse events, with DTDs and entities refused (no entity bomb, no external fetch).

    Bounded: at most `limits.max_depth` levels, `limits.max_keys` attributes per element and
    elements inside one value (an element `item_depth` deep), `limits.max_text` characters
    per attribute or text. An element no deeper than a value is dropped from its parent once
    read, so the tree never holds more than the value being read.
    """
    open_elements: list[Element] = []
    inside = 0  # elements read inside the current value
    try:
        for event, element in iterparse(
            stream,
            events=("start", "end"),
            forbid_dtd=True,
            forbid_entities=True,
            forbid_external=True,
        ):
            if event == "start":
                if len(open_elements) >= limits.max_depth:
                    raise _too_deep(limits)
                open_elements.append(element)
                depth = len(open_elements)
                if depth == item_depth:
                    inside = 0
                elif depth > item_depth:
                    inside += 1
                    if inside > limits.max_keys:
                        raise ReadError(f"Một giá trị chứa quá {limits.max_keys} phần tử con.")
                if len(element.attrib) > limits.max_keys:
                    raise ReadError(
                        f"Phần tử <{_local(element.tag)}> có quá {limits.max_keys} thuộc tính."
                    )
                for value in element.attrib.values():
                    _check_text(value, limits, f"Phần tử <{_local(element.tag)}>")
                yield event, element
            else:
                _check_text(element.text or "", limits, f"Phần tử <{_local(element.tag)}>")
                yield event, element
                open_elements.pop()
                if 1 < len(open_elements) + 1 <= item_depth:
                    open_elements[-1].clear()  # keep no value, nor anything else, once read
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
        for event, element in _xml_events(self.stream, self.limits, item_depth=2):
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
                self._count(index)
                yield self._make(index, item)
                index += 1


class AdxReader(Reader):
    """ADX (namespace urn:ihe:qrph:adx:2015): groups of values with ISO-interval periods.

    A category written as an attribute (sex="F") or a category option combo is a
    disaggregation phongtrao does not keep: it goes to `extra` and the service refuses it.

    Read on expat's handlers directly (`_expat_parser`: DTDs and entities refused as
    defusedxml refuses them), a chunk of the file at a time: no element tree is built, which
    made ADX three times slower to read than JSON. The limits and messages are those of
    `_xml_events`: depth, attributes per element, elements inside a value, characters per
    attribute and per element text (the text before its first child, as ElementTree's).
    """

    def __iter__(self) -> Iterator[RawValue]:
        limits = self.limits
        max_depth, max_keys = limits.max_depth, limits.max_keys
        max_text, max_values = limits.max_text, limits.max_values
        ready: list[RawValue] = []
        # Per open element: [local name, attributes, text parts, has a child, comment].
        frames: list[list[Any]] = []
        group = ["", "", ""]  # the current group's period, orgUnit, attributeOptionCombo
        counts = [0, 0]  # elements read inside the current value; values read
        group_extra = [""]
        # A file names few tags and periods: each is read once (a bounded memo).
        names: dict[str, str] = {}
        period_codes: dict[str, str] = {}

        def start(tag: str, attrs: dict[str, str]) -> None:
            depth = len(frames)
            if depth >= max_depth:
                raise _too_deep(limits)
            name = names.get(tag)
            if name is None:
                name = tag.rpartition("}")[2]
                if len(names) < MEMO:
                    names[tag] = name
            if frames:
                frames[-1][3] = True
            frames.append([name, attrs, [], False, ""])
            depth += 1
            if depth == 3:
                counts[0] = 0
            elif depth > 3:
                counts[0] += 1
                if counts[0] > max_keys:
                    raise ReadError(f"Một giá trị chứa quá {max_keys} phần tử con.")
            if attrs:
                if len(attrs) > max_keys:
                    raise ReadError(f"Phần tử <{name}> có quá {max_keys} thuộc tính.")
                if max(map(len, attrs.values())) > max_text:
                    for text in attrs.values():
                        _check_text(text, limits, f"Phần tử <{name}>")
            if depth == 1:
                if name != "adx":
                    raise ReadError(f"Phần tử gốc phải là <adx>, không phải <{name}>.")
                self.header = {_name(k): v for k, v in attrs.items()}
            elif name == "group":
                group_extra[0] = _extra(attrs, ADX_GROUP_KEYS)
                period = attrs.get("period", "")
                code = period_codes.get(period)
                if code is None:
                    try:
                        code = periods.from_adx(period)
                    except periods.PeriodError:
                        code = period  # the service names the bad period
                    if len(period_codes) < MEMO:
                        period_codes[period] = code
                group[0] = code
                group[1] = _text(attrs.get("orgUnit"))
                group[2] = _text(attrs.get("attributeOptionCombo"))

        def characters(data: str) -> None:
            if frames and not frames[-1][3]:
                frames[-1][2].append(data)

        def end(tag: str) -> None:
            name, attrs, parts, _, comment = frames.pop()
            if parts:
                text = "".join(parts)
                if len(text) > max_text:
                    _check_text(text, limits, f"Phần tử <{name}>")
            else:
                text = ""
            if name == "dataValue" and frames:
                index = counts[1]
                if index >= max_values:
                    raise _too_many_values(limits)
                extra = group_extra[0]
                if not attrs.keys() <= ADX_VALUE_KEYS:
                    extra = ", ".join(x for x in (_extra(attrs, ADX_VALUE_KEYS), extra) if x)
                # expat gives attributes as text: `_text` and `_value` inline.
                de = attrs.get("dataElement")
                coc = attrs.get("categoryOptionCombo")
                value = attrs.get("value")
                ready.append(
                    RawValue(
                        index,
                        de.strip() if de else "",
                        group[0],
                        group[1],
                        coc.strip() if coc else "",
                        group[2],
                        (value.strip() or None) if value is not None else None,
                        comment,
                        False,
                        False,
                        extra,
                    )
                )
                counts[1] = index + 1
            elif name == "annotation" and frames:
                frames[-1][4] = text.strip()

        parser = _expat_parser()
        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = characters
        try:
            while chunk := self.stream.read(XML_CHUNK):
                parser.Parse(chunk, False)
                yield from ready
                ready.clear()
            parser.Parse(b"", True)
            yield from ready
        except DefusedXmlException as error:
            raise ReadError(
                "Tệp XML bị từ chối vì khai báo DTD hoặc thực thể (entity), có thể gây hại: "
                f"{error!r}"
            ) from None
        except ExpatError as error:
            raise ReadError(f"Tệp XML không hợp lệ: {error}") from None


XML_CHUNK = 64 * 1024
MEMO = 1024  # tags or periods remembered by an ADX reader (a file names a few)


def _expat_parser() -> Any:
    """An expat parser refusing DTDs, entity declarations and external references, as
    defusedxml's (`forbid_dtd`, `forbid_entities`, `forbid_external`), with its errors."""

    def doctype(name: str, sysid: Any, pubid: Any, has_internal_subset: Any) -> None:
        raise DTDForbidden(name, sysid, pubid)

    def entity(name: str, _: Any, value: Any, base: Any, sysid: Any, pubid: Any, n: Any) -> None:
        raise EntitiesForbidden(name, value, base, sysid, pubid, n)

    def unparsed(name: str, base: Any, sysid: Any, pubid: Any, notation_name: Any) -> None:
        raise EntitiesForbidden(name, None, base, sysid, pubid, notation_name)

    def external(context: Any, base: Any, sysid: Any, pubid: Any) -> int:
        raise ExternalReferenceForbidden(context, base, sysid, pubid)

    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.UnparsedEntityDeclHandler = unparsed
    parser.ExternalEntityRefHandler = external
    return parser


def _name(key: str) -> str:
    """An attribute's name as ElementTree writes it ("{namespace}name")."""
    return "{" + key if "}" in key else key


def _extra(attrs: dict[str, str], known: set[str]) -> str:
    return ", ".join(f'{_name(k)}="{v}"' for k, v in attrs.items() if k not in known)


class CsvReader(Reader):
    """dataValueSet CSV, with a header row or in DHIS2's column order without one.

    Lines are read at most `limits.max_line` characters at a time, so a file without line
    breaks is refused before it is held in memory.
    """

    def __iter__(self) -> Iterator[RawValue]:
        limits = self.limits
        stream = self.stream
        if not isinstance(stream, io.IOBase):  # e.g. an HTTP request: anything with read()
            stream = io.BufferedReader(_Counting(stream, _ignore))
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
        try:
            rows = csv.reader(_lines(text, limits))
            max_cells, max_text = limits.max_cells, limits.max_text
            places = _csv_places(CSV_COLUMNS)
            need = len(CSV_COLUMNS)
            index = 0
            for line, row in enumerate(rows, start=1):
                width = len(row)
                if width > max_cells:
                    raise ReadError(f"Dòng {line} có quá {max_cells} cột.")
                if not row or not any(cell.strip() for cell in row):
                    continue
                if max(map(len, row)) > max_text:
                    for cell in row:
                        _check_text(cell, limits, f"Dòng {line}")
                if line == 1 and _is_header(row):
                    places = _csv_places(tuple(_column(cell) for cell in row))
                    need = max((place + 1 for place in places if place is not None), default=0)
                    continue
                if width < need:  # the missing cells read as empty
                    row = row + [""] * (need - width)  # noqa: PLW2901
                self._count(index)
                de, pe, ou, coc, aoc, value, comment, followup, deleted = (
                    row[place] if place is not None else "" for place in places
                )
                yield RawValue(
                    index,
                    de.strip(),
                    pe.strip(),
                    ou.strip(),
                    coc.strip(),
                    aoc.strip(),
                    value.strip() or None,
                    comment.strip(),
                    bool(followup) and _flag(followup),
                    bool(deleted) and _flag(deleted),
                )
                index += 1
        except (csv.Error, UnicodeDecodeError) as error:
            raise ReadError(f"Tệp CSV không hợp lệ: {error}") from None
        finally:
            text.detach()  # the caller owns the stream


def _lines(text: io.TextIOWrapper, limits: Limits) -> Iterator[str]:
    """The lines of `text`, each refused once longer than `limits.max_line` characters."""
    number = 0
    while line := text.readline(limits.max_line + 1):
        number += 1
        if len(line) > limits.max_line:
            raise ReadError(
                f"Dòng {number} của tệp CSV dài quá {limits.max_line:,} ký tự.".replace(",", ".")
            )
        yield line


# The columns a CSV row gives a RawValue, in its order.
CSV_FIELDS = (
    "dataelement",
    "period",
    "orgunit",
    "categoryoptioncombo",
    "attributeoptioncombo",
    "value",
    "comment",
    "followup",
    "deleted",
)


def _csv_places(columns: tuple[str, ...]) -> tuple[int | None, ...]:
    """Where each of `CSV_FIELDS` is in a row of `columns` (the last of a repeated name),
    None when absent."""
    found: dict[str, int] = {}
    for place, name in enumerate(columns):
        found[name] = place
    return tuple(found.get(name) for name in CSV_FIELDS)


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


def reader_for(format: Format, stream: IO[bytes], limits: Limits | None = None) -> Reader:
    """The bounded streaming reader of `format` over a binary stream (limits: the settings')."""
    return READERS[format](stream, limits or Limits.from_settings())


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


def read_ahead(
    items: Iterator[Any],
    size: int,
    convert: Callable[[Any], Any] = lambda item: item,
    finish: Callable[[list[Any]], Any] = lambda part: part,
    thread: bool = True,
) -> Iterator[Any]:
    """`items` converted, `size` at a time (each part then given to `finish`, in the thread
    too), the next part read by a thread meanwhile. Without `thread` (a web process, which
    starts none), the same parts read one after the other, by the caller.

    The caller works on one part (its database statements, which wait on the server and
    let the thread run) while the thread reads and converts the next: the file is parsed on
    one core while the database works on the other. Two parts are held at most: the thread
    starts a part once the caller has taken the one before. An error of the reader (a
    malformed file) is raised here, at the part where it stopped; leaving the loop early
    stops the thread. The thread never touches the caller's connection; what it opens (a
    progress callback's) it closes.
    """
    if not thread:
        yield from _parts(items, size, convert, finish)
        return
    parts: queue.Queue[tuple[Any, bool] | BaseException] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def read() -> None:
        try:
            while not stop.is_set():
                part = [convert(item) for _, item in zip(range(size), items, strict=False)]
                full = len(part) == size
                parts.put((finish(part) if part else None, full))
                if not full:
                    return
                del part
                parts.join()  # taken by the caller: read the next
        except BaseException as error:  # handed to the caller, which raises it
            parts.put(error)
        finally:
            connections.close_all()

    reader = threading.Thread(target=read, name="read-ahead", daemon=True)
    reader.start()
    try:
        while True:
            got = parts.get()
            parts.task_done()
            if isinstance(got, BaseException):
                raise got
            part, full = got
            if part is not None:
                yield part
            if not full:
                return
    finally:
        stop.set()
        while reader.is_alive():  # a thread waiting on the queue takes its turn
            try:
                parts.get(timeout=0.05)
                parts.task_done()
            except queue.Empty:
                pass
        reader.join()


def _parts(
    items: Iterator[Any],
    size: int,
    convert: Callable[[Any], Any],
    finish: Callable[[list[Any]], Any],
) -> Iterator[Any]:
    """`read_ahead`'s parts, read by the caller."""
    full = True
    while full:
        part = [convert(item) for _, item in zip(range(size), items, strict=False)]
        full = len(part) == size
        if not part:
            return
        finished = finish(part)
        del part  # let the rows go while the caller works (`finish` may have kept less)
        yield finished


def stream_with_progress(stream: IO[bytes], callback: Callable[[int], None]) -> IO[bytes]:
    """`stream`, telling `callback` how many bytes each read took (for a progress bar)."""
    return io.BufferedReader(_Counting(stream, callback), buffer_size=1 << 16)
