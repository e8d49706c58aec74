"""The arithmetic of emulation, without the database: points, caps, classification, quota.

Everything is Decimal, rounded half up to hundredths of a point as score sheets print them.
The rules' numbers (thresholds, shares, quota) come from the criteria set, never from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from phongtrao.emulation.models import Classification

ZERO = Decimal(0)
HUNDREDTH = Decimal("0.01")
HUNDRED = Decimal(100)


def points_round(value: Decimal) -> Decimal:
    return value.quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def points_split(
    raw: Decimal, *, max_points: Decimal, bonus_max: Decimal
) -> tuple[Decimal, Decimal]:
    """Raw points as (points, bonus): up to `max_points`, the rest bonus up to `bonus_max`."""
    raw = max(points_round(raw), ZERO)
    points = min(raw, max_points)
    bonus = min(raw - points, bonus_max)
    return points, bonus


def linear_points(achievement_pct: Decimal, max_points: Decimal) -> Decimal:
    """Full points at 100% of the target, in proportion below and above (above is bonus)."""
    return max_points * achievement_pct / HUNDRED


def stepped_points(achievement_pct: Decimal, steps: Sequence[Sequence[object]]) -> Decimal:
    """The points of the highest step reached: steps are [[achievement %, points], ...]."""
    reached = ZERO
    best_threshold: Decimal | None = None
    for threshold, points in parsed_steps(steps):
        if achievement_pct >= threshold and (best_threshold is None or threshold > best_threshold):
            best_threshold, reached = threshold, points
    return reached


def parsed_steps(steps: Sequence[Sequence[object]]) -> list[tuple[Decimal, Decimal]]:
    """The steps as Decimal pairs; ValueError with a Vietnamese message when malformed."""
    result = []
    if not isinstance(steps, list | tuple):
        raise ValueError("Các bậc phải là danh sách [[tỷ lệ %, điểm], ...].")
    for step in steps:
        if not isinstance(step, list | tuple) or len(step) != 2:
            raise ValueError("Mỗi bậc phải có đúng hai số: [tỷ lệ % đạt chỉ tiêu, điểm].")
        try:
            threshold, points = Decimal(str(step[0])), Decimal(str(step[1]))
        except ArithmeticError as exc:
            raise ValueError(f"Bậc {list(step)} không phải là số.") from exc
        if not threshold.is_finite() or not points.is_finite() or points < 0:
            raise ValueError(f"Bậc {list(step)} không hợp lệ.")
        result.append((threshold, points))
    return result


@dataclass(frozen=True)
class GroupTotal:
    """A group's points: criteria points plus bonus, capped at the group's maximum."""

    number: int
    max_points: Decimal
    points: Decimal
    bonus: Decimal

    @property
    def total(self) -> Decimal:
        return min(self.points + self.bonus, self.max_points)

    def share_pct(self) -> Decimal:
        return self.total * HUNDRED / self.max_points


@dataclass(frozen=True)
class Thresholds:
    """The classification rules of a criteria set (its configuration)."""

    scale_max: Decimal
    excellent_min: Decimal
    good_min: Decimal
    done_min: Decimal
    excellent_group_min_pct: Decimal | None
    excellent_requires_must: bool
    excellent_quota_pct: Decimal | None


@dataclass(frozen=True)
class Outcome:
    base: Decimal
    bonus: Decimal
    total: Decimal
    classification: Classification
    note: str


def assessment_outcome(
    groups: Sequence[GroupTotal], *, must_missed: Sequence[str], rules: Thresholds
) -> Outcome:
    """Total and classification of one unit, before any quota.

    The total is the sum of the groups' capped totals, capped at the scale. At or above the
    "xuất sắc" threshold, a unit that misses an extra condition is "hoàn thành tốt", and the
    note says which condition.
    """
    base = sum((g.points for g in groups), ZERO)
    total = min(sum((g.total for g in groups), ZERO), rules.scale_max)
    bonus = max(total - min(base, rules.scale_max), ZERO)
    if total >= rules.excellent_min:
        missed: list[str] = []
        if rules.excellent_group_min_pct is not None:
            low = [str(g.number) for g in groups if g.share_pct() < rules.excellent_group_min_pct]
            if low:
                missed.append(
                    f"nhóm {', '.join(low)} dưới {_pct(rules.excellent_group_min_pct)} "
                    "điểm tối đa của nhóm"
                )
        if rules.excellent_requires_must and must_missed:
            missed.append(f"chưa đạt tiêu chí bắt buộc {', '.join(must_missed)}")
        if missed:
            note = "Đủ điểm xuất sắc nhưng " + "; ".join(missed)
            return Outcome(base, bonus, total, Classification.GOOD, note)
        return Outcome(base, bonus, total, Classification.EXCELLENT, "")
    if total >= rules.good_min:
        return Outcome(base, bonus, total, Classification.GOOD, "")
    if total >= rules.done_min:
        return Outcome(base, bonus, total, Classification.DONE, "")
    return Outcome(base, bonus, total, Classification.FAILED, "")


def _pct(value: Decimal) -> str:
    from phongtrao.vn import format_number

    return format_number(value.normalize()) + "%"


def quota_limit(graded: int, quota_pct: Decimal | None) -> int | None:
    """How many units may be "xuất sắc" (rounded down: the quota is a ceiling)."""
    if quota_pct is None:
        return None
    return int((Decimal(graded) * quota_pct / HUNDRED).to_integral_value(rounding=ROUND_FLOOR))


def rank_key(total: Decimal, base: Decimal, code: str) -> tuple[Decimal, Decimal, str]:
    """Order of merit: higher total, then more points without bonus, then the unit's code."""
    return (-total, -base, code)
