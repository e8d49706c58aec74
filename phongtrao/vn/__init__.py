"""Vietnamese conventions for reading and writing numbers, money and dates.

Pure Python, no Django: safe to import from models, views, templates tags and scripts.

* :mod:`phongtrao.vn.parse` - read numbers typed the Vietnamese way, refusing ambiguity;
* :mod:`phongtrao.vn.numbers` - write numbers, percentages, counts and money;
* :mod:`phongtrao.vn.dates` - weekdays, datelines and document dates (Nghị định 30/2020);
* :mod:`phongtrao.vn.words` - numbers and amounts of money in words.
"""

from __future__ import annotations

from phongtrao.vn.dates import (
    VIETNAM_TZ,
    format_date_long,
    format_date_short,
    format_dateline,
    format_place_date,
    to_vietnam_time,
    weekday_vi,
)
from phongtrao.vn.numbers import (
    format_count,
    format_money,
    format_number,
    format_percent,
)
from phongtrao.vn.parse import NumberParseError, parse_number, parse_percent
from phongtrao.vn.words import money_in_words, number_to_words

__all__ = [
    "VIETNAM_TZ",
    "NumberParseError",
    "format_count",
    "format_date_long",
    "format_date_short",
    "format_dateline",
    "format_money",
    "format_number",
    "format_percent",
    "format_place_date",
    "money_in_words",
    "number_to_words",
    "parse_number",
    "parse_percent",
    "to_vietnam_time",
    "weekday_vi",
]
