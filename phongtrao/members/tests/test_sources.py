"""Reports and dashboards say "theo sổ hội viên" where the membership figures come from the
registry, how many units' do where only some keep one, and never where none does."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.urls import reverse

from phongtrao.accounts.models import Role
from phongtrao.actors import SYSTEM as DATA_SYSTEM
from phongtrao.data.services import datavalue_save, period_get
from phongtrao.members.figures import (
    Coverage,
    registry_coverage,
    registry_gives,
    registry_words,
)
from phongtrao.members.models import RegistryUnit
from phongtrao.members.services import member_admit
from phongtrao.reports.builder import report_build

from .conftest import SYSTEM, officer, person

CONSENT = {"purpose": "Quản lý hội viên", "consent_on": dt.date(2020, 1, 1)}
END_2023 = dt.date(2023, 12, 31)


def test_coverage_counts_the_communes_keeping_a_book_on_the_day(registry):
    assert registry_coverage(registry["province"], END_2023) == (2, 3)
    assert registry_coverage(registry["d1"], END_2023) == (2, 2)
    assert registry_coverage(registry["c3"], END_2023) == (0, 1)
    assert registry_coverage(registry["branch"], END_2023) == (1, 1)
    # Before Xã B began its book, and for a period the registry does not write.
    RegistryUnit.objects.filter(unit=registry["c2"]).update(since=dt.date(2024, 7, 1))
    assert registry_coverage(registry["d1"], END_2023) == (1, 2)
    assert registry_coverage(registry["c1"], END_2023, yearly=False) == (0, 1)


def test_words_say_all_some_or_nothing():
    assert registry_words(Coverage(3, 3)) == "theo sổ hội viên"
    assert registry_words(Coverage(12, 111)) == "số liệu của 12/111 cơ sở Hội theo sổ hội viên"
    assert registry_words(Coverage(0, 111)) == ""


def test_registry_gives_its_own_figures_and_those_computed_from_them(indicators):
    assert registry_gives(indicators["HV_TONG"]) and registry_gives(indicators["HV_PTM"])
    assert not registry_gives(indicators["GIAMNGHEO"]) and not registry_gives(indicators["TT_DOT"])


def _figures(registry, indicators):
    """Xã A's book has a member admitted in 2023; Xã C, without a book, types its totals."""
    member_admit(actor=SYSTEM, unit=registry["branch"], data=person(), **CONSENT)
    for code, amount in (("HV_TONG", 40), ("HV_KETNAP", 3)):
        datavalue_save(
            actor=DATA_SYSTEM,
            indicator=indicators[code],
            unit=registry["c3"],
            period=period_get("2023"),
            value=Decimal(amount),
        )


def _membership_sentence(unit) -> str:
    report = report_build(unit, "2023")
    text = " ".join(p for s in report.sections for p in s.paragraphs)
    sentence = next(s for s in text.split(". ") if "tổng số hội viên" in s.lower())
    return sentence.rstrip(".")


def test_the_report_sentence_says_where_its_figures_come_from(registry, indicators):
    _figures(registry, indicators)
    province = _membership_sentence(registry["province"])
    assert "là 41 người" in province
    assert province.endswith("người (số liệu của 2/3 cơ sở Hội theo sổ hội viên)")
    assert _membership_sentence(registry["c1"]).endswith("người (theo sổ hội viên)")
    assert "sổ hội viên" not in _membership_sentence(registry["c3"])


def test_the_dashboard_card_says_where_its_figures_come_from(client, registry, indicators):
    _figures(registry, indicators)
    client.force_login(officer("canbo_tinh", registry["province"], Role.VIEW))
    html = client.get(reverse("entry:dashboard", args=[registry["province"].uid, "2023"]))
    assert 'class="card-source">Số liệu của 2/3 cơ sở Hội theo sổ hội viên<' in html.text
    # The book's own page: Xã C's members are not in it.
    book = client.get(reverse("members:unit", args=[registry["province"].uid])).text
    assert "số liệu của 2/3 cơ sở Hội theo sổ hội viên" in book
    client.force_login(registry["outsider"])
    html = client.get(reverse("entry:dashboard", args=[registry["c3"].uid, "2023"]))
    assert "card-source" not in html.text
