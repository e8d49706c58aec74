"""Tests for :mod:`phongtrao.vn.dates`: weekdays, datelines, document dates."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from phongtrao.vn.dates import (
    VIETNAM_TZ,
    DatePadding,
    format_date_long,
    format_date_short,
    format_dateline,
    format_place_date,
    to_vietnam_time,
    weekday_vi,
)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2024, 3, 18), "Thứ hai"),
        (date(2024, 3, 19), "Thứ ba"),
        (date(2024, 3, 20), "Thứ tư"),
        (date(2024, 3, 21), "Thứ năm"),
        (date(2024, 3, 22), "Thứ sáu"),
        (date(2024, 3, 23), "Thứ bảy"),
        (date(2024, 3, 24), "Chủ nhật"),
        (datetime(2024, 3, 20, 23, 59), "Thứ tư"),
        (datetime(2024, 3, 19, 20, 0, tzinfo=UTC), "Thứ tư"),
    ],
)
def test_weekday_vi(day: date, expected: str) -> None:
    assert weekday_vi(day) == expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2024, 3, 20, 11, 23), "Thứ tư - 20/03/2024 11:23"),
        (datetime(2024, 3, 20, 11, 23, 59), "Thứ tư - 20/03/2024 11:23"),
        (datetime(2024, 1, 7, 0, 5), "Chủ nhật - 07/01/2024 00:05"),
        (datetime(2024, 3, 20, 4, 23, tzinfo=UTC), "Thứ tư - 20/03/2024 11:23"),
        (datetime(2024, 3, 19, 20, 30, tzinfo=UTC), "Thứ tư - 20/03/2024 03:30"),
        (datetime(2024, 3, 20, 11, 23, tzinfo=VIETNAM_TZ), "Thứ tư - 20/03/2024 11:23"),
        (
            datetime(2024, 3, 20, 6, 23, tzinfo=timezone(timedelta(hours=2))),
            "Thứ tư - 20/03/2024 11:23",
        ),
    ],
)
def test_format_dateline(moment: datetime, expected: str) -> None:
    assert format_dateline(moment) == expected


def test_format_dateline_needs_a_time() -> None:
    with pytest.raises(TypeError, match="datetime"):
        format_dateline(date(2024, 3, 20))


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2023, 10, 30), "30/10/2023"),
        (date(2024, 3, 5), "05/03/2024"),
        (date(2024, 1, 1), "01/01/2024"),
        (datetime(2023, 12, 31, 18, 0, tzinfo=UTC), "01/01/2024"),
    ],
)
def test_format_date_short(day: date, expected: str) -> None:
    assert format_date_short(day) == expected


@pytest.mark.parametrize(
    ("day", "padding", "expected"),
    [
        (date(2023, 10, 30), "nd30", "ngày 30 tháng 10 năm 2023"),
        (date(2024, 3, 5), "nd30", "ngày 05 tháng 3 năm 2024"),
        (date(2024, 2, 20), "nd30", "ngày 20 tháng 02 năm 2024"),
        (date(2024, 1, 1), "nd30", "ngày 01 tháng 01 năm 2024"),
        (date(2024, 9, 15), "nd30", "ngày 15 tháng 9 năm 2024"),
        (date(2024, 12, 9), "nd30", "ngày 09 tháng 12 năm 2024"),
        (date(2024, 11, 10), "nd30", "ngày 10 tháng 11 năm 2024"),
        (date(2024, 3, 5), "all", "ngày 05 tháng 03 năm 2024"),
        (date(2024, 12, 9), "all", "ngày 09 tháng 12 năm 2024"),
        (date(2024, 3, 5), "none", "ngày 5 tháng 3 năm 2024"),
        (date(2024, 2, 20), "none", "ngày 20 tháng 2 năm 2024"),
    ],
)
def test_format_date_long(day: date, padding: DatePadding, expected: str) -> None:
    assert format_date_long(day, padding) == expected


@pytest.mark.parametrize(
    ("month", "month_text"),
    [
        (1, "01"),
        (2, "02"),
        (3, "3"),
        (4, "4"),
        (5, "5"),
        (6, "6"),
        (7, "7"),
        (8, "8"),
        (9, "9"),
        (10, "10"),
        (11, "11"),
        (12, "12"),
    ],
)
def test_format_date_long_pads_only_january_and_february_by_default(
    month: int, month_text: str
) -> None:
    assert format_date_long(date(2024, month, 1)) == f"ngày 01 tháng {month_text} năm 2024"


def test_format_date_long_uses_vietnam_date_for_aware_datetimes() -> None:
    moment = datetime(2024, 2, 29, 17, 30, tzinfo=UTC)
    assert format_date_long(moment) == "ngày 01 tháng 3 năm 2024"


def test_format_date_long_refuses_unknown_padding() -> None:
    bad: Any = "iso"
    with pytest.raises(ValueError, match="nd30"):
        format_date_long(date(2024, 3, 5), bad)


@pytest.mark.parametrize(
    ("place", "day", "padding", "expected"),
    [
        ("Bình Phước", date(2023, 10, 30), "nd30", "Bình Phước, ngày 30 tháng 10 năm 2023"),
        (" Hà Nội ", date(2024, 3, 5), "nd30", "Hà Nội, ngày 05 tháng 3 năm 2024"),
        ("Đồng Xoài", date(2024, 2, 1), "all", "Đồng Xoài, ngày 01 tháng 02 năm 2024"),
    ],
)
def test_format_place_date(place: str, day: date, padding: DatePadding, expected: str) -> None:
    assert format_place_date(place, day, padding) == expected


def test_format_place_date_needs_a_place() -> None:
    with pytest.raises(ValueError, match="địa danh"):
        format_place_date("  ", date(2024, 3, 5))


def test_to_vietnam_time_leaves_naive_values_alone() -> None:
    naive = datetime(2024, 3, 20, 11, 23)
    assert to_vietnam_time(naive) is naive
    assert to_vietnam_time(date(2024, 3, 20)) == date(2024, 3, 20)


_LONG = re.compile(r"ngày (\d{1,2}) tháng (\d{1,2}) năm (\d+)")
_WEEKDAY_NAMES = ["Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy", "Chủ nhật"]


@given(st.dates(min_value=date(1976, 1, 1), max_value=date(2200, 12, 31)))
def test_dates_read_back(day: date) -> None:
    match = _LONG.fullmatch(format_date_long(day))
    assert match is not None
    assert date(int(match[3]), int(match[2]), int(match[1])) == day
    assert len(match[1]) == 2
    assert (len(match[2]) == 2) == (day.month in (1, 2) or day.month >= 10)
    dd, mm, yyyy = format_date_short(day).split("/")
    assert date(int(yyyy), int(mm), int(dd)) == day
    assert weekday_vi(day) == _WEEKDAY_NAMES[day.weekday()]
