"""Streaming writers of DHIS2 dataValueSets (JSON, XML, CSV) and ADX.

Each writer turns rows into pieces of text, one value at a time, so an export of any size
streams to a file or an HTTP response without being held in memory.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from xml.sax.saxutils import quoteattr

from phongtrao import periods
from phongtrao.exchange.formats import (
    ADX_NAMESPACE,
    DEFAULT_COC_CODE,
    DEFAULT_COC_UID,
    DXF_NAMESPACE,
    Format,
    IdScheme,
)
from phongtrao.exchange.selectors import ExportRow
from phongtrao.spreadsheets import cell_safe


def _number(value: Decimal) -> str:
    """10001.0000 → "10001", 4.2500 → "4.25"."""
    return f"{value.normalize():f}"


def _default_coc(id_scheme: IdScheme) -> str:
    return DEFAULT_COC_UID if id_scheme == IdScheme.UID else DEFAULT_COC_CODE


def write_json(rows: Iterable[ExportRow], id_scheme: IdScheme) -> Iterator[str]:
    coc = _default_coc(id_scheme)
    yield '{"dataValues": ['
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
            "lastUpdated": row.updated_at.isoformat(),
            "comment": row.comment,
            "followup": row.follow_up,
        }
        yield separator + json.dumps(item, ensure_ascii=False)
        separator = ",\n"
    yield "\n]}\n"


def write_xml(rows: Iterable[ExportRow], id_scheme: IdScheme) -> Iterator[str]:
    coc = quoteattr(_default_coc(id_scheme))
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    scheme = "" if id_scheme == IdScheme.UID else ' idScheme="CODE"'
    yield f'<dataValueSet xmlns="{DXF_NAMESPACE}"{scheme}>\n'
    for row in rows:
        yield (
            f"  <dataValue dataElement={quoteattr(row.data_element)} "
            f"period={quoteattr(row.period)} orgUnit={quoteattr(row.org_unit)} "
            f"categoryOptionCombo={coc} attributeOptionCombo={coc} "
            f"value={quoteattr(_number(row.value))} storedBy={quoteattr(row.stored_by)} "
            f"lastUpdated={quoteattr(row.updated_at.isoformat())} "
            f"comment={quoteattr(row.comment)} "
            f'followup="{"true" if row.follow_up else "false"}"/>\n'
        )
    yield "</dataValueSet>\n"


CSV_HEADER = (
    "dataelement",
    "period",
    "orgunit",
    "catoptcombo",
    "attroptcombo",
    "value",
    "storedby",
    "lastupdated",
    "comment",
    "followup",
)


def write_csv(rows: Iterable[ExportRow], id_scheme: IdScheme) -> Iterator[str]:
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
                row.updated_at.isoformat(),
                cell_safe(row.comment),
                "true" if row.follow_up else "false",
            )
        )
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def write_adx(rows: Iterable[ExportRow], id_scheme: IdScheme) -> Iterator[str]:
    """ADX: one <group> per unit and period (rows come grouped), periods as ISO intervals."""
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    yield f'<adx xmlns="{ADX_NAMESPACE}">\n'
    group: tuple[str, str] | None = None
    for row in rows:
        if (row.org_unit, row.period) != group:
            if group is not None:
                yield "  </group>\n"
            group = (row.org_unit, row.period)
            yield (
                f"  <group orgUnit={quoteattr(row.org_unit)} "
                f"period={quoteattr(periods.to_adx(row.period))}>\n"
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


WRITERS: dict[Format, Callable[[Iterable[ExportRow], IdScheme], Iterator[str]]] = {
    Format.JSON: write_json,
    Format.XML: write_xml,
    Format.CSV: write_csv,
    Format.ADX: write_adx,
}


def datavalueset_write(
    rows: Iterable[ExportRow], *, format: Format, id_scheme: IdScheme = IdScheme.UID
) -> Iterator[str]:
    """The text of a dataValueSet (or ADX message) of these rows, piece by piece."""
    return WRITERS[format](rows, id_scheme)
