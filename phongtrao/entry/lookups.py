"""The one way the entry pages read a report from their address: (form, unit, period)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from phongtrao import periods
from phongtrao.accounts.access import access_unit
from phongtrao.actors import Actor
from phongtrao.catalog.models import Form
from phongtrao.data.models import Period
from phongtrao.data.services import period_get
from phongtrao.orgs.models import Unit


def report_or_404(
    user: Actor,
    form_code: str,
    unit_uid: str,
    period: str,
    *,
    above: bool = False,
    active: bool = True,
) -> tuple[Form, Unit, Period]:
    """The report's form, unit (through the access helper) and stored period, or 404.

    The unit is of the form's level, or with `above` of that level or above it (a district
    following its communes' reports); with `active`, it existed during part of the period.
    """
    unit = access_unit(user, unit_uid)
    form = get_object_or_404(Form, code=form_code)
    try:
        parsed = periods.parse(period)
    except ValueError as exc:
        raise Http404("Kỳ báo cáo không hợp lệ.") from exc
    level_fits = unit.level <= form.level if above else unit.level == form.level
    if parsed.period_type.name != form.period_type or not level_fits:
        raise Http404("Biểu mẫu này không dành cho đơn vị hoặc kỳ này.")
    if active and not unit_active(unit, parsed):
        raise Http404("Đơn vị không còn tồn tại trong kỳ này.")
    return form, unit, period_get(parsed.code)


def unit_active(unit: Unit, period: periods.Period) -> bool:
    """Whether the unit existed during part of the period."""
    return unit.valid_from <= period.end and (
        unit.valid_to is None or unit.valid_to >= period.start
    )
