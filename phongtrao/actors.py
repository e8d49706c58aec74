"""Who acts in a service: a person signed in, or the system itself, said explicitly.

Every service that changes data takes a required `actor: Actor` and checks it through
`phongtrao.accounts.access`. A person is Django's user (`request.user`; an anonymous one is
refused by every check). The system — a management command, the demo loader, a task of the
queue — passes a `SystemActor` naming itself, which may do everything and is named in the
audit log; there is no default that would skip the checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeGuard

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User


@dataclass(frozen=True)
class SystemActor:
    """The system acting on its own (`name`: what acts, as the audit log shows it)."""

    name: str

    # As a user would answer the access checks: no membership, no session.
    is_authenticated = False
    is_active = False
    is_superuser = False

    def __str__(self) -> str:
        return self.name


Actor = AbstractBaseUser | AnonymousUser | SystemActor

# The system acting for itself: a task of the queue, a script, a test's set-up.
SYSTEM = SystemActor("hệ thống")
# The actor of the demo loader.
DEMO = SystemActor("dữ liệu mẫu")


def is_system(actor: Actor) -> TypeGuard[SystemActor]:
    """Whether the system acts (then every check passes)."""
    return isinstance(actor, SystemActor)


def person(actor: Actor) -> User | None:
    """The signed-in person acting, or None for the system (for `..._by` fields)."""
    if isinstance(actor, User) and actor.is_authenticated:
        return actor
    return None
