"""The demo's reports in flight: each demo account finds something to do."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from phongtrao.accounts.access import unit_may_change
from phongtrao.catalog.models import Form
from phongtrao.data.models import DataValue, Submission, SubmissionStatus
from phongtrao.data.services import period_get
from phongtrao.data.workflow import deadline_lock
from phongtrao.demo.services import demo_admin_ensure, demo_new_commune, demo_users_ensure
from phongtrao.demo.workflow import demo_open_period, demo_workflow_load
from phongtrao.entry.tasks import tasks_for


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
