"""A province grading its three commune unions with a small criteria set (hand-scored)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from phongtrao.accounts.models import Role
from phongtrao.accounts.services import membership_set
from phongtrao.actors import SystemActor
from phongtrao.emulation.models import CriteriaSet, Method
from phongtrao.emulation.services import (
    assessment_check,
    assessment_start,
    assessment_submit,
    criteria_set_create,
    criterion_add,
    group_add,
    scores_self_set,
)
from phongtrao.orgs.models import Level

# The system acting in these tests (the fixtures' set-up, the council run by a command).
SYSTEM = SystemActor("kiểm thử")

PASSWORD = "mat-khau-dai-123"


def officer(username, unit, roles):
    user = get_user_model().objects.create_user(username, password=PASSWORD)
    membership_set(actor=SYSTEM, user=user, unit=unit, roles=roles)
    return user


@pytest.fixture
def people(small_tree):
    """xa: enters for Xã A; xa2: Xã C (other district); huyen: approves in Huyện Một;
    tinh: approves and administers the province (the council)."""
    return {
        "xa": officer("xa", small_tree["c1"], {Role.VIEW, Role.ENTER}),
        "xa2": officer("xa2", small_tree["c3"], {Role.VIEW, Role.ENTER}),
        "huyen": officer("huyen", small_tree["d1"], {Role.VIEW, Role.APPROVE}),
        "tinh": officer("tinh", small_tree["province"], {Role.VIEW, Role.APPROVE, Role.ADMINISTER}),
    }


def hand_set(province, year=2023, **rules) -> CriteriaSet:
    """Two groups (60 + 40 points), hand-scored: 1.1 (40, bonus 5, must), 1.2 (20), 2.1 (40)."""
    criteria_set = criteria_set_create(
        actor=SYSTEM,
        grader=province,
        year=year,
        level=Level.COMMUNE,
        name=f"Tiêu chí {year}",
        **rules,
    )
    g1 = group_add(
        actor=SYSTEM,
        criteria_set=criteria_set,
        number=1,
        name="Công tác Hội",
        max_points=Decimal(60),
    )
    g2 = group_add(
        actor=SYSTEM, criteria_set=criteria_set, number=2, name="Phong trào", max_points=Decimal(40)
    )
    criterion_add(
        actor=SYSTEM,
        group=g1,
        number=1,
        name="Phát triển hội viên",
        max_points=Decimal(40),
        bonus_max=Decimal(5),
        must=True,
        method=Method.HAND,
    )
    criterion_add(
        actor=SYSTEM,
        group=g1,
        number=2,
        name="Sinh hoạt",
        max_points=Decimal(20),
        method=Method.HAND,
    )
    criterion_add(
        actor=SYSTEM,
        group=g2,
        number=1,
        name="Phong trào",
        max_points=Decimal(40),
        method=Method.HAND,
    )
    return criteria_set


def scored(criteria_set, unit, points, *, check=True):
    """The unit's assessment with hand points [(points, bonus), ...] in criteria order,
    submitted and (by default) checked."""
    assessment = assessment_start(actor=SYSTEM, criteria_set=criteria_set, unit=unit)
    criteria = [
        s.criterion
        for s in assessment.scores.order_by("criterion__group__number", "criterion__number")
    ]
    scores_self_set(
        actor=SYSTEM,
        assessment=assessment,
        values={c.pk: (str(p), str(b), "") for c, (p, b) in zip(criteria, points, strict=True)},
    )
    assessment_submit(actor=SYSTEM, assessment=assessment)
    if check:
        assessment_check(actor=SYSTEM, assessment=assessment)
    assessment.refresh_from_db()
    return assessment
