"""Vietnamese weekdays and dates as portals and administrative documents write them.

* :func:`weekday_vi` - "Thứ hai" … "Thứ bảy", "Chủ nhật" (only the first letter
  capitalised, as the NukeViet portals write "Thứ tư");
* :func:`format_dateline` - the article dateline "Thứ tư - 20/03/2024 11:23";
* :func:`format_date_short` - "30/10/2023" (day and month always two digits);
* :func:`format_date_long` - "ngày 05 tháng 3 năm 2024" following Nghị định
  30/2020/NĐ-CP, Phụ lục I: "đối với những số chỉ ngày nhỏ hơn 10 và tháng 1, 2 phải
  ghi thêm số 0 ở trước". By default (``padding="nd30"``) days 1-9 and months 1 and 2
  get a leading zero, months 3-12 do not: "ngày 20 tháng 02 năm 2024", "ngày 05
  tháng 3 năm 2024". The feature request asked for "dd and mm with a leading zero
  below ten"; that is ``padding="all"`` ("ngày 05 tháng 03 năm 2024") and differs
  from the decree for months 3-9. ``padding="none"`` writes no zeros;
* :func:`format_place_date` - "Bình Phước, ngày 30 tháng 10 năm 2023", the place and
  date line at the top right of a document.

Time zones: a timezone-aware ``datetime`` is first converted to Vietnam time
(UTC+07:00, :data:`VIETNAM_TZ`; Vietnam has had no daylight saving since 1975), so
the weekday and date are the ones a reader in Vietnam sees. A naive ``datetime`` or a
``date`` is taken as already in Vietnam time.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Literal

__all__ = [
    "VIETNAM_TZ",
    "DatePadding",
    "format_date_long",
    "format_date_short",
    "format_dateline",
    "format_place_date",
    "to_vietnam_time",
    "weekday_name",
    "weekday_vi",
]

#: Vietnam time, UTC+07:00 (Indochina Time).
VIETNAM_TZ = timezone(timedelta(hours=7), "ICT")

#: Zero-padding rule for :func:`format_date_long`.
DatePadding = Literal["nd30", "all", "none"]

_WEEKDAYS = ("Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy", "Chủ nhật")
_ND30_PADDED_MONTHS = (1, 2)


def to_vietnam_time(moment: date) -> date:
    """Return ``moment`` in Vietnam time if it is an aware ``datetime``, else unchanged."""
    if isinstance(moment, datetime) and moment.utcoffset() is not None:
        return moment.astimezone(VIETNAM_TZ)
    return moment


def weekday_name(weekday: int, capital: bool = True) -> str:
    """The name of a weekday (Monday = 0): ``"Thứ tư"``, or ``"thứ tư"`` inside a sentence
    (``capital=False``), as Vietnamese writes weekdays in lower case."""
    name = _WEEKDAYS[weekday]
    return name if capital else name.lower()


def weekday_vi(day: date) -> str:
    """The Vietnamese weekday name: ``date(2024, 3, 20)`` -> ``"Thứ tư"``."""
    return weekday_name(to_vietnam_time(day).weekday())


def format_date_short(day: date) -> str:
    """``dd/mm/yyyy`` with day and month always on two digits: ``"30/10/2023"``."""
    local = to_vietnam_time(day)
    return f"{local.day:02d}/{local.month:02d}/{local.year}"


def format_dateline(moment: datetime) -> str:
    """The article dateline of the portals: ``"Thứ tư - 20/03/2024 11:23"``."""
    if not isinstance(moment, datetime):
        raise TypeError(f"Cần ngày giờ (datetime), không phải {type(moment).__name__}.")
    local = to_vietnam_time(moment)
    assert isinstance(local, datetime)
    return f"{weekday_vi(local)} - {format_date_short(local)} {local.hour:02d}:{local.minute:02d}"


def format_date_long(day: date, padding: DatePadding = "nd30") -> str:
    """``"ngày 05 tháng 3 năm 2024"``; ``padding`` chooses the zero rule (see module doc).

    * ``"nd30"`` (default, Nghị định 30/2020/NĐ-CP): days 1-9 and months 1, 2 padded;
    * ``"all"``: days and months below ten padded ("ngày 05 tháng 03 năm 2024");
    * ``"none"``: no padding ("ngày 5 tháng 3 năm 2024").
    """
    local = to_vietnam_time(day)
    if padding == "nd30":
        pad_day, pad_month = True, local.month in _ND30_PADDED_MONTHS
    elif padding == "all":
        pad_day, pad_month = True, True
    elif padding == "none":
        pad_day, pad_month = False, False
    else:
        raise ValueError(f"Cách ghi số 0 “{padding}” không hợp lệ; dùng nd30, all hoặc none.")
    day_text = f"{local.day:02d}" if pad_day else str(local.day)
    month_text = f"{local.month:02d}" if pad_month else str(local.month)
    return f"ngày {day_text} tháng {month_text} năm {local.year}"


def format_place_date(place: str, day: date, padding: DatePadding = "nd30") -> str:
    """The place and date line: ``"Bình Phước, ngày 30 tháng 10 năm 2023"``."""
    name = place.strip()
    if not name:
        raise ValueError("Cần ghi địa danh, ví dụ “Bình Phước”.")
    return f"{name}, {format_date_long(day, padding)}"
