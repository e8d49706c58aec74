"""Names as searched and compared: without diacritics, case or extra spaces.

"Nguyễn Thị Ánh  Tuyết", "nguyen thi anh tuyet" and "NGUYEN THI ÁNH TUYẾT" have one key,
so officers find a member typed without diacritics and the registry finds the same person
admitted twice. Pure functions, no Django.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

# The combining marks of Vietnamese (tones, circumflex, breve, horn) once decomposed, and đ.
MARKS = {code: None for code in range(0x0300, 0x0370)} | {ord("đ"): "d", ord("Đ"): "D"}


@lru_cache(maxsize=1 << 17)  # an import asks twice for each of up to 100,000 names
def name_key(text: str) -> str:
    """The comparison key of a name or search text: lower case, no marks, đ → d, one space."""
    bare = unicodedata.normalize("NFD", text).translate(MARKS)
    if not bare.isascii():  # marks of other scripts: the general rule, slower
        bare = "".join(ch for ch in bare if unicodedata.category(ch) != "Mn")
    return " ".join(bare.lower().split())


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
