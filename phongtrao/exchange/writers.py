"""Streaming writers of DHIS2 dataValueSets (JSON, XML, CSV) and ADX.

Each writer turns rows into pieces of text, one value at a time, so an export of any size
streams to a file or an HTTP response without being held in memory.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from phongtrao import periods
from phongtrao.analytics.query import AnalyticsPlan, analytics_json_rows, analytics_rows
from phongtrao.exchange.formats import (
    ADX_NAMESPACE,
    DEFAULT_COC_CODE,
    DEFAULT_COC_UID,
    DXF_NAMESPACE,
    Format,
    IdScheme,
    Scheme,
)
from phongtrao.exchange.selectors import ExportRow
from phongtrao.spreadsheets import cell_safe


def _number(value: Decimal) -> str:
    """10001.0000 → "10001", 4.2500 → "4.25"."""
    return f"{value.normalize():f}"


def _default_coc(id_scheme: Scheme) -> str:
    # The default combination has no attribute values: its uid in an ATTRIBUTE scheme (DHIS2
    # writes null there, which no import reads back).
    return DEFAULT_COC_CODE if id_scheme in (IdScheme.CODE, IdScheme.NAME) else DEFAULT_COC_UID


def timestamp(moment: dt.datetime) -> str:
    """DHIS2's export timestamp: UTC, milliseconds, `+0000` (2024-03-20T04:23:00.000+0000)."""
    utc = moment.astimezone(dt.UTC)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}+0000"


# Header: DHIS2 writes dataSet, completeDate, period and orgUnit at the top of a set that is
# one data set for one period and one unit.
Header = dict[str, str]


def write_json(
    rows: Iterable[ExportRow], id_scheme: Scheme, header: Header | None = None
) -> Iterator[str]:
    coc = _default_coc(id_scheme)
    yield "{" + "".join(f"{json.dumps(k)}: {json.dumps(v)}, " for k, v in (header or {}).items())
    yield '"dataValues": ['
    separator = "\n"
    for row in rows:
        item = {
            "dataElement": row.data_element,
            "period": row.period,
            "orgUnit": row.org_unit,
            "categoryOptionCombo": coc,
            "attributeOptionCombo": coc,
            "value": _number(row.value),
            "storedBy": row.stored_by,
            "lastUpdated": timestamp(row.updated_at),
            "comment": row.comment,
            "followup": row.follow_up,
        }
        if row.deleted:
            item["deleted"] = True  # as DHIS2: written only for a deleted value
        yield separator + json.dumps(item, ensure_ascii=False)
        separator = ",\n"
    yield "\n]}\n"


DELETED_XML = ' deleted="true"'  # DHIS2 writes the attribute only for a deleted value


def write_xml(
    rows: Iterable[ExportRow], id_scheme: Scheme, header: Header | None = None
) -> Iterator[str]:
    coc = quoteattr(_default_coc(id_scheme))
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    scheme = "" if id_scheme == IdScheme.UID else f' idScheme="{id_scheme.value}"'
    attributes = "".join(f" {k}={quoteattr(v)}" for k, v in (header or {}).items())
    yield f'<dataValueSet xmlns="{DXF_NAMESPACE}"{scheme}{attributes}>\n'
    for row in rows:
        yield (
            f"  <dataValue dataElement={quoteattr(row.data_element)} "
            f"period={quoteattr(row.period)} orgUnit={quoteattr(row.org_unit)} "
            f"categoryOptionCombo={coc} attributeOptionCombo={coc} "
            f"value={quoteattr(_number(row.value))} storedBy={quoteattr(row.stored_by)} "
            f"lastUpdated={quoteattr(timestamp(row.updated_at))} "
            f"comment={quoteattr(row.comment)} "
            f'followUp="{"true" if row.follow_up else "false"}"'
            f"{DELETED_XML if row.deleted else ''}/>\n"
        )
    yield "</dataValueSet>\n"


# DHIS2's own CSV header (CsvDataValueSetWriter).
CSV_HEADER = (
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


def write_csv(
    rows: Iterable[ExportRow], id_scheme: Scheme, header: Header | None = None
) -> Iterator[str]:
    coc = _default_coc(id_scheme)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for row in rows:
        writer.writerow(
            (
                row.data_element,
                row.period,
                row.org_unit,
                coc,
                coc,
                cell_safe(_number(row.value)),
                cell_safe(row.stored_by),
                timestamp(row.updated_at),
                cell_safe(row.comment),
                "true" if row.follow_up else "false",
                "true" if row.deleted else "false",
            )
        )
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def write_adx(
    rows: Iterable[ExportRow], id_scheme: Scheme, header: Header | None = None
) -> Iterator[str]:
    """ADX: one <group> per unit and period (rows come grouped), periods as ISO intervals;
    the data set on each group when one was asked for."""
    data_set = quoteattr((header or {}).get("dataSet", ""))
    data_set = f" dataSet={data_set}" if data_set != '""' else ""
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    yield f'<adx xmlns="{ADX_NAMESPACE}">\n'
    group: tuple[str, str] | None = None
    for row in rows:
        if row.deleted:
            continue  # ADX has no word for a deleted value
        if (row.org_unit, row.period) != group:
            if group is not None:
                yield "  </group>\n"
            group = (row.org_unit, row.period)
            yield (
                f"  <group orgUnit={quoteattr(row.org_unit)} "
                f"period={quoteattr(periods.to_adx(row.period))}{data_set}>\n"
            )
        if row.comment:
            yield (
                f"    <dataValue dataElement={quoteattr(row.data_element)} "
                f"value={quoteattr(_number(row.value))}>"
                f"<annotation>{_escape(row.comment)}</annotation></dataValue>\n"
            )
        else:
            yield (
                f"    <dataValue dataElement={quoteattr(row.data_element)} "
                f"value={quoteattr(_number(row.value))}/>\n"
            )
    if group is not None:
        yield "  </group>\n"
    yield "</adx>\n"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


WRITERS: dict[Format, Callable[[Iterable[ExportRow], Scheme, Header | None], Iterator[str]]] = {
    Format.JSON: write_json,
    Format.XML: write_xml,
    Format.CSV: write_csv,
    Format.ADX: write_adx,
}


def datavalueset_write(
    rows: Iterable[ExportRow],
    *,
    format: Format,
    id_scheme: Scheme = IdScheme.UID,
    header: Header | None = None,
) -> Iterator[str]:
    """The text of a dataValueSet (or ADX message) of these rows, piece by piece; `header`
    the set's top-level dataSet, completeDate, period and orgUnit (DHIS2 writes them for
    one data set, period and unit)."""
    return WRITERS[format](rows, id_scheme, header or {})


# Rows of an analytics answer sent together: one piece of text per this many rows.
ANALYTICS_PIECE_ROWS = 2000


def analytics_write_json(plan: AnalyticsPlan, *, skip_data: bool = False) -> Iterator[str]:
    """DHIS2's analytics answer as JSON pieces: `headers`, `rows` streamed as they are read,
    then `metaData` (which lists the estimated cells met on the way), `height`, `width`.

    `skip_data`: no rows (and no figure read), as DHIS2's `skipData=true`.
    """
    headers = plan.headers()
    yield '{"headers": ' + json.dumps(headers, ensure_ascii=False) + ', "rows": ['
    if not skip_data:
        first = True
        piece: list[str] = []
        # Rows as `json.dumps(row, ensure_ascii=False)` writes them, each identifier encoded
        # once per request; sent in pieces of about `ANALYTICS_PIECE_ROWS` rows.
        for chunk in analytics_json_rows(plan):
            piece += chunk
            if len(piece) >= ANALYTICS_PIECE_ROWS:
                yield ("" if first else ",") + ",".join(piece)
                first, piece = False, []
        if piece:
            yield ("" if first else ",") + ",".join(piece)
    yield "]"
    if not plan.skip_meta:
        yield ', "metaData": ' + json.dumps(plan.meta(), ensure_ascii=False)
    yield (f', "height": {plan.height}, "width": {len(headers)}, "headerWidth": {len(headers)}}}')


def analytics_write_csv(plan: AnalyticsPlan, *, skip_data: bool = False) -> Iterator[str]:
    """The answer as CSV, DHIS2's `/api/analytics.csv`: a line of column names, then rows.

    Identifiers and numbers only, so no cell can start a formula.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([h["column"] for h in plan.headers()])
    if not skip_data:
        for count, row in enumerate(analytics_rows(plan), start=1):
            writer.writerow([cell_safe(cell) for cell in row])
            if count % ANALYTICS_PIECE_ROWS == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue()


def analytics_write_xml(plan: AnalyticsPlan, *, skip_data: bool = False) -> Iterator[str]:
    """The answer as DHIS2's grid XML (`/api/analytics.xml`, `GridUtils.toXml`): `<grid>`
    with its width and height, `<headers>` as attributes, `<rows>` of `<field>`s. The
    height comes first, so the rows (bounded by the cell limit) are read before writing."""
    headers = plan.headers()
    rows = [] if skip_data else list(analytics_rows(plan))
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    yield f'<grid width="{len(headers)}" height="{len(rows)}"><headers>'
    for header in headers:
        yield (
            f"<header name={quoteattr(header['name'])} column={quoteattr(header['column'])} "
            f"type={quoteattr(header['type'])} hidden={quoteattr(str(header['hidden']).lower())} "
            f"meta={quoteattr(str(header['meta']).lower())}/>"
        )
    yield "</headers><rows>"
    for row in rows:
        yield "<row>" + "".join(f"<field>{_escape(str(field))}</field>" for field in row) + "</row>"
    yield "</rows></grid>\n"


def analytics_table_write(table: dict[str, Any], format: Format) -> str:
    """A table layout (`analytics.query.analytics_table`) as JSON, CSV or grid XML, as DHIS2
    renders any grid (`GridUtils.toCsv`, `toXml`)."""
    if format == Format.CSV:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow([h["column"] for h in table["headers"]])
        writer.writerows([cell_safe(cell) for cell in row] for row in table["rows"])
        return buffer.getvalue()
    if format == Format.XML:
        headers = "".join(
            f"<header name={quoteattr(h['name'])} column={quoteattr(h['column'])} "
            f"type={quoteattr(h['type'])} hidden={quoteattr(str(h['hidden']).lower())} "
            f"meta={quoteattr(str(h['meta']).lower())}/>"
            for h in table["headers"]
        )
        rows = "".join(
            "<row>" + "".join(f"<field>{_escape(str(cell))}</field>" for cell in row) + "</row>"
            for row in table["rows"]
        )
        title = f"<title>{_escape(table['title'])}</title>" if table.get("title") else ""
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<grid width="{table["width"]}" height="{table["height"]}">{title}'
            f"<headers>{headers}</headers><rows>{rows}</rows></grid>\n"
        )
    return json.dumps(table, ensure_ascii=False)


def _xml_text(value: object) -> str:
    text = str(value).lower() if isinstance(value, bool) else str(value)
    return escape(text)


def webmessage_xml(body: dict[str, object]) -> str:
    """DHIS2's WebMessage with an ImportSummary as XML (Jackson's rendering in 2.40): the
    message's status, codes and the summary's counts and conflict fields as attributes,
    the rest as elements in the DXF namespace."""
    attributes = "".join(
        f" {name}={quoteattr(_xml_text(body[name]))}"
        for name in ("httpStatus", "httpStatusCode", "status", "errorCode")
        if body.get(name) is not None
    )
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        f'<webMessage xmlns="{DXF_NAMESPACE}"{attributes}>',
        f"<message>{_xml_text(body.get('message', ''))}</message>",
    ]
    summary = body.get("response")
    if isinstance(summary, dict):
        parts.append(f"<response responseType={quoteattr(str(summary.get('responseType', '')))}>")
        for name, value in summary.items():
            if name == "responseType" or value is None:
                continue
            if name == "importCount" and isinstance(value, dict):
                counts = "".join(f' {k}="{int(v)}"' for k, v in value.items())
                parts.append(f"<importCount{counts}/>")
            elif name == "conflicts" and isinstance(value, list):
                parts.append("<conflicts>")
                for conflict in value:
                    parts.append(_conflict_xml(conflict))
                parts.append("</conflicts>")
            elif isinstance(value, list):
                items = "".join(f"<{name}>{_xml_text(v)}</{name}>" for v in value)
                parts.append(f"<{name}>{items}</{name}>")
            elif isinstance(value, dict):
                inner = "".join(f"<{k}>{_xml_text(v)}</{k}>" for k, v in value.items())
                parts.append(f"<{name}>{inner}</{name}>")
            else:
                parts.append(f"<{name}>{_xml_text(value)}</{name}>")
        parts.append("</response>")
    parts.append("</webMessage>\n")
    return "".join(parts)


def _conflict_xml(conflict: dict[str, object]) -> str:
    attributes = ""
    for name in ("errorCode", "object", "value", "property", "indexes"):
        value = conflict.get(name)
        if value is None:
            continue
        text = ",".join(str(i) for i in value) if isinstance(value, list) else _xml_text(value)
        attributes += f" {name}={quoteattr(text)}"
    objects = conflict.get("objects")
    inner = ""
    if isinstance(objects, dict):
        inner = (
            "<objects>"
            + "".join(f"<{k}>{_xml_text(v)}</{k}>" for k, v in objects.items())
            + "</objects>"
        )
    return f"<conflict{attributes}>{inner}</conflict>"
