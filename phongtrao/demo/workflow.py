"""The demo's reports in flight: something to do for every demo account on the first sign-in.

Two periods, two structures:

- **2023 on the pre-2025 structure** (Bình Phước, past its deadline): in Lộc Ninh some
  commune reports are approved, some sent and waiting for `canbo_huyen`, one returned with
  its reason; in Bù Đốp (no district officer) reports wait for `canbo_tinh`; the province's
  own report waits for the centre (`admin`). Lộc Thái (`canbo_xa`) stays a draft past its
  deadline: `canbo_huyen` reopens it with a reason.
- **The open period on the 2025 structure** (Đồng Nai, the year whose deadline has not
  passed today): the communes formed from Lộc Ninh's have figures carried over from their
  old communes' 2023 (a little growth); some are approved, some wait for `canbo_dongnai`,
  one is returned; `canbo_xa_moi`'s commune is open for entry now.

Every step goes through the workflow's services (audited, notifying the level above as in
real use), as the account that would take it. Idempotent: a period whose demo reports are
there is left as it is.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from phongtrao import periods
from phongtrao.actors import DEMO
from phongtrao.analytics.selectors.grid import grid_totals
from phongtrao.catalog.models import Form, Indicator, ValueType
from phongtrao.data.bulk import BulkValue, datavalues_import
from phongtrao.data.models import Submission
from phongtrao.data.services import period_get
from phongtrao.data.workflow import submission_approve, submission_return, submission_submit
from phongtrao.demo.binh_phuoc import REPORT_DAY, demo_province
from phongtrao.demo.services import (
    DONG_NAI_CODE,
    LOC_THAI_CODE,
    NEW_STRUCTURE_DAY,
    demo_new_commune,
)
from phongtrao.orgs.models import Level, Unit, UnitMapping
from phongtrao.orgs.selectors import unit_resolve

COMMUNE_FORM = "BC_NAM_XA"
PROVINCE_FORM = "BC_NAM_TINH"
OLD_YEAR = "2023"
# Lộc Ninh (canbo_huyen) and Bù Đốp, a district without an officer of its own.
LOC_NINH_CODE = "692"
BU_DOP_CODE = "693"
GROWTH = Decimal("1.04")
RETURN_REASON = (
    "Số hộ thoát nghèo lớn hơn số hộ nghèo đầu năm ở một ấp; đề nghị rà soát lại mục "
    "Giảm nghèo rồi gửi lại."
)


@dataclass(frozen=True)
class WorkflowLoadResult:
    """How many demo reports were put in each state (0 everywhere when already there)."""

    open_period: str
    approved: int = 0
    submitted: int = 0
    returned: int = 0


def demo_open_period(*, today: dt.date | None = None) -> str:
    """The yearly period officers can still enter today: the earliest year whose deadline
    (the commune form's) has not passed, so "2026" until 15/01/2027, then "2027"."""
    today = today or timezone.localdate()
    form = Form.objects.get(code=COMMUNE_FORM)
    day = today - dt.timedelta(days=form.deadline_days)
    return periods.for_date(periods.PeriodType.YEARLY, day).code


def demo_dong_nai() -> Unit:
    """The 2025 Đồng Nai provincial union (Bình Phước and the old Đồng Nai)."""
    return unit_resolve(DONG_NAI_CODE, NEW_STRUCTURE_DAY)


def demo_new_communes(old_district: Unit) -> list[Unit]:
    """The 2025 communes formed (at least partly) from the communes of an old district, by
    code."""
    ids = UnitMapping.objects.filter(
        source__path__startswith=old_district.path,
        source__level=Level.COMMUNE,
        target__level=Level.COMMUNE,
        target__valid_to__isnull=True,
    ).values("target_id")
    return list(Unit.objects.filter(pk__in=ids).order_by("code"))


def _user(username: str) -> Any:
    return get_user_model().objects.get(username=username)


def _steps(
    form: Form,
    period_code: str,
    units: Sequence[Unit],
    *,
    plan: Sequence[str],
    sender: Any,
    approver: Any,
) -> dict[str, int]:
    """Put each unit's report in the state `plan` gives it (in order; units beyond the plan
    are left alone): "approved", "submitted" or "returned"."""
    period = period_get(period_code)
    counts = {"approved": 0, "submitted": 0, "returned": 0}
    for unit, state in zip(units, plan, strict=False):
        submission_submit(form=form, unit=unit, period=period, user=sender)
        if state == "approved":
            submission_approve(form=form, unit=unit, period=period, user=approver)
        elif state == "returned":
            submission_return(
                form=form, unit=unit, period=period, user=approver, reason=RETURN_REASON
            )
        counts[state] += 1
    return counts


def _carried_values(units: Sequence[Unit], form: Form, period_code: str) -> list[BulkValue]:
    """Each unit's figures for `period_code`: its 2023 figures as the 2025 structure reads
    them (mapped from the old communes), grown a little; floors keep every "of which"
    within its parent. Percentages are kept as they were."""
    indicators = list(
        Indicator.objects.filter(formindicator__form=form, formula="").order_by("sort_order")
    )
    old = period_get(OLD_YEAR)
    new = period_get(period_code)
    cells = grid_totals(units, [old], indicators)
    values = []
    for unit in units:
        totals = cells.get((unit.pk, old.pk), {})
        for indicator in indicators:
            total = totals.get(indicator.pk)
            if total is None or not total.count:
                continue
            amount = total.value
            if indicator.value_type != ValueType.PERCENT:
                amount = Decimal(math.floor(amount * GROWTH))
            values.append(
                BulkValue(
                    unit_id=unit.pk,
                    unit_path=unit.path,
                    indicator=indicator,
                    period=new,
                    value=amount,
                )
            )
    return values


@transaction.atomic
def demo_workflow_load(*, today: dt.date | None = None) -> WorkflowLoadResult:
    """Put the demo's reports in flight (see the module's docstring). Needs the Bình Phước
    demo and the demo accounts (`demo_users_ensure`)."""
    open_code = demo_open_period(today=today)
    result = {"approved": 0, "submitted": 0, "returned": 0}
    commune_form = Form.objects.get(code=COMMUNE_FORM)
    province_form = Form.objects.get(code=PROVINCE_FORM)
    admin = _user("admin")
    province = demo_province()
    if not Submission.objects.filter(
        unit__path__startswith=province.path, period__code=OLD_YEAR
    ).exists():
        loc_ninh = unit_resolve(LOC_NINH_CODE, REPORT_DAY)
        bu_dop = unit_resolve(BU_DOP_CODE, REPORT_DAY)
        ninh = [
            u
            for u in Unit.objects.filter(parent=loc_ninh, level=Level.COMMUNE).order_by("code")
            if u.code != LOC_THAI_CODE
        ]
        plan = ["approved"] * 5 + ["submitted"] * 4 + ["returned"]
        counts = _steps(
            commune_form, OLD_YEAR, ninh, plan=plan, sender=admin, approver=_user("canbo_huyen")
        )
        dop = list(Unit.objects.filter(parent=bu_dop, level=Level.COMMUNE).order_by("code"))
        more = _steps(
            commune_form,
            OLD_YEAR,
            dop,
            plan=["approved"] * 2 + ["submitted"] * 3,
            sender=admin,
            approver=_user("canbo_tinh"),
        )
        # The province's own report, sent to the centre.
        top = _steps(
            province_form, OLD_YEAR, [province], plan=["submitted"], sender=admin, approver=admin
        )
        for part in (counts, more, top):
            for key, value in part.items():
                result[key] += value
    dong_nai = demo_dong_nai()
    if not Submission.objects.filter(
        unit__path__startswith=dong_nai.path, period__code=open_code
    ).exists():
        mine = demo_new_commune()
        loc_ninh = unit_resolve(LOC_NINH_CODE, REPORT_DAY)
        communes = [u for u in demo_new_communes(loc_ninh) if u.pk != mine.pk]
        # Figures for every commune of the plan and for the entering officer's own.
        datavalues_import(
            values=_carried_values([*communes, mine], commune_form, open_code),
            actor=DEMO,
            source="demo",
            update=False,
        )
        counts = _steps(
            commune_form,
            open_code,
            communes,
            plan=["approved"] * 2 + ["submitted"] * 3 + ["returned"],
            sender=admin,
            approver=_user("canbo_dongnai"),
        )
        for key, value in counts.items():
            result[key] += value
    return WorkflowLoadResult(open_period=open_code, **result)


__all__ = [
    "WorkflowLoadResult",
    "demo_dong_nai",
    "demo_new_communes",
    "demo_open_period",
    "demo_workflow_load",
]
