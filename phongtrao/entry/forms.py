"""Reading the entry page's POST: Vietnamese numbers, the versions read, what changed."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.http import QueryDict

from phongtrao.data.selectors import EntrySection
from phongtrao.data.validation import parse_value
from phongtrao.vn import format_number


def value_text(value: Decimal | None) -> str:
    """A stored value as a Vietnamese officer types it (1.633 / 4,2), empty for none."""
    return "" if value is None else format_number(value)


@dataclass
class EntryInput:
    """What the officer sent: texts as typed, parsed values, errors, versions read."""

    texts: dict[int, str] = field(default_factory=dict)
    changed: dict[int, Decimal | None] = field(default_factory=dict)
    versions: dict[int, int] = field(default_factory=dict)
    errors: dict[int, list[str]] = field(default_factory=dict)


def entry_input_read(data: QueryDict, sections: list[EntrySection]) -> EntryInput:
    """Parse every field; a value counts as changed when it differs from what was shown.

    Only changed values are saved, each with the version the officer read: a value another
    person saved meanwhile is a conflict only if this officer changed it too.
    """
    result = EntryInput()
    for section in sections:
        for row in section.rows:
            indicator = row.indicator
            if indicator.is_derived:
                continue
            pk = indicator.pk
            name = f"v_{pk}"
            if name not in data:
                continue
            text = data.get(name, "").strip()
            result.texts[pk] = text
            shown = data.get(f"o_{pk}", "").strip()
            try:
                version = int(data.get(f"ver_{pk}", "0"))
            except ValueError:
                version = 0
            try:
                value = parse_value(indicator, text) if text else None
                before = parse_value(indicator, shown) if shown else None
            except ValueError as exc:
                result.errors[pk] = [str(exc)]
                continue
            if value != before:
                result.changed[pk] = value
                result.versions[pk] = version
    return result
