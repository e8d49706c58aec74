"""Points, caps, bonus and classification boundaries (Quy định 366-QĐ/TW thresholds)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from phongtrao.emulation.models import Classification
from phongtrao.emulation.scoring import (
    GroupTotal,
    Thresholds,
    assessment_outcome,
    linear_points,
    points_split,
    quota_limit,
    stepped_points,
)

D = Decimal
RULES = Thresholds(
    scale_max=D(100),
    excellent_min=D(90),
    good_min=D(70),
    done_min=D(50),
    excellent_group_min_pct=D(50),
    excellent_requires_must=True,
    excellent_quota_pct=None,
)


def outcome(total: str, *, second_group: str | None = None, must_missed=()):
    """A unit with two groups of 50: the first carries what the second does not."""
    value = D(total)
    second = D(second_group) if second_group is not None else min(value / 2, D(50))
    groups = [
        GroupTotal(1, D(50), value - second, D(0)),
        GroupTotal(2, D(50), second, D(0)),
    ]
    return assessment_outcome(groups, must_missed=list(must_missed), rules=RULES)


@pytest.mark.parametrize(
    ("total", "expected"),
    [
        ("100", Classification.EXCELLENT),
        ("90.00", Classification.EXCELLENT),
        ("89.99", Classification.GOOD),
        ("70.00", Classification.GOOD),
        ("69.99", Classification.DONE),
        ("50.00", Classification.DONE),
        ("49.99", Classification.FAILED),
        ("0", Classification.FAILED),
    ],
)
def test_each_classification_boundary(total, expected):
    assert outcome(total).classification == expected


def test_excellent_needs_every_group_above_its_share():
    # Bonus counts towards the group's share.
    groups = [GroupTotal(1, D(50), D(50), D(0)), GroupTotal(2, D(50), D(24), D(16))]
    result = assessment_outcome(groups, must_missed=[], rules=RULES)
    assert result.total == D(90)
    assert result.classification == Classification.EXCELLENT  # 24 + 16 bonus = 40 (80%)
    groups = [GroupTotal(1, D(70), D(70), D(0)), GroupTotal(2, D(30), D(14), D(6))]
    result = assessment_outcome(groups, must_missed=[], rules=RULES)
    assert result.total == D(90)
    assert result.classification == Classification.EXCELLENT  # 20 of 30: 66,7%
    # 90 points, but the second group has 14 of 30 (46,7%, below the 50% condition).
    groups = [GroupTotal(1, D(70), D(70), D(0)), GroupTotal(2, D(30), D(14), D(0))]
    groups.append(GroupTotal(3, D(10), D(6), D(0)))
    result = assessment_outcome(
        groups, must_missed=[], rules=Thresholds(**{**RULES.__dict__, "scale_max": D(110)})
    )
    assert result.total == D(90)
    assert result.classification == Classification.GOOD
    assert result.note == "Đủ điểm xuất sắc nhưng nhóm 2 dưới 50% điểm tối đa của nhóm"


def test_excellent_needs_every_must_criterion():
    result = outcome("95", must_missed=["1.1"])
    assert result.classification == Classification.GOOD
    assert "chưa đạt tiêu chí bắt buộc 1.1" in result.note
    relaxed = Thresholds(**{**RULES.__dict__, "excellent_requires_must": False})
    groups = [GroupTotal(1, D(50), D(47), D(0)), GroupTotal(2, D(50), D(48), D(0))]
    assert (
        assessment_outcome(groups, must_missed=["1.1"], rules=relaxed).classification
        == Classification.EXCELLENT
    )


def test_bonus_is_capped_by_the_criterion_and_the_group():
    assert points_split(D("13"), max_points=D(10), bonus_max=D(2)) == (D(10), D(2))
    assert points_split(D("10.5"), max_points=D(10), bonus_max=D(2)) == (D(10), D("0.5"))
    assert points_split(D("-3"), max_points=D(10), bonus_max=D(2)) == (D(0), D(0))
    # A group never gives more than its maximum, bonus included; nor the total the scale.
    group = GroupTotal(1, D(30), D(28), D(5))
    assert group.total == D(30)
    full = [GroupTotal(1, D(60), D(60), D(4)), GroupTotal(2, D(40), D(38), D(4))]
    result = assessment_outcome(full, must_missed=[], rules=RULES)
    assert (result.total, result.base, result.bonus) == (D(100), D(98), D(2))


def test_linear_and_stepped_mappings():
    assert linear_points(D("104.5"), D(20)) == D("20.9")
    assert linear_points(D(50), D(20)) == D(10)
    steps = [[50, 5], [80, 8], [100, 10], [120, 12]]
    assert stepped_points(D("49.9"), steps) == D(0)
    assert stepped_points(D("80"), steps) == D(8)
    assert stepped_points(D("119.99"), steps) == D(10)
    assert stepped_points(D("300"), steps) == D(12)


def test_quota_is_a_ceiling():
    assert quota_limit(111, D(20)) == 22
    assert quota_limit(11, D(20)) == 2
    assert quota_limit(3, D(20)) == 0
    assert quota_limit(3, None) is None
