"""Writing values and targets: validated, versioned, audited, rolled up in one transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from phongtrao import periods
from phongtrao.actors import Actor, person
from phongtrao.audit.models import AuditAction
from phongtrao.catalog.models import Indicator
from phongtrao.data.guards import guards_blocked
from phongtrao.data.models import DataValue, DataValueAudit, Period, Target
from phongtrao.data.rollups import Change, period_rows, rollup_apply
from phongtrao.data.validation import DERIVED_NOT_ENTERED, check_breakdowns, check_value
from phongtrao.data.workflow import lock_check
from phongtrao.freshness import figures_changed
from phongtrao.orgs.models import Unit
from phongtrao.vn import format_date_short, format_number, to_vietnam_time


class ValueConflict(Exception):
    """The value changed since the caller read it: show what changed and ask."""

    def __init__(self, conflicts: Sequence[Conflict]) -> None:
        self.conflicts = list(conflicts)
        super().__init__("; ".join(c.message for c in self.conflicts))


@dataclass(frozen=True)
class Conflict:
    indicator: Indicator
    expected_version: int
    current: DataValue | None

    @property
    def message(self) -> str:
        if self.current is None:
            return f"{self.indicator.code}: số liệu đã bị người khác xóa sau khi bạn mở biểu mẫu."
        who = self.current.updated_by.get_username() if self.current.updated_by else "người khác"
        at = to_vietnam_time(self.current.updated_at)
        when = f"{at:%H:%M} {format_date_short(at)}"
        return (
            f"{self.indicator.code}: {who} đã lưu giá trị {format_number(self.current.value)} "
            f"lúc {when} sau khi bạn mở biểu mẫu. Hãy xem lại trước khi lưu đè."
        )


@dataclass
class SaveResult:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    values: dict[int, DataValue] = field(default_factory=dict)


def period_get(code: str) -> Period:
    """The stored period for a DHIS2 period code (created on first use)."""
    periods.parse(code)  # raises ValueError with a clear message
    return period_rows([code])[code]


@transaction.atomic
def datavalues_save(
    *,
    unit: Unit,
    period: Period,
    values: Mapping[Indicator, Decimal | None],
    actor: Actor,
    expected_versions: Mapping[int, int] | None = None,
    comments: Mapping[int, str] | None = None,
    source: str = "web",
) -> SaveResult:
    """Save a unit's values for one period, all or nothing.

    `values` maps an indicator to its new value, or None to delete it. With
    `expected_versions` (indicator id → the version the caller read, 0 for "did not
    exist"), a value that changed meanwhile raises `ValueConflict` and nothing is written.
    Invalid values raise `ValidationError` with a message per indicator code. Every change
    is audited and pushed to the roll-ups before the transaction commits.
    """
    comments = comments or {}
    derived = [i.code for i in values if i.formula]
    if derived:
        raise ValidationError({code: DERIVED_NOT_ENTERED for code in derived})
    errors: dict[str, list[str]] = {}
    for indicator, value in values.items():
        if value is not None:
            message = check_value(indicator, value)
            if message:
                errors.setdefault(indicator.code, []).append(message)
    if errors:
        raise ValidationError(errors)
    # One writer per unit at a time: stock roll-ups read the unit's other values.
    Unit.objects.select_for_update().filter(pk=unit.pk).first()
    # Values of a submitted or approved report are locked (raises DataLocked).
    lock_check(unit=unit, period=period, indicators=values, actor=actor)
    current = {
        dv.indicator_id: dv
        for dv in DataValue.objects.select_for_update(of=("self",))
        .filter(unit=unit, period=period, indicator__in=list(values))
        .select_related("updated_by")
    }
    if expected_versions is not None:
        conflicts = [
            Conflict(i, expected_versions[i.pk], current.get(i.pk))
            for i in values
            if i.pk in expected_versions
            and expected_versions[i.pk] != (current[i.pk].version if i.pk in current else 0)
        ]
        if conflicts:
            raise ValueConflict(conflicts)

    blocked = guards_blocked([unit.pk], source)
    if blocked:
        refused = {
            i.code: [blocked[(unit.pk, i.code)]]
            for i, value in values.items()
            if (unit.pk, i.code) in blocked
            and value != (current[i.pk].value if i.pk in current else None)
        }
        if refused:
            raise ValidationError(refused)

    breakdown_errors = check_breakdowns(unit=unit, period=period, new_values=values)
    if breakdown_errors:
        raise ValidationError(breakdown_errors)

    now = timezone.now()
    result = SaveResult()
    changes: list[Change] = []
    audits: list[DataValueAudit] = []
    for indicator, value in values.items():
        existing = current.get(indicator.pk)
        old = existing.value if existing else None
        comment = comments.get(indicator.pk)
        if value == old and (comment is None or existing is None or comment == existing.comment):
            result.unchanged += 1
            if existing:
                result.values[indicator.pk] = existing
            continue
        if value is None and existing is None:
            result.unchanged += 1
            continue
        changes.append(
            Change(unit.pk, unit.path, indicator.pk, indicator.time_aggregation, period, old, value)
        )
        if value is None:
            assert existing is not None
            action, version = AuditAction.DELETE, existing.version + 1
            existing.delete()
            result.deleted += 1
        elif existing is None:
            action, version = AuditAction.CREATE, 1
            try:
                with transaction.atomic():
                    result.values[indicator.pk] = DataValue.objects.create(
                        indicator=indicator,
                        unit=unit,
                        period=period,
                        value=value,
                        comment=comment or "",
                        updated_by=person(actor),
                        updated_at=now,
                    )
            except IntegrityError as exc:
                # Someone created it between our read and our write.
                raise ValueConflict(
                    [
                        Conflict(
                            indicator,
                            0,
                            DataValue.objects.filter(
                                unit=unit, period=period, indicator=indicator
                            ).first(),
                        )
                    ]
                ) from exc
            result.created += 1
        else:
            action, version = AuditAction.UPDATE, existing.version + 1
            existing.value = value
            existing.version = version
            existing.updated_by = person(actor)
            existing.updated_at = now
            if comment is not None:
                existing.comment = comment
            existing.save(update_fields=["value", "version", "updated_by", "updated_at", "comment"])
            result.values[indicator.pk] = existing
            result.updated += 1
        audits.append(
            DataValueAudit(
                indicator=indicator,
                unit=unit,
                period=period,
                action=action,
                old_value=old,
                new_value=value,
                version=version,
                user=person(actor),
                at=now,
                source=source,
            )
        )
    DataValueAudit.objects.bulk_create(audits)
    rollup_apply(changes)
    return result


def datavalue_save(
    *,
    indicator: Indicator,
    unit: Unit,
    period: Period,
    value: Decimal | None,
    actor: Actor,
    expected_version: int | None = None,
    comment: str | None = None,
    source: str = "web",
) -> DataValue | None:
    """Save one value (None deletes it); see `datavalues_save`."""
    result = datavalues_save(
        unit=unit,
        period=period,
        values={indicator: value},
        actor=actor,
        expected_versions={indicator.pk: expected_version}
        if expected_version is not None
        else None,
        comments={indicator.pk: comment} if comment is not None else None,
        source=source,
    )
    return result.values.get(indicator.pk)


@transaction.atomic
def target_set(
    *,
    indicator: Indicator,
    unit: Unit,
    value: Decimal,
    period: Period | None = None,
    phase: str = "",
    actor: Actor,
    note: str = "",
) -> Target:
    """Set the target of a unit for a period or for a phase ("2021-2025")."""
    if (period is None) == (not phase):
        raise ValidationError("Chỉ tiêu giao phải gắn với đúng một kỳ hoặc một giai đoạn.")
    if phase:
        phase = periods.parse_phase(phase).code
    message = check_value(indicator, value)
    if message:
        raise ValidationError({indicator.code: [message]})
    target, _ = Target.objects.update_or_create(
        indicator=indicator,
        unit=unit,
        period=period,
        phase=phase,
        defaults={"value": value, "updated_by": person(actor), "note": note},
    )
    figures_changed()  # achievement on the dashboards
    return target


@transaction.atomic
def targets_set(
    *,
    indicator: Indicator,
    period: Period,
    values: Mapping[Unit, Decimal],
    actor: Actor,
    note: str = "",
) -> list[Target]:
    """Set the indicator's targets of many units for a period at once, as `target_set` sets
    one: every value checked first (nothing written if one is refused), the units' targets
    read in one query, then created or changed set-wise."""
    for value in values.values():
        message = check_value(indicator, value)
        if message:
            raise ValidationError({indicator.code: [message]})
    found = {
        t.unit_id: t
        for t in Target.objects.select_for_update().filter(
            indicator=indicator, period=period, unit__in=list(values)
        )
    }
    by, now = person(actor), timezone.now()
    targets, new = [], []
    for unit, value in values.items():
        target = found.get(unit.pk)
        if target is None:
            target = Target(indicator=indicator, unit=unit, period=period)
            new.append(target)
        target.value, target.note, target.updated_by, target.updated_at = value, note, by, now
        targets.append(target)
    Target.objects.bulk_create(new)
    changed = [t for t in targets if t.unit_id in found]
    Target.objects.bulk_update(changed, ["value", "note", "updated_by", "updated_at"])
    figures_changed()  # achievement on the dashboards
    return targets
