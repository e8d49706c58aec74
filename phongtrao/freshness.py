"""The freshness of cached reads: one version of every stored figure, in Django's cache.

Writes that change what a total, a report or a dashboard shows (values and their roll-ups,
targets, the mapping between structures) call `figures_changed`; cached reads put
`figures_version()` in their key, so a copy made before a write is never served after it.
The cache is Django's (shared by the app servers when it is Redis), so this holds on
every server. The trade-off: any write drops every cached dashboard, which keeps the rule
simple and always right; dashboards are re-read from the roll-ups, which is cheap.
"""

from __future__ import annotations

import time

from django.core.cache import cache
from django.db import transaction

# The version of every stored figure, in Django's cache (shared by the app servers when the
# cache is): reads cached under one version are never served after a write bumps it.
FIGURES_VERSION_KEY = "phongtrao:figures-version"


def figures_version() -> int:
    """The current version of the stored figures (values, roll-ups, targets)."""
    # A fresh start (or an evicted key) takes the clock, never an old number again.
    version = cache.get_or_set(FIGURES_VERSION_KEY, time.time_ns, None)
    return int(version) if version is not None else time.time_ns()


def figures_changed() -> None:
    """Bump the figures' version now and again when the caller's transaction commits.

    Now: reads inside the transaction (and a rolled-back one's) never meet an older copy.
    At commit: a copy a reader made from the data of before the commit, under the first
    bump, is not served after it.
    """

    def bump() -> None:
        try:
            cache.incr(FIGURES_VERSION_KEY)
        except ValueError:  # missing or evicted: any number not used before
            cache.set(FIGURES_VERSION_KEY, time.time_ns(), None)

    bump()
    transaction.on_commit(bump)


__all__ = ["FIGURES_VERSION_KEY", "figures_changed", "figures_version"]
