"""Members follow their units through a reorganisation (the 2025 merges of communes).

`orgs.reorganisation` ends the old units the day before the change and opens their
successors (`Succession` rows; the chi hội of merged unions are carried under the new one).
Members do not move by themselves: `members_follow_successions` moves every active member of
the old units to the unit that succeeds hers whole (weight 1: a merge, or a chi hội carried
over), or, when her chi hội has no successor, to the successor of its nearest ancestor. Each
move is an ordinary transfer in the book: her enrolment in the old unit ends on the
succession's day and one in the new unit begins, with a history row naming the change. So a
count at any day before the change is what it was (the old units still hold their members
then) and a count from that day is the new unit's; the figures of the registries touched
move by the same rule as a transfer (out of the old unit, into the new), and a successor of
a commune that kept a registry keeps one from that day. A member of a unit that was split
is not moved: the new unit is the officers' choice (an ordinary transfer), and she is listed.

`units_merge` and `unit_split_listing` are what the /to-chuc/ pages call: the structure's
change (`orgs.reorganisation`) and the members following it, in one transaction, so a merge
never leaves members in units that have ended. Moving members with their unit shows nothing
of their records, so the right to reorganise the units (to change the parent unit) is enough
for it; who did it is in each member's history all the same.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from copy import copy
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q

from phongtrao.accounts.access import unit_may_change
from phongtrao.members.access import Actor, SystemActor, actor_name, actor_user
from phongtrao.members.choices import EndKind, EventKind, StartKind, Status
from phongtrao.members.figures import Span, figures_shift, registries_of
from phongtrao.members.models import Enrolment, Member, MemberEvent, RegistryUnit
from phongtrao.members.tallies import Move, tallies_move
from phongtrao.orgs.models import Level, Succession, Unit
from phongtrao.orgs.reorganisation import unit_merge, unit_split


@dataclass
class FollowResult:
    """How many members moved, per new unit, and who was left for the officers (a split)."""

    moved: Counter[str] = field(default_factory=Counter)
    left: list[Member] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.moved.values())


def _whole_successors(unit_ids: Sequence[int]) -> dict[int, Succession]:
    """{old unit id: its succession to one successor that took it whole}."""
    found: dict[int, Succession] = {}
    for succession in Succession.objects.filter(
        predecessor_id__in=unit_ids, weight=1
    ).select_related("successor"):
        found[succession.predecessor_id] = succession
    return found


@transaction.atomic
def members_follow_successions(*, actor: Actor, units: Sequence[Unit]) -> FollowResult:
    """Move the active members of `units` (old units, with their subtrees) to their successors.

    Needs the right to change the old units and their successors (the right to reorganise
    them: moving members with their unit shows nothing of their records). Runs in one
    transaction; running it again moves nobody twice (moved members are no longer in the old
    units).
    """
    if not units:
        return FollowResult()
    under = Q()
    for unit in units:
        under |= Q(path__startswith=unit.path)
    subtree = list(Unit.objects.filter(under).order_by("path"))
    by_id = {u.pk: u for u in subtree}
    successions = _whole_successors(list(by_id))
    result = FollowResult()
    enrolments = list(
        Enrolment.objects.select_for_update()
        .filter(unit_id__in=list(by_id), end__isnull=True)
        .select_related("member")
        .order_by("pk")
    )
    if not enrolments:
        return result
    for unit in units:
        if not _may_move(actor, unit):
            raise PermissionDenied("Bạn không có quyền cập nhật sổ hội viên của đơn vị này.")
    checked: set[int] = set()
    changes: list[tuple[Unit, Enrolment, int]] = []
    new_enrolments: list[Enrolment] = []
    events: list[MemberEvent] = []
    moved_members: list[Member] = []
    days: list[dt.date] = []
    user, name = actor_user(actor), actor_name(actor)[:150]
    for enrolment in enrolments:
        old = by_id[enrolment.unit_id]
        succession = successions.get(old.pk) or next(
            (successions[a] for a in reversed(old.ancestor_ids) if a in successions), None
        )
        member = enrolment.member
        if (
            succession is None
            or member.status != Status.ACTIVE
            or succession.effective <= enrolment.start
        ):
            result.left.append(member)
            continue
        new = succession.successor
        if new.level < Level.COMMUNE:
            result.left.append(member)
            continue
        if new.pk not in checked:
            if not _may_move(actor, new):
                raise PermissionDenied(f"Bạn không có quyền cập nhật sổ hội viên của {new.name}.")
            checked.add(new.pk)
        day = succession.effective
        before = copy(enrolment)
        enrolment.end, enrolment.end_kind = day, EndKind.MOVED
        arrived = Enrolment(
            member=member,
            unit=new,
            unit_path=new.path,
            start=day,
            start_kind=StartKind.TRANSFERRED,
            by_residence=enrolment.by_residence,
        )
        new_enrolments.append(arrived)
        changes += [(old, before, -1), (old, enrolment, 1), (new, arrived, 1)]
        days.append(day)
        member.unit, member.unit_path, member.status_since = new, new.path, day
        moved_members.append(member)
        events.append(
            MemberEvent(
                member=member,
                kind=EventKind.REORGANISE,
                on=day,
                from_unit=old,
                to_unit=new,
                reason=succession.reason or f"{succession.get_kind_display()} đơn vị",
                actor=user,
                actor_name=name,
            )
        )
        result.moved[new.name] += 1
    if not moved_members:
        return result
    _registries_carry(successions.values())
    Enrolment.objects.bulk_update(
        [e for e in enrolments if e.end is not None], ["end", "end_kind"], batch_size=2_000
    )
    Enrolment.objects.bulk_create(new_enrolments, batch_size=2_000)
    Member.objects.bulk_update(
        moved_members, ["unit", "unit_path", "status_since"], batch_size=2_000
    )
    MemberEvent.objects.bulk_create(events, batch_size=2_000)
    _figures_move(changes, min(days))
    return result


def _may_move(actor: Actor, unit: Unit) -> bool:
    return isinstance(actor, SystemActor) or unit_may_change(actor, unit)


@transaction.atomic
def units_merge(
    *,
    actor: Actor,
    into: str,
    units: Sequence[Unit],
    effective: dt.date,
    reason: str,
    code: str = "",
) -> tuple[Unit, FollowResult]:
    """Merge `units` into a new unit (`orgs.reorganisation.unit_merge`) and move their
    active members to it (or to their chi hội carried under it), in one transaction.

    Returns the new unit and who moved. Raises what the merge raises (ValidationError in
    Vietnamese, nothing changed).
    """
    merged = unit_merge(
        into=into, units=units, effective=effective, user=actor, reason=reason, code=code
    )
    return merged, members_follow_successions(actor=actor, units=units)


@transaction.atomic
def unit_split_listing(
    *,
    actor: Actor,
    unit: Unit,
    into: Sequence[tuple[str, Decimal]],
    effective: dt.date,
    reason: str,
) -> tuple[list[Unit], FollowResult]:
    """Split `unit` (`orgs.reorganisation.unit_split`) and list its active members: which
    new unit each joins is the officers' choice (a transfer), so nobody is moved here."""
    parts = unit_split(unit=unit, into=into, effective=effective, user=actor, reason=reason)
    return parts, members_follow_successions(actor=actor, units=[unit])


def members_to_follow(units: Sequence[Unit], effective: dt.date) -> int:
    """Active members of the subtrees of `units` who joined before `effective`: those a
    reorganisation of `units` on that day moves (a merge) or leaves to the officers (a split)."""
    if not units:
        return 0
    under = Q()
    for unit in units:
        under |= Q(path__startswith=unit.path)
    return Enrolment.objects.filter(
        unit_id__in=Unit.objects.filter(under).values("pk"),
        end__isnull=True,
        start__lt=effective,
        member__status=Status.ACTIVE,
    ).count()


def _registries_carry(successions: Iterable[Succession]) -> None:
    """A successor of a commune union that kept a registry keeps one from the change's day."""
    keeping = set(RegistryUnit.objects.values_list("unit_id", flat=True))
    for succession in successions:
        new = succession.successor
        if (
            succession.predecessor_id in keeping
            and new.pk not in keeping
            and new.level == Level.COMMUNE
        ):
            RegistryUnit.objects.create(unit=new, since=succession.effective)
            keeping.add(new.pk)


def _figures_move(changes: list[tuple[Unit, Enrolment, int]], day: dt.date) -> None:
    """Move the tallies of the units, then shift each registry touched once, by what the
    moves made and unmade."""
    tallies_move(
        Move(unit.pk, unit.path, *Span.of(e.start, e.end, e.by_residence), sign)
        for unit, e, sign in changes
    )
    registry_of = registries_of({u.pk: u for u, _, _ in changes}.values())
    spans: dict[int, Counter[Span]] = defaultdict(Counter)
    registries: dict[int, Unit] = {}
    for unit, enrolment, sign in changes:
        registry = registry_of.get(unit.pk)
        if registry is None:
            continue
        registries[registry.pk] = registry
        spans[registry.pk][Span.of(enrolment.start, enrolment.end, enrolment.by_residence)] += sign
    for pk, registry in registries.items():
        figures_shift(unit=registry, days=[day], spans=spans[pk])


__all__ = [
    "FollowResult",
    "members_to_follow",
    "members_follow_successions",
    "unit_split_listing",
    "units_merge",
]
