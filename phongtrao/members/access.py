"""Who may read and change members' records: the unit rule plus the registry's own.

Built on `accounts.access` (the subtree rule). Members' records are personal data: officers
of the commune union and below (chi hội, tổ hội) read and change the records of their
subtree; officers of a district, a province or the centre see aggregates only, unless they
hold a `RecordsGrant` (given, with its purpose, by an administrator of their unit).
Superusers read everything; every read of a record is logged all the same.
"""

from __future__ import annotations

from typing import Any

from phongtrao.accounts.access import membership_of, unit_may_change, unit_may_view
from phongtrao.actors import Actor, SystemActor
from phongtrao.members.models import RecordsGrant
from phongtrao.orgs.models import Level, Unit


def actor_name(actor: Actor) -> str:
    """How the history names the actor: the user name, or "hệ thống (<name>)"."""
    if isinstance(actor, SystemActor):
        return f"hệ thống ({actor.name})"
    return str(actor.get_username())


def actor_user(actor: Actor) -> Any:
    """The user row to link in the history, or None for the system."""
    if isinstance(actor, SystemActor) or not actor.is_authenticated:
        return None
    return actor


def _records_level(user: Any) -> bool:
    """Whether the user may see records at all: commune level or below, a grant, superuser."""
    if getattr(user, "is_superuser", False) and getattr(user, "is_active", False):
        return True
    membership = membership_of(user)
    if membership is None:
        return False
    if membership.unit.level >= Level.COMMUNE:
        return True
    return RecordsGrant.objects.filter(user=user).exists()


def records_may_view(actor: Actor, unit: Unit) -> bool:
    """Whether `actor` may read the records of the members of `unit` (its subtree)."""
    if isinstance(actor, SystemActor):
        return True
    return unit_may_view(actor, unit) and _records_level(actor)


def records_may_change(actor: Actor, unit: Unit) -> bool:
    """Whether `actor` may admit, transfer or record the leaving of members of `unit`."""
    if isinstance(actor, SystemActor):
        return True
    return unit_may_change(actor, unit) and _records_level(actor)


def records_root(actor: Actor) -> str | None:
    """The path prefix of the records `actor` may read ("" for all), or None for none."""
    if isinstance(actor, SystemActor):
        return ""
    if getattr(actor, "is_superuser", False) and getattr(actor, "is_active", False):
        return ""
    membership = membership_of(actor)
    if membership is None or not actor.is_active or not _records_level(actor):
        return None
    return membership.unit.path


__all__ = [
    "Actor",
    "SystemActor",
    "actor_name",
    "actor_user",
    "records_may_change",
    "records_may_view",
    "records_root",
]
