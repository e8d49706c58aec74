"""Names as searched and compared: without diacritics, case or extra spaces.

"Nguyễn Thị Ánh  Tuyết", "nguyen thi anh tuyet" and "NGUYEN THI ÁNH TUYẾT" have one key,
so officers find a member typed without diacritics and the registry finds the same person
admitted twice. Pure functions, no Django.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from phongtrao.vn.text import fold


@lru_cache(maxsize=1 << 17)  # an import asks twice for each of up to 100,000 names
def name_key(text: str) -> str:
    """The comparison key of a name or search text: folded as the portal's search folds
    (`vn.text.fold`: lower case, no marks, đ → d), with one space between words."""
    return " ".join(fold(text).split())


def name_clean(text: str) -> str:
    """A name as stored: composed Unicode (NFC), single spaces, each word capitalised."""
    words = unicodedata.normalize("NFC", text).split()
    return " ".join(word[:1].upper() + word[1:].lower() for word in words)


def mask_tail(text: str, *, keep: int = 3) -> str:
    """Hide all but the last `keep` characters ("•••••••••123"), for lists."""
    if not text:
        return ""
    shown = text[-keep:] if len(text) > keep else ""
    return "•" * (len(text) - len(shown)) + shown


__all__ = ["mask_tail", "name_clean", "name_key"]
