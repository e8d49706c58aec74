"""File names people read: "Báo cáo Hội LHPN xã Lộc Thái năm 2023.pdf", never a code.

Browsers take the Vietnamese name from RFC 6266's ``filename*``; programs that read only
ASCII get the same name without accents ("Bao_cao_Hoi_LHPN_xa_Loc_Thai_nam_2023.pdf").
Pure functions, no Django.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote


def ascii_filename(name: str) -> str:
    """The same name without accents, words joined by "_"."""
    plain = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    stem, _, ext = plain.rpartition(".")
    stem = re.sub(r"[^A-Za-z0-9]+", "_", stem).strip("_")
    return f"{stem}.{ext}"


def attachment(name: str) -> str:
    """The Content-Disposition of a download named `name` (Vietnamese, with its extension)."""
    name = re.sub(r'[\x00-\x1f"/\\]+', " ", name).strip()
    return f"attachment; filename=\"{ascii_filename(name)}\"; filename*=UTF-8''{quote(name)}"


__all__ = ["ascii_filename", "attachment"]
