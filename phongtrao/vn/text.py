"""Vietnamese text as searched: without diacritics or case.

"Bằng khen", "bang khen" and "BẰNG KHEN" fold to one text, so a reader who types without
diacritics (a phone without a Vietnamese keyboard) finds what was written with them.
Folding keeps the length, character for character, so a match found in the folded text
marks the same span of the original (search results highlight it). Pure functions, no Django.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    if char in "đĐ":
        return "d"
    base = unicodedata.normalize("NFD", char)[:1] or char
    return base.lower() if len(base.lower()) == 1 else base


class _FoldTable(dict[int, str]):
    """`str.translate`'s table for `fold`, filled as characters are met: a name is folded in
    one call rather than one Python call per character (member imports fold every name).
    Characters past the Vietnamese letters are folded but not kept, so the table stays small."""

    def __missing__(self, code: int) -> str:
        folded = _fold_char(chr(code))
        if code < 0x2000:
            self[code] = folded
        return folded


_FOLD_TABLE = _FoldTable()


def fold(text: str) -> str:
    """`text` in lower case without diacritics, đ → d, one character for each of `text`'s."""
    return unicodedata.normalize("NFC", text).translate(_FOLD_TABLE)


def fold_words(text: str) -> list[str]:
    """The folded words of `text` (letters and digits), for a query."""
    return re.findall(r"\w+", fold(text))


def match_spans(text: str, query: str) -> list[tuple[int, int]]:
    """Where the words of `query` occur in `text`, diacritics and case aside: (start, end)
    pairs into `text`, in order, not overlapping. Matches start at a word's beginning."""
    words = sorted(set(fold_words(query)), key=len, reverse=True)
    if not words:
        return []
    text = unicodedata.normalize("NFC", text)
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + ")")
    return [m.span() for m in pattern.finditer(fold(text))]


__all__ = ["fold", "fold_words", "match_spans"]
