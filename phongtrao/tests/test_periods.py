"""Tests for phongtrao.periods (pure Python: no database, no Django needed)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from phongtrao.periods import (
    MAX_YEAR,
    MIN_YEAR,
    Period,
    PeriodError,
    PeriodType,
    Phase,
    contains,
    for_date,
    from_adx,
    label_vi,
    parse,
    parse_phase,
    rollup_containers,
    to_adx,
)

PT = PeriodType
D = date

# ---------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------

PARSE_CASES = [
    ("20240315", PT.DAILY, D(2024, 3, 15), D(2024, 3, 15)),
    ("20240229", PT.DAILY, D(2024, 2, 29), D(2024, 2, 29)),
    ("2024W1", PT.WEEKLY, D(2024, 1, 1), D(2024, 1, 7)),
    ("2024W10", PT.WEEKLY, D(2024, 3, 4), D(2024, 3, 10)),
    ("2024W52", PT.WEEKLY, D(2024, 12, 23), D(2024, 12, 29)),
    ("2025W1", PT.WEEKLY, D(2024, 12, 30), D(2025, 1, 5)),
    ("2020W53", PT.WEEKLY, D(2020, 12, 28), D(2021, 1, 3)),
    ("2026W53", PT.WEEKLY, D(2026, 12, 28), D(2027, 1, 3)),
    ("2024WedW10", PT.WEEKLY_WEDNESDAY, D(2024, 3, 6), D(2024, 3, 12)),
    ("2024ThuW10", PT.WEEKLY_THURSDAY, D(2024, 3, 7), D(2024, 3, 13)),
    ("2024SatW10", PT.WEEKLY_SATURDAY, D(2024, 3, 2), D(2024, 3, 8)),
    ("2024SunW10", PT.WEEKLY_SUNDAY, D(2024, 3, 3), D(2024, 3, 9)),
    ("2024SatW1", PT.WEEKLY_SATURDAY, D(2023, 12, 30), D(2024, 1, 5)),
    # 28 Dec 2014 (Sunday) starts a week with only 3 days in 2015, so it is not week 1.
    ("2015SunW1", PT.WEEKLY_SUNDAY, D(2015, 1, 4), D(2015, 1, 10)),
    ("2024BiW1", PT.BI_WEEKLY, D(2024, 1, 1), D(2024, 1, 14)),
    ("2024BiW2", PT.BI_WEEKLY, D(2024, 1, 15), D(2024, 1, 28)),
    ("2024BiW26", PT.BI_WEEKLY, D(2024, 12, 16), D(2024, 12, 29)),
    ("2020BiW27", PT.BI_WEEKLY, D(2020, 12, 28), D(2021, 1, 10)),
    ("202403", PT.MONTHLY, D(2024, 3, 1), D(2024, 3, 31)),
    ("202402", PT.MONTHLY, D(2024, 2, 1), D(2024, 2, 29)),
    ("202302", PT.MONTHLY, D(2023, 2, 1), D(2023, 2, 28)),
    ("202401B", PT.BI_MONTHLY, D(2024, 1, 1), D(2024, 2, 29)),
    ("202402B", PT.BI_MONTHLY, D(2024, 3, 1), D(2024, 4, 30)),
    ("202406B", PT.BI_MONTHLY, D(2024, 11, 1), D(2024, 12, 31)),
    ("2024Q1", PT.QUARTERLY, D(2024, 1, 1), D(2024, 3, 31)),
    ("2024Q2", PT.QUARTERLY, D(2024, 4, 1), D(2024, 6, 30)),
    ("2024Q3", PT.QUARTERLY, D(2024, 7, 1), D(2024, 9, 30)),
    ("2024Q4", PT.QUARTERLY, D(2024, 10, 1), D(2024, 12, 31)),
    ("2024S1", PT.SIX_MONTHLY, D(2024, 1, 1), D(2024, 6, 30)),
    ("2024S2", PT.SIX_MONTHLY, D(2024, 7, 1), D(2024, 12, 31)),
    ("2024AprilS1", PT.SIX_MONTHLY_APRIL, D(2024, 4, 1), D(2024, 9, 30)),
    ("2024AprilS2", PT.SIX_MONTHLY_APRIL, D(2024, 10, 1), D(2025, 3, 31)),
    ("2024NovS1", PT.SIX_MONTHLY_NOV, D(2023, 11, 1), D(2024, 4, 30)),
    ("2024NovS2", PT.SIX_MONTHLY_NOV, D(2024, 5, 1), D(2024, 10, 31)),
    ("2024", PT.YEARLY, D(2024, 1, 1), D(2024, 12, 31)),
    ("2024April", PT.FINANCIAL_APRIL, D(2024, 4, 1), D(2025, 3, 31)),
    ("2024July", PT.FINANCIAL_JULY, D(2024, 7, 1), D(2025, 6, 30)),
    ("2024Oct", PT.FINANCIAL_OCT, D(2024, 10, 1), D(2025, 9, 30)),
    # DHIS2 names the November financial year after the year in which it ends.
    ("2025Nov", PT.FINANCIAL_NOV, D(2024, 11, 1), D(2025, 10, 31)),
    ("2024Nov", PT.FINANCIAL_NOV, D(2023, 11, 1), D(2024, 10, 31)),
]
ALL_CODES = [case[0] for case in PARSE_CASES]


@pytest.mark.parametrize(("code", "period_type", "start", "end"), PARSE_CASES)
def test_parse(code, period_type, start, end):
    period = parse(code)
    assert period == Period(code, period_type, start, end)
    assert (period.code, period.period_type, period.start, period.end) == (
        code,
        period_type,
        start,
        end,
    )
    assert str(period) == code


def test_every_period_type_is_covered_by_the_parse_table():
    assert {case[1] for case in PARSE_CASES} == set(PeriodType)


def test_period_type_values_are_dhis2_names():
    assert PT.SIX_MONTHLY_NOV == "SixMonthlyNov"
    assert PT.FINANCIAL_OCT.value == "FinancialOct"
    assert PeriodType("BiWeekly") is PT.BI_WEEKLY


def test_parse_ignores_surrounding_whitespace():
    assert parse("  2024Q1\n").code == "2024Q1"


INVALID_CODES = [
    "",
    "   ",
    "202413",
    "202400",
    "2024Q5",
    "2024Q0",
    "2024Q01",
    "2024W53",  # 2024 has 52 ISO weeks
    "2024W0",
    "2024W01",
    "2024W100",
    "2024SunW54",
    "20240230",
    "20230229",
    "20241301",
    "20240100",
    "2024S3",
    "2024S0",
    "2024AprilS3",
    "2024NovS0",
    "202400B",
    "202407B",
    "2024BiW27",  # 2024 has no ISO week 53
    "2024BiW0",
    "garbage",
    "2024q1",
    "2024w10",
    "2024-03",
    "24Q1",
    "2024Q1 x",
    "2024Dec",
    "2024MonW1",
    "0999",
    "9999",
    "１２３４",  # full-width digits
]


@pytest.mark.parametrize("code", INVALID_CODES)
def test_parse_rejects_invalid_codes(code):
    with pytest.raises(ValueError) as excinfo:
        parse(code)
    error = excinfo.value
    assert isinstance(error, PeriodError)
    assert error.message_en and error.message_vi
    assert str(error) == f"{error.message_en} / {error.message_vi}"
    if code.strip():
        assert repr(code.strip()) in error.message_en
        assert repr(code.strip()) in error.message_vi


@pytest.mark.parametrize(
    ("code", "fragments"),
    [
        ("", ["empty", "để trống"]),
        ("202413", ["month must be between 01 and 12", "tháng phải từ 01 đến 12"]),
        ("2024Q5", ["quarter must be between 1 and 4", "quý phải từ 1 đến 4"]),
        ("2024W53", ["between 1 and 52", "2024 has 52 weeks", "năm 2024 có 52 tuần"]),
        ("20240230", ["2024-02-30 is not a date", "ngày 30/02/2024 không tồn tại"]),
        ("2024W01", ["leading zero"]),
        ("garbage", ["not a DHIS2 period code", "2024Q1"]),
    ],
)
def test_parse_error_messages_explain_the_problem(code, fragments):
    with pytest.raises(PeriodError) as excinfo:
        parse(code)
    for fragment in fragments:
        assert fragment in str(excinfo.value)


def test_supported_year_range():
    assert parse(f"{MIN_YEAR}").start == D(MIN_YEAR, 1, 1)
    assert parse(f"{MAX_YEAR}").end == D(MAX_YEAR, 12, 31)
    with pytest.raises(PeriodError):
        parse(f"{MAX_YEAR}").next()
    with pytest.raises(PeriodError):
        parse(f"{MIN_YEAR}").previous()


# ---------------------------------------------------------------------------
# The Period constructor checks its fields
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period_type", "start", "end"),
    [
        (PT.MONTHLY, D(2024, 1, 1), D(2024, 3, 31)),
        (PT.QUARTERLY, D(2024, 1, 1), D(2024, 3, 30)),
        (PT.QUARTERLY, D(2024, 1, 2), D(2024, 3, 31)),
        ("Quarterly", D(2024, 1, 1), D(2024, 3, 31)),
    ],
)
def test_period_constructor_rejects_inconsistent_fields(period_type, start, end):
    with pytest.raises(PeriodError, match="Inconsistent period '2024Q1'"):
        Period("2024Q1", period_type, start, end)


def test_period_constructor_rejects_invalid_code():
    with pytest.raises(PeriodError):
        Period("2024Q5", PT.QUARTERLY, D(2024, 1, 1), D(2024, 3, 31))


def test_periods_are_hashable_values():
    assert parse("2024Q1") == parse("2024Q1")
    assert len({parse("2024Q1"), parse("2024Q1"), parse("2024Q2")}) == 2


# ---------------------------------------------------------------------------
# for_date
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period_type", "day", "code"),
    [
        (PT.DAILY, D(2024, 3, 15), "20240315"),
        (PT.WEEKLY, D(2024, 1, 1), "2024W1"),
        (PT.WEEKLY, D(2021, 1, 3), "2020W53"),
        (PT.WEEKLY, D(2024, 12, 31), "2025W1"),
        (PT.WEEKLY_WEDNESDAY, D(2024, 3, 12), "2024WedW10"),
        (PT.WEEKLY_THURSDAY, D(2024, 3, 7), "2024ThuW10"),
        (PT.WEEKLY_SATURDAY, D(2024, 1, 1), "2024SatW1"),
        (PT.WEEKLY_SUNDAY, D(2024, 1, 1), "2024SunW1"),
        # 2014 has 52 ISO weeks but 53 Sunday weeks (the first starts on 29 Dec 2013).
        (PT.WEEKLY_SUNDAY, D(2015, 1, 3), "2014SunW53"),
        (PT.BI_WEEKLY, D(2024, 1, 10), "2024BiW1"),
        (PT.BI_WEEKLY, D(2024, 1, 15), "2024BiW2"),
        (PT.BI_WEEKLY, D(2021, 1, 1), "2020BiW27"),
        (PT.BI_WEEKLY, D(2021, 1, 5), "2021BiW1"),
        (PT.MONTHLY, D(2024, 3, 15), "202403"),
        (PT.BI_MONTHLY, D(2024, 4, 30), "202402B"),
        (PT.QUARTERLY, D(2024, 12, 31), "2024Q4"),
        (PT.SIX_MONTHLY, D(2024, 7, 1), "2024S2"),
        (PT.SIX_MONTHLY_APRIL, D(2024, 3, 31), "2023AprilS2"),
        (PT.SIX_MONTHLY_APRIL, D(2024, 4, 1), "2024AprilS1"),
        (PT.SIX_MONTHLY_NOV, D(2023, 11, 1), "2024NovS1"),
        (PT.SIX_MONTHLY_NOV, D(2024, 4, 30), "2024NovS1"),
        (PT.SIX_MONTHLY_NOV, D(2024, 10, 31), "2024NovS2"),
        (PT.YEARLY, D(2024, 6, 15), "2024"),
        (PT.FINANCIAL_APRIL, D(2024, 3, 31), "2023April"),
        (PT.FINANCIAL_APRIL, D(2024, 4, 1), "2024April"),
        (PT.FINANCIAL_JULY, D(2024, 7, 1), "2024July"),
        (PT.FINANCIAL_OCT, D(2024, 9, 30), "2023Oct"),
        (PT.FINANCIAL_NOV, D(2024, 10, 31), "2024Nov"),
        (PT.FINANCIAL_NOV, D(2024, 11, 1), "2025Nov"),
    ],
)
def test_for_date(period_type, day, code):
    period = for_date(period_type, day)
    assert period == parse(code)
    assert period.start <= day <= period.end


def test_for_date_accepts_a_datetime():
    period = for_date(PT.MONTHLY, datetime(2024, 3, 31, 23, 59))
    assert period.code == "202403"
    assert type(period.start) is date


def test_for_date_rejects_unsupported_years():
    with pytest.raises(PeriodError, match="outside the supported range"):
        for_date(PT.YEARLY, D(1, 1, 1))


# ---------------------------------------------------------------------------
# Navigation
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "previous", "next_"),
    [
        ("20240301", "20240229", "20240302"),
        ("20231231", "20231230", "20240101"),
        ("2024W1", "2023W52", "2024W2"),
        ("2021W1", "2020W53", "2021W2"),
        ("2020W53", "2020W52", "2021W1"),
        ("2024SunW1", "2023SunW52", "2024SunW2"),
        ("2024BiW1", "2023BiW26", "2024BiW2"),
        ("2021BiW1", "2020BiW27", "2021BiW2"),
        ("2020BiW27", "2020BiW26", "2021BiW1"),
        ("202401", "202312", "202402"),
        ("202312", "202311", "202401"),
        ("202401B", "202306B", "202402B"),
        ("2024Q1", "2023Q4", "2024Q2"),
        ("2024S1", "2023S2", "2024S2"),
        ("2024AprilS1", "2023AprilS2", "2024AprilS2"),
        ("2024NovS1", "2023NovS2", "2024NovS2"),
        ("2024NovS2", "2024NovS1", "2025NovS1"),
        ("2024", "2023", "2025"),
        ("2024April", "2023April", "2025April"),
        ("2024July", "2023July", "2025July"),
        ("2024Oct", "2023Oct", "2025Oct"),
        ("2025Nov", "2024Nov", "2026Nov"),
    ],
)
def test_previous_and_next(code, previous, next_):
    period = parse(code)
    assert period.previous().code == previous
    assert period.next().code == next_


@pytest.mark.parametrize(
    ("code", "last_year"),
    [
        ("20240315", "20230315"),
        ("20240229", "20230228"),
        ("20250228", "20240228"),
        ("2021W10", "2020W10"),
        ("2020W53", "2019W52"),  # 2019 has no week 53: use its last week
        ("2026W53", "2025W52"),
        ("2021W52", "2020W52"),
        ("2024SatW10", "2023SatW10"),
        ("2024BiW5", "2023BiW5"),
        ("2020BiW27", "2019BiW26"),
        ("202403", "202303"),
        ("202401B", "202301B"),
        ("2024Q1", "2023Q1"),
        ("2024S2", "2023S2"),
        ("2024AprilS2", "2023AprilS2"),
        ("2024NovS1", "2023NovS1"),
        ("2024", "2023"),
        ("2024April", "2023April"),
        ("2025Nov", "2024Nov"),
    ],
)
def test_same_period_last_year(code, last_year):
    assert parse(code).same_period_last_year().code == last_year


# ---------------------------------------------------------------------------
# Containment
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("outer", "inner", "expected"),
    [
        ("2024", "2024Q1", True),
        ("2024Q1", "2024", False),
        ("2024", "2024", True),
        ("2024Q1", "20240331", True),
        ("2024Q1", "20240401", False),
        ("2024", "2024W1", True),
        ("2021", "2020W53", False),
        ("2020", "2020W53", False),
        ("2024S1", "202401B", True),
        ("2024S1", "202404B", False),
        ("2025Nov", "202411", True),
        ("2025Nov", "2025", False),
        ("2024April", "2024Q2", True),
        ("2024April", "2024Q1", False),
    ],
)
def test_contains(outer, inner, expected):
    assert contains(outer, inner) is expected
    assert contains(parse(outer), parse(inner)) is expected
    assert parse(outer).contains(inner) is expected


@pytest.mark.parametrize(
    ("code", "period_type", "expected"),
    [
        ("202405", PT.QUARTERLY, "2024Q2"),
        ("202405", PT.SIX_MONTHLY, "2024S1"),
        ("202405", PT.YEARLY, "2024"),
        ("202405", PT.FINANCIAL_APRIL, "2024April"),
        ("202403", PT.FINANCIAL_APRIL, "2023April"),
        ("202410", PT.FINANCIAL_NOV, "2024Nov"),
        ("202411", PT.FINANCIAL_NOV, "2025Nov"),
        ("202411", PT.SIX_MONTHLY_NOV, "2025NovS1"),
        ("20240315", PT.WEEKLY, "2024W11"),
        ("20240315", PT.BI_WEEKLY, "2024BiW6"),
        ("20240315", PT.MONTHLY, "202403"),
        ("2024W10", PT.MONTHLY, "202403"),
        ("2024W10", PT.BI_WEEKLY, "2024BiW5"),
        ("202401", PT.BI_MONTHLY, "202401B"),
        ("2024Q2", PT.QUARTERLY, "2024Q2"),
        ("2024Q3", PT.SIX_MONTHLY_APRIL, "2024AprilS1"),
    ],
)
def test_containing(code, period_type, expected):
    container = parse(code).containing(period_type)
    assert container.code == expected
    assert container.contains(code)


@pytest.mark.parametrize(
    ("code", "period_type"),
    [
        ("2024W5", PT.MONTHLY),  # 29 January - 4 February
        ("2024Q1", PT.MONTHLY),  # a wider period is never contained in a narrower one
        ("2024Q1", PT.BI_MONTHLY),
        ("202402B", PT.QUARTERLY),  # March - April
        ("2020W53", PT.YEARLY),
        ("2024AprilS2", PT.YEARLY),
        ("2025Nov", PT.FINANCIAL_APRIL),
    ],
)
def test_containing_raises_when_no_single_period_contains(code, period_type):
    with pytest.raises(PeriodError, match=f"No {period_type} period contains {code}"):
        parse(code).containing(period_type)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("20240315", ["202403", "2024Q1", "2024S1", "2024"]),
        ("20241231", ["202412", "2024Q4", "2024S2", "2024"]),
        ("2024W10", ["202403", "2024Q1", "2024S1", "2024"]),
        ("2024W5", ["2024Q1", "2024S1", "2024"]),  # crosses a month boundary
        ("2024W40", ["2024S2", "2024"]),  # 30 Sep - 6 Oct crosses a month and a quarter
        ("2024W27", ["202407", "2024Q3", "2024S2", "2024"]),  # 1-7 July
        ("2020W53", []),  # crosses the year boundary
        ("2024BiW1", ["202401", "2024Q1", "2024S1", "2024"]),
        ("202403", ["2024Q1", "2024S1", "2024"]),
        ("202402B", ["2024S1", "2024"]),
        ("2024Q3", ["2024S2", "2024"]),
        ("2024S1", ["2024"]),
        ("2024", []),
        ("2024AprilS1", ["2024"]),
        ("2024April", []),
    ],
)
def test_rollup_containers(code, expected):
    assert [p.code for p in rollup_containers(code)] == expected
    assert rollup_containers(parse(code)) == [parse(c) for c in expected]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("2024S1", ["202401", "202402", "202403", "202404", "202405", "202406"]),
        ("2024Q3", ["202407", "202408", "202409"]),
        ("202401B", ["202401", "202402"]),
        ("202403", ["202403"]),
        ("2024AprilS2", ["202410", "202411", "202412", "202501", "202502", "202503"]),
        ("2025Nov", [f"2024{m}" for m in ("11", "12")] + [f"2025{m:02d}" for m in range(1, 11)]),
        ("2024BiW5", []),  # 26 Feb - 10 Mar
        ("2024W10", []),
        ("20240315", []),
    ],
)
def test_months(code, expected):
    assert [p.code for p in parse(code).months()] == expected


@pytest.mark.parametrize(
    ("code", "days"),
    [
        ("20240315", 1),
        ("2024W10", 7),
        ("2024SunW10", 7),
        ("2024BiW1", 14),
        ("2020BiW27", 14),
        ("202402", 29),
        ("202302", 28),
        ("202401B", 60),
        ("2024Q1", 91),
        ("2024S2", 184),
        ("2024", 366),
        ("2023", 365),
        ("2024April", 365),
        ("2023April", 366),
    ],
)
def test_days(code, days):
    assert parse(code).days() == days


# ---------------------------------------------------------------------------
# ADX
# ---------------------------------------------------------------------------

ADX_CASES = [
    ("20240315", "2024-03-15/P1D"),
    ("2024W10", "2024-03-04/P7D"),
    ("2024WedW10", "2024-03-06/P7D"),
    ("2024ThuW10", "2024-03-07/P7D"),
    ("2024SatW10", "2024-03-02/P7D"),
    ("2024SunW10", "2024-03-03/P7D"),
    ("2024BiW1", "2024-01-01/P14D"),
    ("2020BiW27", "2020-12-28/P14D"),
    ("202403", "2024-03-01/P1M"),
    ("202402B", "2024-03-01/P2M"),
    ("2024Q1", "2024-01-01/P3M"),
    ("2022Q2", "2022-04-01/P3M"),
    ("2024S2", "2024-07-01/P6M"),
    ("2024AprilS1", "2024-04-01/P6M"),
    ("2024AprilS2", "2024-10-01/P6M"),
    ("2024NovS1", "2023-11-01/P6M"),
    ("2024NovS2", "2024-05-01/P6M"),
    ("2024", "2024-01-01/P1Y"),
    ("2024April", "2024-04-01/P1Y"),
    ("2024July", "2024-07-01/P1Y"),
    ("2024Oct", "2024-10-01/P1Y"),
    ("2025Nov", "2024-11-01/P1Y"),
]


@pytest.mark.parametrize(("code", "adx"), ADX_CASES)
def test_adx_round_trip(code, adx):
    assert to_adx(code) == adx
    assert to_adx(parse(code)) == adx
    assert from_adx(adx) == code


def test_adx_acceptance_examples():
    assert from_adx("2024-01-01/P3M") == "2024Q1"
    assert from_adx("2024-11-01/P1Y") == "2025Nov"
    assert to_adx("2022Q2") == "2022-04-01/P3M"


@pytest.mark.parametrize(
    ("adx", "code"),
    [
        ("2024-03-04/P1W", "2024W10"),
        ("2024-01-01/P2W", "2024BiW1"),
        ("2024-01-01/P12M", "2024"),
        (" 2024-01-01/P1M ", "202401"),
    ],
)
def test_from_adx_accepts_equivalent_durations(adx, code):
    assert from_adx(adx) == code


@pytest.mark.parametrize(
    ("adx", "fragment"),
    [
        ("2024-02-01/P3M", "no Quarterly period of duration P3M starts on 2024-02-01"),
        ("2024-01-01/P5M", "unsupported duration P5M"),
        ("garbage", "expected 'YYYY-MM-DD/duration'"),
        ("", "expected 'YYYY-MM-DD/duration'"),
        ("2024-01-01", "expected 'YYYY-MM-DD/duration'"),
        ("20240101/P1D", "expected 'YYYY-MM-DD/duration'"),
        ("2024-01-01/P1Y/x", "expected 'YYYY-MM-DD/duration'"),
        ("2024-02-30/P1D", "2024-02-30 is not a date"),
        ("2024-01-02/P7D", "starts on 2024-01-02"),  # a Tuesday
        ("2024-01-08/P14D", "starts on 2024-01-08"),  # ISO week 2 (even)
        ("2024-02-01/P2M", "no BiMonthly period"),
        ("2024-03-01/P6M", "no SixMonthly / SixMonthlyApril / SixMonthlyNov period"),
        ("2024-02-01/P1Y", "no Yearly / FinancialApril"),
        ("2024-01-15/P1M", "the Monthly period containing that date is 202401"),
    ],
)
def test_from_adx_rejects_invalid_values(adx, fragment):
    with pytest.raises(ValueError) as excinfo:
        from_adx(adx)
    assert isinstance(excinfo.value, PeriodError)
    assert fragment in excinfo.value.message_en
    assert "Kỳ ADX" in excinfo.value.message_vi


# ---------------------------------------------------------------------------
# Vietnamese labels
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "label"),
    [
        ("20240315", "ngày 15/03/2024"),
        ("2024W10", "tuần 10 năm 2024"),
        ("2024WedW10", "tuần 10 năm 2024 (tuần bắt đầu từ thứ tư)"),
        ("2024ThuW10", "tuần 10 năm 2024 (tuần bắt đầu từ thứ năm)"),
        ("2024SatW10", "tuần 10 năm 2024 (tuần bắt đầu từ thứ bảy)"),
        ("2024SunW10", "tuần 10 năm 2024 (tuần bắt đầu từ chủ nhật)"),
        ("2024BiW1", "tuần 1-2 năm 2024"),
        ("2020BiW27", "tuần 53 năm 2020 và tuần 1 năm 2021"),
        ("202310", "tháng 10/2023"),
        ("202303", "tháng 3/2023"),
        ("202401B", "tháng 1-2/2024"),
        ("202406B", "tháng 11-12/2024"),
        ("2023Q1", "quý I năm 2023"),
        ("2023Q2", "quý II năm 2023"),
        ("2023Q3", "quý III năm 2023"),
        ("2023Q4", "quý IV năm 2023"),
        ("2023S1", "6 tháng đầu năm 2023"),
        ("2023S2", "6 tháng cuối năm 2023"),
        ("2024AprilS2", "6 tháng từ tháng 10/2024 đến tháng 3/2025"),
        ("2024NovS1", "6 tháng từ tháng 11/2023 đến tháng 4/2024"),
        ("2023", "năm 2023"),
        ("2024April", "năm tài chính 2024 (01/04/2024–31/03/2025)"),
        ("2024July", "năm tài chính 2024 (01/07/2024–30/06/2025)"),
        ("2024Oct", "năm tài chính 2024 (01/10/2024–30/09/2025)"),
        ("2025Nov", "năm tài chính 2025 (01/11/2024–31/10/2025)"),
    ],
)
def test_label_vi(code, label):
    assert label_vi(code) == label
    assert label_vi(parse(code)) == label
    assert parse(code).label_vi() == label


# ---------------------------------------------------------------------------
# Phases
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["2021-2025", "2021–2025", " 2021 - 2025 "])
def test_parse_phase(text):
    phase = parse_phase(text)
    assert phase == Phase(2021, 2025)
    assert phase.code == str(phase) == "2021-2025"
    assert (phase.start, phase.end) == (D(2021, 1, 1), D(2025, 12, 31))
    assert phase.label_vi() == "giai đoạn 2021–2025"
    assert label_vi(phase) == label_vi(text) == "giai đoạn 2021–2025"
    assert [p.code for p in phase.years()] == ["2021", "2022", "2023", "2024", "2025"]


@pytest.mark.parametrize(
    "text", ["", "2021", "2021-25", "2025-2021", "abcd-efgh", "2021-2025-2030", "0999-2025"]
)
def test_parse_phase_rejects_invalid_text(text):
    with pytest.raises(PeriodError):
        parse_phase(text)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("2021", True),
        ("2025", True),
        ("2025Q4", True),
        ("20251231", True),
        ("2021W1", True),
        ("2020W53", False),  # ends 3 January 2021
        ("2020S2", False),
        ("2021April", True),
        ("2025April", False),  # ends in 2026
        ("2021Nov", False),  # starts November 2020
        ("2022Nov", True),
        ("2026", False),
    ],
)
def test_phase_contains(code, expected):
    assert Phase(2021, 2025).contains(code) is expected
    assert Phase(2021, 2025).contains(parse(code)) is expected


# ---------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------

DAYS = st.dates(min_value=D(1900, 1, 1), max_value=D(2100, 12, 31))
PERIOD_TYPES = st.sampled_from(PeriodType)
PERIODS = st.builds(for_date, PERIOD_TYPES, DAYS)
ROLLUP_TYPES = (PT.MONTHLY, PT.QUARTERLY, PT.SIX_MONTHLY, PT.YEARLY)


@given(PERIOD_TYPES, DAYS)
def test_for_date_contains_the_day_and_round_trips(period_type, day):
    period = for_date(period_type, day)
    assert period.period_type is period_type
    assert period.start <= day <= period.end
    assert period.days() == (period.end - period.start).days + 1
    assert parse(period.code) == period
    assert from_adx(to_adx(period)) == period.code
    assert label_vi(period)


@given(PERIODS)
def test_previous_and_next_are_adjacent_inverses(period):
    following, preceding = period.next(), period.previous()
    assert following.previous() == period
    assert preceding.next() == period
    assert following.period_type is preceding.period_type is period.period_type
    if period.period_type is not PT.BI_WEEKLY:  # DHIS2's BiW27 overlaps the next BiW1
        assert following.start == period.end + timedelta(days=1)
        assert preceding.end == period.start - timedelta(days=1)


@given(PERIODS)
def test_same_period_last_year_is_one_code_year_earlier(period):
    last_year = period.same_period_last_year()
    assert last_year.period_type is period.period_type
    assert int(last_year.code[:4]) == int(period.code[:4]) - 1
    assert 364 <= (period.start - last_year.start).days <= 378


@given(PERIODS)
def test_rollup_containers_are_exactly_the_containing_periods(period):
    expected = [
        for_date(t, period.start)
        for t in ROLLUP_TYPES
        if t is not period.period_type and contains(for_date(t, period.start), period)
    ]
    assert rollup_containers(period) == expected
    for container in expected:
        assert period.containing(container.period_type) == container


@given(PERIODS)
def test_months_tile_the_period(period):
    months = period.months()
    for month in months:
        assert month.period_type is PT.MONTHLY
        assert period.contains(month)
    for first, second in zip(months, months[1:], strict=False):
        assert second.start == first.end + timedelta(days=1)
    if period.start.day == 1 and (period.end + timedelta(days=1)).day == 1:
        assert months[0].start == period.start
        assert months[-1].end == period.end


@given(st.text(alphabet="0123456789WQSBNovAprilJulyOctedhuatBi -", max_size=12) | st.text())
def test_parse_either_succeeds_canonically_or_raises_period_error(text):
    try:
        period = parse(text)
    except PeriodError:
        return
    assert period.code == text.strip()
    assert MIN_YEAR <= int(period.code[:4]) <= MAX_YEAR


@given(st.text(alphabet="0123456789-/PDWMY", max_size=16) | st.text())
def test_from_adx_either_succeeds_or_raises_period_error(text):
    try:
        code = from_adx(text)
    except PeriodError:
        return
    assert to_adx(code).split("/")[0] == text.strip().split("/")[0]
