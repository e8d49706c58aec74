"""The demo's reports in flight: each demo account finds something to do."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from phongtrao.accounts.access import unit_may_change
from phongtrao.audit.models import AuditLog
from phongtrao.catalog.models import Form, Indicator
from phongtrao.data.models import DataValue, Submission, SubmissionStatus
from phongtrao.data.services import datavalues_save, period_get
from phongtrao.data.workflow import (
    deadline_lock,
    submission_approve,
    submission_return,
    submission_submit,
    submission_unlock,
)
from phongtrao.demo.binh_phuoc import REPORT_DAY, RESTORE_REASON, demo_binh_phuoc_load
from phongtrao.demo.services import demo_admin_ensure, demo_new_commune, demo_users_ensure
from phongtrao.demo.workflow import LOC_NINH_CODE, demo_open_period, demo_workflow_load
from phongtrao.entry.tasks import tasks_for
from phongtrao.orgs.selectors import unit_resolve


def test_the_open_period_is_the_year_whose_deadline_has_not_passed(db):
    assert demo_open_period(today=dt.date(2026, 12, 7)) == "2026"
    assert demo_open_period(today=dt.date(2027, 1, 15)) == "2026"
    assert demo_open_period(today=dt.date(2027, 1, 16)) == "2027"


@pytest.mark.slow
@pytest.mark.django_db
def test_every_level_has_reports_waiting_and_the_new_commune_can_enter(binh_phuoc_demo):
    today = timezone.localdate()
    demo_admin_ensure()
    demo_users_ensure()
    result = demo_workflow_load()
    open_code = demo_open_period(today=today)
    assert (result.open_period, result.approved, result.submitted, result.returned) == (
        open_code,
        9,
        11,
        2,
    )
    users = {u.username: u for u in get_user_model().objects.filter(username__startswith="canbo")}
    users["admin"] = get_user_model().objects.get(username="admin")
    waiting = {name: len(tasks_for(users[name], today=today).waiting) for name in users}
    # Lộc Ninh's four for its district; Bù Đốp's three (no district officer) and Lộc
    # Ninh's for the province; the 2026 communes for Đồng Nai; the province for the centre.
    assert waiting["canbo_huyen"] == 4
    assert waiting["canbo_tinh"] == 4 + 3
    assert waiting["canbo_dongnai"] == 3
    assert waiting["admin"] == 11
    assert "BC_NAM_TINH" in {s.form.code for s in tasks_for(users["admin"], today=today).waiting}
    returned = tasks_for(users["canbo_dongnai"], today=today).returned
    assert [s.status for s in returned] == [SubmissionStatus.RETURNED]
    assert "rà soát" in returned[0].reason
    # canbo_xa_moi's commune: figures carried over, open for entry now, nothing sent yet.
    mine = demo_new_commune()
    form = Form.objects.get(code="BC_NAM_XA")
    period = period_get(open_code)
    user = users["canbo_xa_moi"]
    assert unit_may_change(user, mine)
    assert deadline_lock(form=form, period=period, submission=None, user=user) is None
    assert DataValue.objects.filter(unit=mine, period=period).count() > 50
    assert not Submission.objects.filter(unit=mine, period=period).exists()
    due = tasks_for(user, today=today).due
    assert [d.overdue for d in due if d.period.code == open_code] == [False]
    # Idempotent: a second load puts nothing more in flight.
    again = demo_workflow_load(today=today)
    assert (again.approved, again.submitted, again.returned) == (0, 0, 0)
    _restore_puts_figures_back_and_reports_as_they_were(users)


def _restore_puts_figures_back_and_reports_as_they_were(users):
    """`load_demo --restore` after a newcomer changed figures of an approved and of a sent
    report through the workflow: the demo's figures again, each report in its state."""
    form = Form.objects.get(code="BC_NAM_XA")
    period = period_get("2023")
    indicator = Indicator.objects.get(code="TH_HD")
    huyen, admin = users["canbo_huyen"], users["admin"]
    loc_ninh = unit_resolve(LOC_NINH_CODE, REPORT_DAY).path
    rows = {
        status: Submission.objects.filter(
            form=form, period=period, status=status, unit__path__startswith=loc_ninh
        )
        .select_related("unit")
        .order_by("unit__code")
        .first()
        for status in (SubmissionStatus.APPROVED, SubmissionStatus.SUBMITTED)
    }
    demo_values = {}
    for status, row in rows.items():
        where = {"form": form, "unit": row.unit, "period": period}
        if status == SubmissionStatus.APPROVED:
            submission_unlock(**where, user=huyen, reason="Sửa số liệu")
        else:
            submission_return(**where, user=huyen, reason="Sửa số liệu")
        stored = DataValue.objects.get(unit=row.unit, period=period, indicator=indicator)
        demo_values[row.unit.pk] = stored.value
        datavalues_save(
            unit=row.unit, period=period, values={indicator: stored.value + 7}, actor=admin
        )
        submission_submit(**where, user=admin)
        if status == SubmissionStatus.APPROVED:
            submission_approve(**where, user=huyen)

    result = demo_binh_phuoc_load(restore=True)

    assert result.values.updated == 2 and not result.values.problems
    assert sorted(s.unit.pk for s in result.reopened) == sorted(demo_values)
    for status, row in rows.items():
        row.refresh_from_db()
        assert row.status == status
        stored = DataValue.objects.get(unit=row.unit, period=period, indicator=indicator)
        assert stored.value == demo_values[row.unit.pk]
    steps = AuditLog.objects.filter(username="dữ liệu mẫu", detail__contains=RESTORE_REASON)
    assert sorted(steps.values_list("action", flat=True)) == ["return", "unlock"]
