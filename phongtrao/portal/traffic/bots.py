"""Search-engine and other robots, told apart by their user agent."""

from __future__ import annotations

import re

# Substrings that crawlers put in their user agent; matched case-insensitively.
_BOT_PATTERN = re.compile(
    r"bot\b|bot/|crawler|spider|slurp|bingpreview|facebookexternalhit|coccocbot|"
    r"feedfetcher|mediapartners",
    re.IGNORECASE,
)


def is_bot(user_agent: str) -> bool:
    """True for a search engine or another robot (Googlebot, bingbot, Cốc Cốc...)."""
    return bool(_BOT_PATTERN.search(user_agent))
