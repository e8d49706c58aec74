"""Folding Vietnamese text for search: diacritics, đ and case aside, the length kept."""

from __future__ import annotations

import unicodedata

import pytest

from phongtrao.vn.text import fold, fold_words, match_spans


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Bằng khen", "bang khen"),
        ("ĐOÀN CHỦ TỊCH", "doan chu tich"),
        ("Lộc Thái", "loc thai"),
        ("Người dân tộc thiểu số", "nguoi dan toc thieu so"),
        ("1.633 đợt", "1.633 dot"),
    ],
)
def test_fold_drops_diacritics_and_case(text, folded):
    assert fold(text) == folded


def test_fold_keeps_the_length_of_decomposed_text():
    decomposed = unicodedata.normalize("NFD", "Hội Liên hiệp Phụ nữ")

    assert fold(decomposed) == "hoi lien hiep phu nu"
    assert len(fold("Hội Liên hiệp Phụ nữ")) == len("Hội Liên hiệp Phụ nữ")


def test_fold_words_reads_only_letters_and_digits():
    assert fold_words(' "Bằng"  khen;\x00 2023 ') == ["bang", "khen", "2023"]
    assert fold_words("%\x01 ") == []


def test_match_spans_mark_word_starts_in_the_original():
    text = "Nhận Bằng khen của Đoàn; khen thưởng"

    spans = match_spans(text, "bang KHEN")

    assert [text[a:b] for a, b in spans] == ["Bằng", "khen", "khen"]
    assert match_spans("Phước Bình", "hu") == []  # inside a word is no match
    assert match_spans(text, "") == []
