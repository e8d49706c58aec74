"""Reads the report needs before building: which unit a code names for a period."""

from __future__ import annotations

import datetime as dt

from phongtrao import periods
from phongtrao.orgs.models import Edition, Unit
from phongtrao.orgs.selectors import edition_at, unit_resolve


def report_unit(code: str, period_code: str, edition: str | None = None) -> Unit:
    """The unit `code` names for a report over `period_code`.

    Without `edition`, the unit the code meant at the period's end (codes are reused across
    hierarchy editions). With `edition` ("2008", "2025", or a date "2025-07-01" meaning the
    edition in force that day), the unit of that code in that edition, at the period's end
    if it existed then, else its latest version.
    Raises `periods.PeriodError` for a bad period, `Unit.DoesNotExist` or
    `Edition.DoesNotExist` (with Vietnamese messages) for an unknown unit or edition.
    """
    end = periods.parse(period_code).end
    if edition is None:
        return unit_resolve(code, end)
    try:
        edition = edition_at(dt.date.fromisoformat(edition)).code
    except ValueError:
        pass  # not a date: an edition's code
    if not Edition.objects.filter(code=edition).exists():
        raise Edition.DoesNotExist(f"Không có phiên bản cơ cấu “{edition}”.")
    units = Unit.objects.filter(edition__code=edition, code=code).select_related("edition")
    unit = (
        units.filter(valid_from__lte=end).order_by("-valid_from").first()
        or units.order_by("-valid_from").first()
    )
    if unit is None:
        raise Unit.DoesNotExist(f"Không có đơn vị mã “{code}” trong phiên bản cơ cấu “{edition}”.")
    return unit
