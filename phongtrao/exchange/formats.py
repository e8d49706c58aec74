"""The exchange formats, their identifier schemes and the names DHIS2 gives them."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
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


@dataclass(frozen=True, slots=True)
class AttributeScheme:
    """DHIS2's `ATTRIBUTE:<uid>` scheme: objects named by their value of that attribute
    (`attributeValues`), which must exist and be unique to name anything."""

    attribute: str

    @property
    def value(self) -> str:
        return f"ATTRIBUTE:{self.attribute}"

    def __str__(self) -> str:
        return self.value


# Any identifier scheme: DHIS2's UID, CODE, NAME or ATTRIBUTE:<uid>.
Scheme = IdScheme | AttributeScheme
# As DHIS2's `IdScheme.isAttribute`: the prefix in any case, then an 11-character uid.
ATTRIBUTE_SCHEME = re.compile(r"ATTRIBUTE:([A-Za-z0-9]{11})", re.IGNORECASE)


def scheme_lookup(scheme: Scheme) -> str:
    """The ORM path of the identifier a scheme names (`uid`, `code`, `name`, or the value of
    an attribute in `attribute_values`, stored as DHIS2 stores it)."""
    if isinstance(scheme, AttributeScheme):
        return f"attribute_values__{scheme.attribute}__value"
    return {IdScheme.UID: "uid", IdScheme.CODE: "code", IdScheme.NAME: "name"}[scheme]


def scheme_ident(obj: object, scheme: Scheme) -> str | None:
    """An object's identifier in a scheme (None when it has no value of the attribute)."""
    if isinstance(scheme, AttributeScheme):
        values = getattr(obj, "attribute_values", None) or {}
        found = values.get(scheme.attribute) or {}
        value = found.get("value") if isinstance(found, dict) else None
        return None if value is None else str(value)
    return str(getattr(obj, scheme_lookup(scheme)))


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
    """An unknown format, scheme or strategy name (message in Vietnamese; `english` DHIS2's
    text when there is one)."""

    def __init__(self, message: str, english: str = "") -> None:
        super().__init__(message)
        self.english = english


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


def scheme_parse(text: Scheme | str | None) -> Scheme | None:
    """An identifier scheme by name, any case (`uid`, `CODE`, `ATTRIBUTE:<uid>`); None stays
    None. Whether the attribute exists is the caller's check (`attribute_scheme_check`)."""
    if isinstance(text, AttributeScheme):
        return text
    if text is None or not text.strip():
        return None
    attribute = ATTRIBUTE_SCHEME.fullmatch(text.strip())
    if attribute is not None:
        return AttributeScheme(attribute.group(1))
    try:
        return IdScheme(text.strip().upper())
    except ValueError:
        raise FormatError(
            f"Kiểu mã định danh “{text}” không được hỗ trợ (UID, CODE, NAME hoặc "
            "ATTRIBUTE:<uid của thuộc tính>)."
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
