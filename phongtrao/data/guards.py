"""Rules from the apps above `data` about values that may not be written by some sources.

`data` cannot import the apps built on it, so they register a guard at start-up (the member
registry: membership figures of units keeping a member book come only from it). Every write
path asks `guards_blocked`: one query per guard per call, whatever the number of values.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping

# A guard: (unit ids, source) → {unit id: (indicator codes it may not write, why)}.
Guard = Callable[[Collection[int], str], Mapping[int, tuple[frozenset[str], str]]]

GUARDS: list[Guard] = []


def guard_register(guard: Guard) -> None:
    """Add a guard (idempotent: an app's `ready()` may run twice in tests)."""
    if guard not in GUARDS:
        GUARDS.append(guard)


def guards_blocked(unit_ids: Collection[int], source: str) -> dict[tuple[int, str], str]:
    """{(unit id, indicator code): message} for every value the source may not write."""
    blocked: dict[tuple[int, str], str] = {}
    for guard in GUARDS:
        for unit_id, (codes, message) in guard(unit_ids, source).items():
            for code in codes:
                blocked.setdefault((unit_id, code), message)
    return blocked


__all__ = ["GUARDS", "Guard", "guard_register", "guards_blocked"]
