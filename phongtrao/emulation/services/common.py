"""What the emulation services share: the checks, the audit line, points as typed."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError

from phongtrao.actors import Actor
from phongtrao.audit.models import AuditAction
from phongtrao.audit.services import audit_log
from phongtrao.emulation import scoring
from phongtrao.emulation.models import Assessment, CriteriaSet, Criterion
from phongtrao.emulation.selectors import ZERO
from phongtrao.orgs.models import Unit
from phongtrao.vn import NumberParseError, format_number, parse_number

MAX_EVIDENCE_BYTES = 20 * 1024 * 1024


def require(allowed: bool, message: str) -> None:
    """Refuse (PermissionDenied with the Vietnamese message) unless `allowed`."""
    if not allowed:
        raise PermissionDenied(message)


def audit(actor: Actor, action: AuditAction, target: str, detail: str = "") -> None:
    """One line of the audit log for a change of emulation state."""
    audit_log(user=actor, action=action, target=target, detail=detail)


def set_name(criteria_set: CriteriaSet) -> str:
    """How the audit log names a criteria set."""
    return f"{criteria_set.name} ({criteria_set.year})"


def assessment_name(assessment: Assessment) -> str:
    """How the audit log names an assessment."""
    return f"Thi đua {assessment.criteria_set.year}: {assessment.unit.name}"


def points_parse(value: object, label: str) -> Decimal:
    """Points as typed, read by `vn.parse` ("18,5"; "1.633" is a thousand and more), or a
    ValidationError naming `label`."""
    if isinstance(value, Decimal):
        return value
    try:
        return parse_number(str(value))
    except NumberParseError as exc:
        raise ValidationError(f"{label}: {exc}") from exc


def points_check(criterion: Criterion, points: Decimal, bonus: Decimal) -> None:
    """Points and bonus within the criterion's scale, to two decimals."""
    label = f"Tiêu chí {criterion.label}"
    if not (ZERO <= points <= criterion.max_points):
        raise ValidationError(f"{label}: điểm phải từ 0 đến {format_number(criterion.max_points)}.")
    if not (ZERO <= bonus <= criterion.bonus_max):
        raise ValidationError(
            f"{label}: điểm thưởng phải từ 0 đến {format_number(criterion.bonus_max)}."
        )
    if points != scoring.points_round(points) or bonus != scoring.points_round(bonus):
        raise ValidationError(f"{label}: điểm chỉ lấy đến hai chữ số thập phân.")


def graded_by(criteria_set: CriteriaSet, unit: Unit) -> bool:
    """Whether the set grades this unit (its level, below the grader)."""
    return unit.level == criteria_set.level and unit.path.startswith(criteria_set.grader.path)
