"""Estimated figures are marked "*" in the report's sentences as in its tables, the note once."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from phongtrao.accounts.models import Role
from phongtrao.accounts.services import membership_set
from phongtrao.actors import SYSTEM
from phongtrao.analytics.selectors import ReportRow
from phongtrao.reports.builder import ESTIMATE_NOTE, report_build
from phongtrao.reports.figures import FigureSet
from phongtrao.reports.formats import report_render
from phongtrao.reports.templatetags.narrative import about, ratio

from .test_structure_choice import two_structures  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db


def sentences(report) -> str:
    return "\n".join([*report.intro, *(p for s in report.sections for p in s.paragraphs)])


def test_a_share_of_a_split_commune_is_marked_in_the_sentence(two_structures):  # noqa: F811
    south = report_build(two_structures["south"], "2023")
    assert "300* đợt" in sentences(south)
    for fmt in ("md", "html"):
        assert report_render(south, fmt).decode().count(ESTIMATE_NOTE) == 1, fmt
    # The new province holds both parts of Xã C: exact, nothing marked.
    whole = report_build(two_structures["new_province"], "2023")
    assert "1.000 đợt" in sentences(whole) and "*" not in sentences(whole)
    assert whole.footnotes == ()


def test_every_printed_form_of_an_estimate_is_marked(indicators):
    row = ReportRow(
        indicator=indicators["TH_KP"],
        value=Decimal(4_236_500_000),
        count=1,
        last_year=Decimal(2_000_000_000),
        change=Decimal(2_236_500_000),
        target=Decimal(3_000_000_000),
        target_phase="",
        achievement_pct=Decimal(141),
        estimated=True,
    )
    people = ReportRow(
        indicator=indicators["GD_LUOT"],
        value=Decimal(32_480),
        count=1,
        last_year=Decimal(30_000),
        change=Decimal(2_480),
        target=None,
        target_phase="",
        achievement_pct=None,
        last_year_estimated=True,
    )
    money, count = FigureSet([row, people])["TH_KP"], FigureSet([row, people])["GD_LUOT"]
    assert money.money == "trên 4,2 tỷ đồng*" and money.money3 == "gần 4,237 tỷ đồng*"
    assert money.change.endswith("*") and not money.last_year.endswith("*")
    assert about(money, "tỷ") == "hơn 4 tỷ*"
    assert money.pct == "141%"  # achievement is not a figure of its own, as in the tables
    assert count.number == "32.480" and about(count, "ngàn") == "hơn 32 ngàn"
    assert count.last_year == "30.000*" and count.change == "tăng 2.480*"
    assert ratio(count, count) == "32.480/32.480 (đạt 100%)"


def test_the_report_page_links_to_the_reorganisation_page(client, small_tree):
    officer = get_user_model().objects.create_user("canbo_tinh_nhap", password="x")
    province = small_tree["province"]
    membership_set(actor=SYSTEM, user=officer, unit=province, roles={Role.VIEW, Role.ENTER})
    client.force_login(officer)
    assert f"/to-chuc/{province.uid}/" in client.get(f"/bao-cao/{province.uid}/2023/").text
    viewer = get_user_model().objects.create_user("canbo_tinh_xem", password="x")
    membership_set(actor=SYSTEM, user=viewer, unit=province, roles={Role.VIEW})
    client.force_login(viewer)
    assert "/to-chuc/" not in client.get(f"/bao-cao/{province.uid}/2023/").text


def test_a_reported_rate_of_zero_is_a_figure_not_a_missing_one(indicators):
    def rate(value: int, count: int) -> ReportRow:
        return ReportRow(
            indicator=indicators["CS_TOT_TL"],
            value=Decimal(value),
            count=count,
            last_year=None,
            change=None,
            target=None,
            target_phase="",
            achievement_pct=None,
        )

    zero = FigureSet([rate(0, 3)])["CS_TOT_TL"]
    assert zero and zero.shown and zero.rate == "0%"
    # Nobody reported it: still missing.
    assert not FigureSet([rate(0, 0)])["CS_TOT_TL"]
    # A count of zero stays out of sentences.
    count = ReportRow(
        indicator=indicators["GD_LUOT"],
        value=Decimal(0),
        count=3,
        last_year=None,
        change=None,
        target=None,
        target_phase="",
        achievement_pct=None,
    )
    assert not FigureSet([count])["GD_LUOT"]
