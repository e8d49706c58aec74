"""The admin validates criteria as the services do, and leaves results read-only."""

from __future__ import annotations

import pytest
from django.contrib.admin.sites import site

from phongtrao.emulation.admin import CriteriaSetForm, CriterionForm
from phongtrao.emulation.models import Assessment, Method
from phongtrao.orgs.models import Level

from .conftest import hand_set

pytestmark = pytest.mark.django_db


def test_a_criterion_above_its_group_is_refused(small_tree):
    criteria_set = hand_set(small_tree["province"])
    group = criteria_set.groups.get(number=2)  # 40 points, one criterion of 40 already
    form = CriterionForm(
        data={
            "group": group.pk,
            "number": 2,
            "name": "Thêm",
            "max_points": "5",
            "bonus_max": "0",
            "method": Method.HAND,
            "steps": "[]",
        }
    )
    assert not form.is_valid()
    assert "vượt điểm tối đa của nhóm (40)" in str(form.errors)


def test_thresholds_must_go_down(small_tree):
    form = CriteriaSetForm(
        data={
            "grader": small_tree["province"].pk,
            "year": 2025,
            "level": Level.COMMUNE,
            "name": "Sai ngưỡng",
            "scale_max": "100",
            "excellent_min": "80",
            "good_min": "85",
            "done_min": "50",
            "excellent_requires_must": "on",
        }
    )
    assert not form.is_valid()
    assert "Ngưỡng xếp loại phải giảm dần" in str(form.errors)


def test_results_are_read_only_in_the_admin(rf, small_tree, admin_user):
    request = rf.get("/")
    request.user = admin_user
    model_admin = site._registry[Assessment]
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_add_permission(request)
