"""DHIS2-compatible reporting periods (kỳ báo cáo).

Pure Python (no Django). A :class:`Period` is identified by its DHIS2 ISO period code;
its start and end dates are inclusive.

========================  ==============  ===========================================
Period type               Code            Example
========================  ==============  ===========================================
DAILY                     yyyyMMdd        20240315
WEEKLY                    yyyyWn          2024W10 (ISO week, Monday start)
WEEKLY_WEDNESDAY          yyyyWedWn       2024WedW10
WEEKLY_THURSDAY           yyyyThuWn       2024ThuW10
WEEKLY_SATURDAY           yyyySatWn       2024SatW10
WEEKLY_SUNDAY             yyyySunWn       2024SunW10
BI_WEEKLY                 yyyyBiWn        2024BiW1 = ISO weeks 1 and 2
MONTHLY                   yyyyMM          202403
BI_MONTHLY                yyyyMMB         202401B = Jan-Feb, 202406B = Nov-Dec
QUARTERLY                 yyyyQn          2024Q1
SIX_MONTHLY               yyyySn          2024S1 = Jan-Jun
SIX_MONTHLY_APRIL         yyyyAprilSn     2024AprilS1 = Apr-Sep 2024
SIX_MONTHLY_NOV           yyyyNovSn       2024NovS1 = Nov 2023-Apr 2024
YEARLY                    yyyy            2024
FINANCIAL_APRIL           yyyyApril       2024April = 2024-04-01..2025-03-31
FINANCIAL_JULY            yyyyJuly        2024July = 2024-07-01..2025-06-30
FINANCIAL_OCT             yyyyOct         2024Oct = 2024-10-01..2025-09-30
FINANCIAL_NOV             yyyyNov         2025Nov = 2024-11-01..2025-10-31
========================  ==============  ===========================================

Semantics follow DHIS2 (``DateUnitPeriodTypeParser`` and the ``*PeriodType`` classes):

* Weeks of every weekly type follow the ISO rule generalised to their first weekday:
  week 1 is the first week having at least four days in the new year, so it starts
  between 29 December and 4 January.
* The November types are named after the year in which they *end*: ``2025Nov`` starts
  on 2024-11-01 and ``2024NovS1`` on 2023-11-01; the April/July/October financial years
  are named after the year in which they *start*.
* Bi-week ``n`` is ISO weeks ``2n-1`` and ``2n``. In a year with 53 ISO weeks DHIS2 also
  has ``BiW27`` = week 53 plus week 1 of the following year, so it overlaps the next
  year's ``BiW1``; this module reproduces that (``next()``/``previous()`` still step
  ``…BiW26 -> …BiW27 -> (next year)BiW1``).

Codes must be canonical: no leading zeros in week/quarter numbers (``2024W1``, not
``2024W01``) and the exact DHIS2 spelling and case. Supported code years are
:data:`MIN_YEAR` to :data:`MAX_YEAR`.

Invalid input raises :class:`PeriodError` (a :class:`ValueError`) whose message is
given in English and in Vietnamese.
"""

from __future__ import annotations

import calendar
import enum
import functools
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from phongtrao.vn.dates import format_date_short, weekday_name

__all__ = [
    "MAX_YEAR",
    "MIN_YEAR",
    "Period",
    "PeriodError",
    "PeriodType",
    "Phase",
    "contains",
    "for_date",
    "from_adx",
    "label_vi",
    "parse",
    "parse_phase",
    "rollup_containers",
    "to_adx",
]

#: Smallest supported code year.
MIN_YEAR = 1000
#: Largest supported code year: one year short of ``date.max`` so that the following
#: periods (which may end in the next calendar year) can always be computed.
MAX_YEAR = 9998

_ONE_DAY = timedelta(days=1)


class PeriodError(ValueError):
    """An invalid period code, ADX period, phase or period operation.

    ``str(error)`` holds both languages; ``message_en`` and ``message_vi`` hold each
    one separately, e.g. for showing the Vietnamese text alone in the user interface.
    """

    def __init__(self, message_en: str, message_vi: str) -> None:
        super().__init__(f"{message_en} / {message_vi}")
        self.message_en = message_en
        self.message_vi = message_vi


class PeriodType(enum.StrEnum):
    """DHIS2 period types; each value is the DHIS2 period type name."""

    DAILY = "Daily"
    WEEKLY = "Weekly"
    WEEKLY_WEDNESDAY = "WeeklyWednesday"
    WEEKLY_THURSDAY = "WeeklyThursday"
    WEEKLY_SATURDAY = "WeeklySaturday"
    WEEKLY_SUNDAY = "WeeklySunday"
    BI_WEEKLY = "BiWeekly"
    MONTHLY = "Monthly"
    BI_MONTHLY = "BiMonthly"
    QUARTERLY = "Quarterly"
    SIX_MONTHLY = "SixMonthly"
    SIX_MONTHLY_APRIL = "SixMonthlyApril"
    SIX_MONTHLY_NOV = "SixMonthlyNov"
    YEARLY = "Yearly"
    FINANCIAL_APRIL = "FinancialApril"
    FINANCIAL_JULY = "FinancialJuly"
    FINANCIAL_OCT = "FinancialOct"
    FINANCIAL_NOV = "FinancialNov"


# ---------------------------------------------------------------------------
# Per-type tables
# ---------------------------------------------------------------------------

#: Weekly types: first weekday (Monday = 0) and the code infix before the week number.
_WEEKLY_TYPES: dict[PeriodType, tuple[int, str]] = {
    PeriodType.WEEKLY: (0, "W"),
    PeriodType.WEEKLY_WEDNESDAY: (2, "WedW"),
    PeriodType.WEEKLY_THURSDAY: (3, "ThuW"),
    PeriodType.WEEKLY_SATURDAY: (5, "SatW"),
    PeriodType.WEEKLY_SUNDAY: (6, "SunW"),
}
_WEEK_INFIXES: dict[str, PeriodType] = {
    infix: ptype for ptype, (_, infix) in _WEEKLY_TYPES.items()
} | {"BiW": PeriodType.BI_WEEKLY}


@dataclass(frozen=True)
class _MonthSpec:
    """A type whose periods are ``length`` whole months, one of them starting in
    calendar month ``first_month``."""

    length: int
    first_month: int


_MONTH_SPECS: dict[PeriodType, _MonthSpec] = {
    PeriodType.MONTHLY: _MonthSpec(1, 1),
    PeriodType.BI_MONTHLY: _MonthSpec(2, 1),
    PeriodType.QUARTERLY: _MonthSpec(3, 1),
    PeriodType.SIX_MONTHLY: _MonthSpec(6, 1),
    PeriodType.SIX_MONTHLY_APRIL: _MonthSpec(6, 4),
    PeriodType.SIX_MONTHLY_NOV: _MonthSpec(6, 11),
    PeriodType.YEARLY: _MonthSpec(12, 1),
    PeriodType.FINANCIAL_APRIL: _MonthSpec(12, 4),
    PeriodType.FINANCIAL_JULY: _MonthSpec(12, 7),
    PeriodType.FINANCIAL_OCT: _MonthSpec(12, 10),
    PeriodType.FINANCIAL_NOV: _MonthSpec(12, 11),
}

_FINANCIAL_SUFFIXES: dict[str, PeriodType] = {
    "April": PeriodType.FINANCIAL_APRIL,
    "July": PeriodType.FINANCIAL_JULY,
    "Oct": PeriodType.FINANCIAL_OCT,
    "Nov": PeriodType.FINANCIAL_NOV,
}

#: Canonical ISO 8601 duration of each type, as used by ADX.
_ADX_DURATIONS: dict[PeriodType, str] = {
    PeriodType.DAILY: "P1D",
    **{ptype: "P7D" for ptype in _WEEKLY_TYPES},
    PeriodType.BI_WEEKLY: "P14D",
    PeriodType.MONTHLY: "P1M",
    PeriodType.BI_MONTHLY: "P2M",
    PeriodType.QUARTERLY: "P3M",
    PeriodType.SIX_MONTHLY: "P6M",
    PeriodType.SIX_MONTHLY_APRIL: "P6M",
    PeriodType.SIX_MONTHLY_NOV: "P6M",
    PeriodType.YEARLY: "P1Y",
    PeriodType.FINANCIAL_APRIL: "P1Y",
    PeriodType.FINANCIAL_JULY: "P1Y",
    PeriodType.FINANCIAL_OCT: "P1Y",
    PeriodType.FINANCIAL_NOV: "P1Y",
}
#: Accepted ADX durations (including the equivalent spellings P1W, P2W and P12M).
_ADX_TYPES: dict[str, tuple[PeriodType, ...]] = {
    duration: tuple(t for t, d in _ADX_DURATIONS.items() if d == duration)
    for duration in dict.fromkeys(_ADX_DURATIONS.values())
}
_ADX_TYPES |= {"P1W": _ADX_TYPES["P7D"], "P2W": _ADX_TYPES["P14D"], "P12M": _ADX_TYPES["P1Y"]}

#: Types offered by :func:`rollup_containers`, narrowest first.
_ROLLUP_TYPES = (
    PeriodType.MONTHLY,
    PeriodType.QUARTERLY,
    PeriodType.SIX_MONTHLY,
    PeriodType.YEARLY,
)

# ---------------------------------------------------------------------------
# Calendar arithmetic
# ---------------------------------------------------------------------------


def _add_months(first_of_month: date, months: int) -> date:
    """The first day of the month ``months`` months after ``first_of_month``'s month."""
    index = first_of_month.year * 12 + first_of_month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _week1_start(year: int, first_weekday: int) -> date:
    """First day of week 1 of ``year`` for weeks starting on ``first_weekday``.

    Week 1 is the first week with at least four days in ``year`` (the ISO 8601 rule),
    so it starts on the given weekday between 29 December and 4 January.
    """
    earliest = date(year - 1, 12, 29)
    return earliest + timedelta(days=(first_weekday - earliest.weekday()) % 7)


def _weeks_in_year(year: int, first_weekday: int) -> int:
    """Number of weeks (52 or 53) in week-based ``year``."""
    days = _week1_start(year + 1, first_weekday) - _week1_start(year, first_weekday)
    return days.days // 7


def _week_of(week_start: date, first_weekday: int) -> tuple[int, int]:
    """Week-based year and week number of the week starting on ``week_start``."""
    year = week_start.year
    if week_start >= _week1_start(year + 1, first_weekday):
        year += 1
    return year, (week_start - _week1_start(year, first_weekday)).days // 7 + 1


def _bi_weeks_in_year(year: int) -> int:
    """Number of bi-weeks in ISO ``year``: 26, or 27 when it has 53 ISO weeks."""
    return (_weeks_in_year(year, 0) + 1) // 2


def _align(period_type: PeriodType, day: date) -> date:
    """Start date of the period of ``period_type`` that contains ``day``."""
    if period_type is PeriodType.DAILY:
        return day
    if period_type in _WEEKLY_TYPES:
        first_weekday = _WEEKLY_TYPES[period_type][0]
        return day - timedelta(days=(day.weekday() - first_weekday) % 7)
    if period_type is PeriodType.BI_WEEKLY:
        monday = day - timedelta(days=day.weekday())
        # Bi-weeks start on odd ISO weeks (DHIS2 BiWeeklyAbstractPeriodType).
        return monday - timedelta(days=7) if day.isocalendar().week % 2 == 0 else monday
    spec = _MONTH_SPECS[period_type]
    index = day.year * 12 + day.month - 1
    index -= (index - (spec.first_month - 1)) % spec.length
    return date(index // 12, index % 12 + 1, 1)


def _month_based_code(period_type: PeriodType, start: date) -> str:
    """DHIS2 code of the month-based period starting on ``start``."""
    year, month = start.year, start.month
    match period_type:
        case PeriodType.MONTHLY:
            return f"{year:04d}{month:02d}"
        case PeriodType.BI_MONTHLY:
            return f"{year:04d}{(month + 1) // 2:02d}B"
        case PeriodType.QUARTERLY:
            return f"{year:04d}Q{(month + 2) // 3}"
        case PeriodType.SIX_MONTHLY:
            return f"{year:04d}S{1 if month == 1 else 2}"
        case PeriodType.SIX_MONTHLY_APRIL:
            return f"{year:04d}AprilS{1 if month == 4 else 2}"
        case PeriodType.SIX_MONTHLY_NOV:
            return f"{year + 1:04d}NovS1" if month == 11 else f"{year:04d}NovS2"
        case PeriodType.YEARLY:
            return f"{year:04d}"
        case PeriodType.FINANCIAL_APRIL:
            return f"{year:04d}April"
        case PeriodType.FINANCIAL_JULY:
            return f"{year:04d}July"
        case PeriodType.FINANCIAL_OCT:
            return f"{year:04d}Oct"
        case PeriodType.FINANCIAL_NOV:
            return f"{year + 1:04d}Nov"
        case _:
            raise ValueError(f"{period_type} is not a month-based period type")


def _describe(period_type: PeriodType, start: date) -> tuple[str, date]:
    """Code and end date of the period of ``period_type`` starting on ``start``.

    ``start`` must already be aligned to a period boundary (see :func:`_align`).
    """
    if period_type is PeriodType.DAILY:
        return f"{start.year:04d}{start.month:02d}{start.day:02d}", start
    if period_type in _WEEKLY_TYPES:
        first_weekday, infix = _WEEKLY_TYPES[period_type]
        year, week = _week_of(start, first_weekday)
        return f"{year:04d}{infix}{week}", start + timedelta(days=6)
    if period_type is PeriodType.BI_WEEKLY:
        iso = start.isocalendar()
        return f"{iso.year:04d}BiW{(iso.week + 1) // 2}", start + timedelta(days=13)
    end = _add_months(start, _MONTH_SPECS[period_type].length) - _ONE_DAY
    return _month_based_code(period_type, start), end


# ---------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------

_RE_DAILY = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")
_RE_WEEKLY = re.compile(r"([0-9]{4})(W|WedW|ThuW|SatW|SunW|BiW)([0-9]+)")
_RE_MONTHLY = re.compile(r"([0-9]{4})([0-9]{2})")
_RE_BI_MONTHLY = re.compile(r"([0-9]{4})([0-9]{2})B")
_RE_QUARTERLY = re.compile(r"([0-9]{4})Q([0-9]+)")
_RE_SIX_MONTHLY = re.compile(r"([0-9]{4})(April|Nov)?S([0-9]+)")
_RE_YEARLY = re.compile(r"([0-9]{4})")
_RE_FINANCIAL = re.compile(r"([0-9]{4})(April|July|Oct|Nov)")
_RE_ADX = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})/(P[0-9]+[DWMY])")
_RE_PHASE = re.compile(r"([0-9]{4})\s*[-–]\s*([0-9]{4})")

_EXAMPLES = "2024, 2024Q1, 2024S1, 202403, 202401B, 2024W10, 20240315, 2024April"


def _invalid(code: str, reason_en: str, reason_vi: str) -> PeriodError:
    return PeriodError(
        f"Invalid period code {code!r}: {reason_en}",
        f"Mã kỳ báo cáo {code!r} không hợp lệ: {reason_vi}",
    )


def _out_of_range(what: str, year: int) -> PeriodError:
    return PeriodError(
        f"{what}: year {year} is outside the supported range {MIN_YEAR}-{MAX_YEAR}",
        f"{what}: năm {year} nằm ngoài khoảng được hỗ trợ ({MIN_YEAR}-{MAX_YEAR})",
    )


def _code_year(code: str, text: str) -> int:
    year = int(text)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise _invalid(
            code,
            f"the year must be between {MIN_YEAR} and {MAX_YEAR}",
            f"năm phải từ {MIN_YEAR} đến {MAX_YEAR}",
        )
    return year


def _number(code: str, text: str, upper: int, what: tuple[str, str], note: str = "") -> int:
    """Parse a 1-based period number written without leading zeros.

    ``what`` names the number in English and Vietnamese; ``note`` (English, Vietnamese
    separated by ``|``) is appended to the out-of-range message.
    """
    what_en, what_vi = what
    if len(text) > 1 and text.startswith("0"):
        raise _invalid(
            code,
            f"write the {what_en} number without a leading zero",
            f"số {what_vi} không được viết số 0 ở đầu",
        )
    number = int(text)
    if not 1 <= number <= upper:
        note_en, _, note_vi = note.partition("|")
        raise _invalid(
            code,
            f"the {what_en} must be between 1 and {upper}{note_en}",
            f"{what_vi} phải từ 1 đến {upper}{note_vi}",
        )
    return number


def _month(code: str, text: str) -> int:
    month = int(text)
    if not 1 <= month <= 12:
        raise _invalid(code, "the month must be between 01 and 12", "tháng phải từ 01 đến 12")
    return month


def _parse_start(code: str) -> tuple[PeriodType, date]:
    """Period type and start date encoded by ``code`` (validated, not yet canonical)."""
    if not code:
        raise PeriodError("The period code is empty", "Mã kỳ báo cáo đang để trống")

    if match := _RE_DAILY.fullmatch(code):
        year, month, day = _code_year(code, match[1]), _month(code, match[2]), int(match[3])
        last_day = calendar.monthrange(year, month)[1]
        if not 1 <= day <= last_day:
            raise _invalid(
                code,
                f"{year:04d}-{month:02d}-{day:02d} is not a date "
                f"(month {month} of {year} has {last_day} days)",
                f"ngày {day:02d}/{month:02d}/{year:04d} không tồn tại "
                f"(tháng {month}/{year} có {last_day} ngày)",
            )
        return PeriodType.DAILY, date(year, month, day)

    if match := _RE_WEEKLY.fullmatch(code):
        year, period_type = _code_year(code, match[1]), _WEEK_INFIXES[match[2]]
        if period_type is PeriodType.BI_WEEKLY:
            count = _bi_weeks_in_year(year)
            note = f" ({year} has {count} bi-weeks)| (năm {year} có {count} kỳ hai tuần)"
            number = _number(code, match[3], count, ("bi-week", "kỳ hai tuần"), note)
            return period_type, _week1_start(year, 0) + timedelta(weeks=2 * (number - 1))
        first_weekday = _WEEKLY_TYPES[period_type][0]
        count = _weeks_in_year(year, first_weekday)
        note = f" ({year} has {count} weeks)| (năm {year} có {count} tuần)"
        number = _number(code, match[3], count, ("week", "tuần"), note)
        return period_type, _week1_start(year, first_weekday) + timedelta(weeks=number - 1)

    if match := _RE_MONTHLY.fullmatch(code):
        return PeriodType.MONTHLY, date(_code_year(code, match[1]), _month(code, match[2]), 1)

    if match := _RE_BI_MONTHLY.fullmatch(code):
        year, number = _code_year(code, match[1]), int(match[2])
        if not 1 <= number <= 6:
            raise _invalid(
                code,
                "the bi-month must be between 01 (Jan-Feb) and 06 (Nov-Dec)",
                "kỳ hai tháng phải từ 01 (tháng 1-2) đến 06 (tháng 11-12)",
            )
        return PeriodType.BI_MONTHLY, date(year, 2 * number - 1, 1)

    if match := _RE_QUARTERLY.fullmatch(code):
        year = _code_year(code, match[1])
        number = _number(code, match[2], 4, ("quarter", "quý"))
        return PeriodType.QUARTERLY, date(year, 3 * number - 2, 1)

    if match := _RE_SIX_MONTHLY.fullmatch(code):
        year = _code_year(code, match[1])
        number = _number(code, match[3], 2, ("half-year", "kỳ 6 tháng"))
        if match[2] == "April":
            return PeriodType.SIX_MONTHLY_APRIL, date(year, 4 if number == 1 else 10, 1)
        if match[2] == "Nov":
            start = date(year - 1, 11, 1) if number == 1 else date(year, 5, 1)
            return PeriodType.SIX_MONTHLY_NOV, start
        return PeriodType.SIX_MONTHLY, date(year, 1 if number == 1 else 7, 1)

    if match := _RE_YEARLY.fullmatch(code):
        return PeriodType.YEARLY, date(_code_year(code, match[1]), 1, 1)

    if match := _RE_FINANCIAL.fullmatch(code):
        year, period_type = _code_year(code, match[1]), _FINANCIAL_SUFFIXES[match[2]]
        if period_type is PeriodType.FINANCIAL_NOV:
            return period_type, date(year - 1, 11, 1)
        return period_type, date(year, _MONTH_SPECS[period_type].first_month, 1)

    raise _invalid(
        code,
        f"not a DHIS2 period code (examples: {_EXAMPLES})",
        f"không đúng định dạng mã kỳ DHIS2 (ví dụ: {_EXAMPLES})",
    )


@functools.lru_cache(maxsize=4096)
def _resolve(code: str) -> tuple[PeriodType, date, date]:
    """Period type, start and end of a canonical period code."""
    period_type, start = _parse_start(code)
    canonical, end = _describe(period_type, start)
    if canonical != code:
        raise _invalid(
            code, f"the canonical form is {canonical!r}", f"cách viết đúng là {canonical!r}"
        )
    return period_type, start, end


# ---------------------------------------------------------------------------
# Period
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A DHIS2 period: its code, type and inclusive start and end dates.

    Create periods with :func:`parse` or :func:`for_date`; the constructor checks that
    the four fields agree and raises :class:`PeriodError` otherwise.
    """

    code: str
    period_type: PeriodType
    start: date
    end: date

    def __post_init__(self) -> None:
        """Reject fields that do not describe the period named by ``code``."""
        expected = _resolve(self.code)
        actual = (self.period_type, self.start, self.end)
        if actual != expected or not isinstance(self.period_type, PeriodType):
            period_type, start, end = expected
            raise PeriodError(
                f"Inconsistent period {self.code!r}: it is a {period_type} period "
                f"from {start} to {end}",
                f"Kỳ {self.code!r} không nhất quán: đó là kỳ {period_type} từ {start} đến {end}",
            )

    def __str__(self) -> str:
        return self.code

    def days(self) -> int:
        """Number of days in the period (both ends included)."""
        return (self.end - self.start).days + 1

    def months(self) -> list[Period]:
        """The monthly periods lying entirely inside this period, in order.

        ``parse("2024S1").months()`` gives 202401 … 202406; a week gives ``[]``.
        """
        first = self.start if self.start.day == 1 else _add_months(self.start.replace(day=1), 1)
        months: list[Period] = []
        while _add_months(first, 1) - _ONE_DAY <= self.end:
            months.append(_make(PeriodType.MONTHLY, first, what=self.code))
            first = _add_months(first, 1)
        return months

    def contains(self, other: Period | str) -> bool:
        """Whether ``other`` lies entirely within this period (by dates)."""
        other = _as_period(other)
        return self.start <= other.start and other.end <= self.end

    def previous(self) -> Period:
        """The period of the same type just before this one (``2024W1`` -> ``2023W52``)."""
        return for_date(self.period_type, self.start - _ONE_DAY)

    def next(self) -> Period:
        """The period of the same type just after this one (``2023Q4`` -> ``2024Q1``)."""
        return for_date(self.period_type, self.end + _ONE_DAY)

    def same_period_last_year(self) -> Period:
        """The corresponding period one year earlier, for year-on-year comparison.

        * Daily: same day and month; 29 February maps to 28 February.
        * Weekly types and bi-weekly: same week (bi-week) number in the previous
          week-based year; week 53 (bi-week 27) maps to the last week (bi-week) of the
          previous year when that year is shorter: ``2020W53`` -> ``2019W52``,
          ``2020BiW27`` -> ``2019BiW26``.
        * Month-based types: the period starting twelve months earlier
          (``2024Q1`` -> ``2023Q1``, ``2025Nov`` -> ``2024Nov``).
        """
        period_type = self.period_type
        if period_type is PeriodType.DAILY:
            day = self.start
            if (day.month, day.day) == (2, 29):
                day = day.replace(day=28)
            return for_date(period_type, day.replace(year=day.year - 1))
        if period_type in _WEEKLY_TYPES or period_type is PeriodType.BI_WEEKLY:
            year, number = _week_number(self)
            if period_type is PeriodType.BI_WEEKLY:
                number = min(number, _bi_weeks_in_year(year - 1))
                start = _week1_start(year - 1, 0) + timedelta(weeks=2 * (number - 1))
            else:
                first_weekday = _WEEKLY_TYPES[period_type][0]
                number = min(number, _weeks_in_year(year - 1, first_weekday))
                start = _week1_start(year - 1, first_weekday) + timedelta(weeks=number - 1)
            return _make(period_type, start, what=f"Year before {self.code}")
        return for_date(period_type, _add_months(self.start, -12))

    def containing(self, period_type: PeriodType) -> Period:
        """The period of ``period_type`` that contains this whole period.

        ``parse("202405").containing(PeriodType.QUARTERLY)`` is ``2024Q2``. Raises
        :class:`PeriodError` when no period of that type contains it (a week spanning
        two months has no containing month; a quarter has no containing month).
        """
        container = self._containing_or_none(period_type)
        if container is None:
            raise PeriodError(
                f"No {period_type} period contains {self.code} ({self.start} to {self.end})",
                f"Không có kỳ {period_type} nào chứa trọn kỳ {self.code} "
                f"({self.start} đến {self.end})",
            )
        return container

    def label_vi(self) -> str:
        """Vietnamese label, see :func:`label_vi`."""
        return _period_label_vi(self)

    def _containing_or_none(self, period_type: PeriodType) -> Period | None:
        if period_type is self.period_type:
            return self
        try:
            container = for_date(period_type, self.start)
        except PeriodError:  # outside the supported years
            return None
        return container if self.end <= container.end else None


def _make(period_type: PeriodType, start: date, *, what: str) -> Period:
    """Build the period of ``period_type`` starting on the aligned date ``start``."""
    code, end = _describe(period_type, start)
    year = int(code[:4])
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise _out_of_range(what, year)
    return Period(code, period_type, start, end)


def _week_number(period: Period) -> tuple[int, int]:
    """Week-based year and week (or bi-week) number of a weekly or bi-weekly period."""
    return int(period.code[:4]), int(period.code.rsplit("W", 1)[1])


def _as_period(period: Period | str) -> Period:
    return period if isinstance(period, Period) else parse(period)


# ---------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------


def parse(code: str) -> Period:
    """Parse a DHIS2 period code such as ``2024Q1``; surrounding spaces are ignored.

    Raises :class:`PeriodError` (a :class:`ValueError`) for anything invalid, e.g.
    ``""``, ``"202413"``, ``"2024Q5"``, ``"2024W53"`` (2024 has 52 ISO weeks),
    ``"20240230"`` or a non-canonical spelling such as ``"2024W01"``.
    """
    code = code.strip()
    period_type, start, end = _resolve(code)
    return Period(code, period_type, start, end)


def for_date(period_type: PeriodType, day: date) -> Period:
    """The period of ``period_type`` containing ``day`` (a ``datetime`` uses its date)."""
    if isinstance(day, datetime):
        day = day.date()
    if not date(MIN_YEAR - 1, 1, 1) <= day <= date(MAX_YEAR, 12, 31):
        raise _out_of_range(f"Date {day}", day.year)
    return _make(period_type, _align(period_type, day), what=f"{period_type} period of {day}")


def contains(outer: Period | str, inner: Period | str) -> bool:
    """Whether ``inner`` lies entirely within ``outer`` (by dates, any types)."""
    return _as_period(outer).contains(inner)


def rollup_containers(period: Period | str) -> list[Period]:
    """The MONTHLY, QUARTERLY, SIX_MONTHLY and YEARLY periods containing ``period``.

    Narrowest first, excluding ``period`` itself and every type of which no single
    period contains it: ``20240315`` -> 202403, 2024Q1, 2024S1, 2024; ``2024W5``
    (29 Jan-4 Feb) -> 2024Q1, 2024S1, 2024; ``2020W53`` -> ``[]``; ``2024`` -> ``[]``.
    """
    period = _as_period(period)
    containers = (
        period._containing_or_none(t) for t in _ROLLUP_TYPES if t is not period.period_type
    )
    return [container for container in containers if container is not None]


def to_adx(period: Period | str) -> str:
    """ADX (ISO 8601 interval) form of a period: ``to_adx("2022Q2") == "2022-04-01/P3M"``."""
    period = _as_period(period)
    return f"{period.start.isoformat()}/{_ADX_DURATIONS[period.period_type]}"


def from_adx(value: str) -> str:
    """DHIS2 period code of an ADX period: ``from_adx("2024-01-01/P3M") == "2024Q1"``.

    Durations: P1D, P7D (P1W), P14D (P2W), P1M, P2M, P3M, P6M, P1Y (P12M). The week
    type of P7D follows the start weekday; P6M and P1Y starting in April, July,
    October or November give the matching six-monthly or financial type, e.g.
    ``"2024-11-01/P1Y"`` is ``"2025Nov"``. Raises :class:`PeriodError` when the text is
    malformed or no DHIS2 period of that duration starts on that date.
    """
    text = value.strip()

    def invalid(reason_en: str, reason_vi: str) -> PeriodError:
        return PeriodError(
            f"Invalid ADX period {value!r}: {reason_en}",
            f"Kỳ ADX {value!r} không hợp lệ: {reason_vi}",
        )

    match = _RE_ADX.fullmatch(text)
    if match is None:
        raise invalid(
            "expected 'YYYY-MM-DD/duration', e.g. '2024-01-01/P3M'",
            "cần có dạng 'YYYY-MM-DD/thời lượng', ví dụ '2024-01-01/P3M'",
        )
    try:
        start = date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise invalid(f"{text.split('/')[0]} is not a date", "ngày bắt đầu không tồn tại") from None
    duration = match[4]
    candidates = _ADX_TYPES.get(duration)
    if candidates is None:
        supported = ", ".join(_ADX_TYPES)
        raise invalid(
            f"unsupported duration {duration} (supported: {supported})",
            f"thời lượng {duration} không được hỗ trợ (hỗ trợ: {supported})",
        )
    if not date(MIN_YEAR - 1, 1, 1) <= start <= date(MAX_YEAR, 12, 31):
        raise _out_of_range(f"ADX period {value!r}", start.year)
    for period_type in candidates:
        if _align(period_type, start) == start:
            return _make(period_type, start, what=f"ADX period {value!r}").code
    names = " / ".join(candidates)
    hint = for_date(candidates[0], start)
    raise invalid(
        f"no {names} period of duration {duration} starts on {start} "
        f"(the {candidates[0]} period containing that date is {hint.code} = {to_adx(hint)})",
        f"không có kỳ {names} nào dài {duration} bắt đầu vào ngày "
        f"{start:%d/%m}/{start.year:04d} (kỳ {candidates[0]} chứa ngày đó là {hint.code} "
        f"= {to_adx(hint)})",
    )


# ---------------------------------------------------------------------------
# Multi-year phases (giai đoạn)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Phase:
    """A multi-year phase (giai đoạn), e.g. 2021-2025, used for phase targets.

    Covers 1 January of ``start_year`` to 31 December of ``end_year``.
    """

    start_year: int
    end_year: int

    def __post_init__(self) -> None:
        """Reject reversed or unsupported years."""
        for year in (self.start_year, self.end_year):
            if not MIN_YEAR <= year <= MAX_YEAR:
                raise _out_of_range(f"Phase {self.start_year}-{self.end_year}", year)
        if self.start_year > self.end_year:
            raise PeriodError(
                f"Invalid phase {self.start_year}-{self.end_year}: "
                "the start year is after the end year",
                f"Giai đoạn {self.start_year}-{self.end_year} không hợp lệ: "
                "năm bắt đầu sau năm kết thúc",
            )

    def __str__(self) -> str:
        return self.code

    @property
    def code(self) -> str:
        """Canonical code, e.g. ``"2021-2025"``."""
        return f"{self.start_year:04d}-{self.end_year:04d}"

    @property
    def start(self) -> date:
        """First day of the phase (1 January of ``start_year``)."""
        return date(self.start_year, 1, 1)

    @property
    def end(self) -> date:
        """Last day of the phase (31 December of ``end_year``)."""
        return date(self.end_year, 12, 31)

    def contains(self, period: Period | str) -> bool:
        """Whether ``period`` lies entirely within the phase."""
        period = _as_period(period)
        return self.start <= period.start and period.end <= self.end

    def years(self) -> list[Period]:
        """The yearly periods of the phase, in order."""
        return [parse(f"{year:04d}") for year in range(self.start_year, self.end_year + 1)]

    def label_vi(self) -> str:
        """Vietnamese label, e.g. ``"giai đoạn 2021–2025"`` (with an en dash)."""
        return f"giai đoạn {self.start_year}–{self.end_year}"


def parse_phase(code: str) -> Phase:
    """Parse a phase code ``"2021-2025"`` (an en dash and spaces are also accepted)."""
    match = _RE_PHASE.fullmatch(code.strip())
    if match is None:
        raise PeriodError(
            f"Invalid phase {code!r}: expected 'YYYY-YYYY', e.g. '2021-2025'",
            f"Giai đoạn {code!r} không hợp lệ: cần có dạng 'YYYY-YYYY', ví dụ '2021-2025'",
        )
    return Phase(int(match[1]), int(match[2]))


# ---------------------------------------------------------------------------
# Vietnamese labels
# ---------------------------------------------------------------------------

_ROMAN = ("I", "II", "III", "IV")


def _period_label_vi(period: Period) -> str:
    start, end, code = period.start, period.end, period.code
    year = int(code[:4])
    match period.period_type:
        case PeriodType.DAILY:
            return f"ngày {format_date_short(start)}"
        case PeriodType.BI_WEEKLY:
            first_week = start.isocalendar()
            last_week = (start + timedelta(weeks=1)).isocalendar()
            if first_week.year == last_week.year:
                return f"tuần {first_week.week}-{last_week.week} năm {year}"
            return (
                f"tuần {first_week.week} năm {first_week.year} "
                f"và tuần {last_week.week} năm {last_week.year}"
            )
        case PeriodType.MONTHLY:
            return f"tháng {start.month}/{start.year}"
        case PeriodType.BI_MONTHLY:
            return f"tháng {start.month}-{end.month}/{start.year}"
        case PeriodType.QUARTERLY:
            return f"quý {_ROMAN[(start.month - 1) // 3]} năm {start.year}"
        case PeriodType.SIX_MONTHLY:
            half = "đầu" if start.month == 1 else "cuối"
            return f"6 tháng {half} năm {start.year}"
        case PeriodType.SIX_MONTHLY_APRIL | PeriodType.SIX_MONTHLY_NOV:
            return f"6 tháng từ tháng {start.month}/{start.year} đến tháng {end.month}/{end.year}"
        case PeriodType.YEARLY:
            return f"năm {year}"
        case (
            PeriodType.FINANCIAL_APRIL
            | PeriodType.FINANCIAL_JULY
            | PeriodType.FINANCIAL_OCT
            | PeriodType.FINANCIAL_NOV
        ):
            return f"năm tài chính {year} ({format_date_short(start)}–{format_date_short(end)})"
        case _:  # the weekly types
            first_weekday = _WEEKLY_TYPES[period.period_type][0]
            week = _week_number(period)[1]
            label = f"tuần {week} năm {year}"
            if first_weekday != 0:
                label += f" (tuần bắt đầu từ {weekday_name(first_weekday, capital=False)})"
            return label


def label_vi(item: Period | Phase | str) -> str:
    """Vietnamese label of a period or phase (a string is parsed first).

    ======================  ===================================================
    Type                    Label
    ======================  ===================================================
    DAILY                   ngày 15/03/2024
    WEEKLY                  tuần 10 năm 2024
    WEEKLY_WEDNESDAY etc.   tuần 10 năm 2024 (tuần bắt đầu từ thứ tư)
    BI_WEEKLY               tuần 1-2 năm 2024
                            (2020BiW27: tuần 53 năm 2020 và tuần 1 năm 2021)
    MONTHLY                 tháng 3/2023
    BI_MONTHLY              tháng 1-2/2024
    QUARTERLY               quý IV năm 2023
    SIX_MONTHLY             6 tháng đầu năm 2023 / 6 tháng cuối năm 2023
    SIX_MONTHLY_APRIL/NOV   6 tháng từ tháng 11/2023 đến tháng 4/2024
    YEARLY                  năm 2023
    FINANCIAL_*             năm tài chính 2024 (01/04/2024–31/03/2025)
                            (the year is the code's: 2025Nov gives
                            năm tài chính 2025 (01/11/2024–31/10/2025))
    Phase                   giai đoạn 2021–2025
    ======================  ===================================================
    """
    if isinstance(item, Phase):
        return item.label_vi()
    if isinstance(item, str) and _RE_PHASE.fullmatch(item.strip()):
        return parse_phase(item).label_vi()
    return _period_label_vi(_as_period(item))
