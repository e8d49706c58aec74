"""The exchange formats, their identifier schemes and the names DHIS2 gives them."""

from __future__ import annotations

import enum
from pathlib import PurePath


class Format(enum.StrEnum):
    JSON = "dhis2-json"
    XML = "dhis2-xml"
    CSV = "dhis2-csv"
    ADX = "adx"


class IdScheme(enum.StrEnum):
    UID = "UID"
    CODE = "CODE"
    NAME = "NAME"


class Strategy(enum.StrEnum):
    CREATE_AND_UPDATE = "CREATE_AND_UPDATE"
    CREATE = "CREATE"
    UPDATE = "UPDATE"
    DELETE = "DELETE"


# DHIS2's default category option combo: the only disaggregation phongtrao stores.
DEFAULT_COC_UID = "HllvX50cXC0"
DEFAULT_COC_CODE = "default"
DEFAULT_COC_NAMES = {"", DEFAULT_COC_UID, DEFAULT_COC_CODE}

CONTENT_TYPES = {
    Format.JSON: "application/json",
    Format.XML: "application/xml",
    Format.CSV: "text/csv",
    Format.ADX: "application/adx+xml",
}

DXF_NAMESPACE = "http://dhis2.org/schema/dxf/2.0"
ADX_NAMESPACE = "urn:ihe:qrph:adx:2015"


class FormatError(ValueError):
    """An unknown format, scheme or strategy name (message in Vietnamese)."""


def format_guess(filename: str) -> Format:
    """The format a file name suggests: `.adx.xml`/`.adx` → ADX, `.json`, `.xml`, `.csv`."""
    name = PurePath(filename).name.lower()
    for suffix in (".gz", ".zip"):
        name = name.removesuffix(suffix)
    if name.endswith((".adx.xml", ".adx")):
        return Format.ADX
    if name.endswith(".json"):
        return Format.JSON
    if name.endswith(".xml"):
        return Format.XML
    if name.endswith(".csv"):
        return Format.CSV
    raise FormatError(
        f"Không đoán được định dạng của tệp “{filename}”: hãy chỉ rõ "
        f"({', '.join(f.value for f in Format)})."
    )


def format_parse(text: str) -> Format:
    """A format by its name: ours (`dhis2-json`) or the short one (`json`, `xml`, `csv`, `adx`)."""
    value = text.strip().lower()
    short = {"json": Format.JSON, "xml": Format.XML, "csv": Format.CSV, "adx": Format.ADX}
    if value in short:
        return short[value]
    try:
        return Format(value)
    except ValueError:
        raise FormatError(f"Định dạng “{text}” không được hỗ trợ.") from None


def scheme_parse(text: str | None) -> IdScheme | None:
    """An identifier scheme by name, any case (`uid`, `CODE`); None stays None."""
    if text is None or not text.strip():
        return None
    try:
        return IdScheme(text.strip().upper())
    except ValueError:
        raise FormatError(
            f"Kiểu mã định danh “{text}” không được hỗ trợ (UID, CODE hoặc NAME; "
            "phongtrao không có thuộc tính ATTRIBUTE:ID)."
        ) from None


def strategy_parse(text: str) -> Strategy:
    """An import strategy by DHIS2's name, any case; DHIS2's old names NEW/UPDATES too."""
    value = text.strip().upper().replace("-", "_")
    aliases = {"NEW": "CREATE", "UPDATES": "UPDATE", "NEW_AND_UPDATES": "CREATE_AND_UPDATE"}
    value = aliases.get(value, value)
    try:
        return Strategy(value)
    except ValueError:
        raise FormatError(f"Chiến lược nhập “{text}” không được hỗ trợ.") from None
