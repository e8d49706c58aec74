"""Việc cần làm: each role sees its own tasks, in a bounded number of queries."""

from __future__ import annotations

import datetime as dt

import pytest

from phongtrao.data.services import period_get
from phongtrao.data.workflow import submission_return, submission_submit
from phongtrao.entry.tasks import tasks_for
from phongtrao.orgs.models import Level, Unit

pytestmark = pytest.mark.django_db


def test_approver_sees_reports_waiting_and_late_units(commune_form, small_tree, people):
    report = {"form": commune_form, "unit": small_tree["c1"], "period": period_get("2024")}
    submission_submit(**report, user=people["xa"])
    commune_form.deadline_days = 15
    commune_form.save()
    tasks = tasks_for(people["huyen"], today=dt.date(2025, 2, 1))
    assert [s.unit.name for s in tasks.waiting] == [small_tree["c1"].name]
    late = {g.period.code: [u.name for u in g.units] for g in tasks.late}
    assert late["2024"] == [small_tree["c2"].name]  # Xã A sent; Xã C is another district's
    assert tasks_for(people["xa_b"], today=dt.date(2025, 2, 1)).waiting == []


def test_commune_sees_its_due_report_and_the_reason_it_was_returned(
    commune_form, small_tree, people
):
    report = {"form": commune_form, "unit": small_tree["c1"], "period": period_get("2023")}
    submission_submit(**report, user=people["xa"])
    submission_return(**report, user=people["huyen"], reason="Thiếu số hộ thoát nghèo")
    tasks = tasks_for(people["xa"], today=dt.date(2024, 1, 5))
    assert [s.reason for s in tasks.returned] == ["Thiếu số hộ thoát nghèo"]
    assert {d.period.code for d in tasks.due} == {"2023", "2024"}
    assert tasks_for(people["xa2"], today=dt.date(2024, 1, 5)).returned == []


def test_tasks_page_cost_does_not_grow_with_units(
    client, commune_form, small_tree, people, django_assert_max_num_queries
):
    commune_form.deadline_days = 15
    commune_form.save()
    # Communes still in force today (the small tree's end on 30/6/2025): last year's report
    # is late for them whatever the day the test runs.
    Unit.objects.filter(level=Level.COMMUNE).update(valid_to=None)
    client.force_login(people["tinh"])
    with django_assert_max_num_queries(25):
        response = client.get("/viec-can-lam/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Việc cần làm" in html and "Đơn vị chậm nộp" in html and "Nhắc nộp" in html
    for label in ("Nhập liệu", "Tổng quan", "Báo cáo", "Thi đua", "Cổng thông tin", "Tài khoản"):
        assert f">{label}</a>" in html
    assert ">Quản trị nội dung</a>" not in html  # not an editor


def test_menu_keeps_unit_and_period_between_parts(client, small_tree, people):
    client.force_login(people["huyen"])
    unit = small_tree["c1"]
    client.get(f"/nhap-lieu/tong-quan/{unit.uid}/2023/")
    html = client.get("/viec-can-lam/").content.decode()
    assert f"/bao-cao/{unit.uid}/2023/" in html and f"/nhap-lieu/tong-quan/{unit.uid}/2023/" in html
    # A unit outside the subtree in the address is never shown or kept.
    other = small_tree["c3"]
    client.get(f"/nhap-lieu/tong-quan/{other.uid}/2023/")
    html = client.get("/viec-can-lam/").content.decode()
    assert other.uid not in html


def test_units_merged_away_during_a_period_do_not_owe_its_report(commune_form, small_tree, people):
    # The small tree's communes end on 30/6/2025: 2024 is theirs, 2025 their successors'.
    commune_form.deadline_days = 15
    commune_form.save()
    late = {g.period.code for g in tasks_for(people["tinh"], today=dt.date(2026, 2, 1)).late}
    assert late == set()
    late = {g.period.code for g in tasks_for(people["tinh"], today=dt.date(2025, 2, 1)).late}
    assert late == {"2024"}


def test_the_reminder_reaches_every_late_unit_beyond_the_list(
    commune_form, small_tree, people, monkeypatch
):
    from phongtrao import periods
    from phongtrao.entry import tasks
    from phongtrao.entry.services import reminder_send
    from phongtrao.notifications.models import Notification

    monkeypatch.setattr(tasks, "TASK_LIST_LIMIT", 1)
    commune_form.deadline_days = 15
    commune_form.save()
    today = dt.date(2025, 2, 1)
    group = tasks_for(people["tinh"], today=today).late[0]
    assert (len(group.units), group.count) == (1, 3)
    count = reminder_send(
        actor=people["tinh"], form=commune_form, period=periods.parse("2024"), today=today
    )
    assert count == 3
    told = Notification.objects.filter(kind="reminder").values_list("user__username", flat=True)
    assert sorted(told) == ["xa", "xa2", "xa_b"]
    assert "phụ nữ năm 2024 — cấp xã" in Notification.objects.filter(kind="reminder")[0].title
