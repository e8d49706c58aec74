"""The report across the 2025 reorganisation, over the demo: estimates marked in the
sentences as in the tables, and completeness counted on the structure the data came from.

The real units and the Bình Phước demo are loaded once for the module, inside a transaction
rolled back at its end; each test runs in a savepoint inside it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from phongtrao.actors import SYSTEM
from phongtrao.analytics.selectors import unit_completeness
from phongtrao.demo.binh_phuoc import DemoLoadResult
from phongtrao.orgs.models import Level, Succession, Unit
from phongtrao.orgs.reorganisation import unit_split
from phongtrao.reports.builder import ESTIMATE_NOTE, report_build
from phongtrao.reports.formats import report_render

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


@pytest.fixture(scope="module")
def demo(binh_phuoc_demo: DemoLoadResult) -> DemoLoadResult:
    """The units and the demo, loaded once per run (conftest.py)."""
    return binh_phuoc_demo


def unit(edition: str, code: str) -> Unit:
    return Unit.objects.select_related("edition").get(edition__code=edition, code=code)


def loc_ninh() -> Unit:
    """The 2025 Xã Lộc Ninh, made of whole old communes of Bình Phước."""
    return Unit.objects.select_related("edition").get(
        edition__code="2025", name="Xã Lộc Ninh", parent=unit("2025", "75")
    )


def narrative(report) -> str:
    return "\n".join([*report.intro, *(p for s in report.sections for p in s.paragraphs)])


def test_dong_nai_2025_for_2023_has_no_estimate(demo):
    report = report_build(unit("2025", "75"), "2023")
    text = narrative(report)
    assert "đợt" in text and "*" not in text
    assert report.footnotes == ()
    assert ESTIMATE_NOTE not in report_render(report, "md").decode()


def test_a_commune_split_from_a_2025_commune_has_estimates_in_its_sentences(demo):
    north, _ = unit_split(
        unit=loc_ninh(),
        into=[("Xã Lộc Ninh Bắc", Decimal("0.6")), ("Xã Lộc Ninh Nam", Decimal("0.4"))],
        effective=dt.date(2026, 1, 1),
        user=SYSTEM,
        reason="Chia tách theo đề án (thử)",
    )
    report = report_build(north, "2023", edition="2025")
    text = narrative(report)
    assert "*" in text, text
    assert ESTIMATE_NOTE in report.footnotes
    # Marked in the sentence exactly as in the table: "1.234*".
    row = next(r for r in report.appendix if r.estimated and r.indicator.code == "TT_DOT")
    assert f"{row.value} đợt" in text
    md = report_render(report, "md").decode()
    assert md.count(ESTIMATE_NOTE) == 1


def test_dong_nai_2025_counts_the_111_old_communes_of_binh_phuoc(demo):
    dong_nai = unit("2025", "75")
    with CaptureQueriesContext(connection) as queries:
        done = unit_completeness(dong_nai, "2023")
    assert len(queries.captured_queries) <= 7
    binh_phuoc = unit("2008", "70")
    old = {u.pk for u in Unit.objects.filter(path__startswith=binh_phuoc.path, level=Level.COMMUNE)}
    assert len(old) == 111 and old <= {u.pk for u in done.reported}
    # The old Đồng Nai's communes are expected too; the demo has no figures of theirs.
    rest = Unit.objects.filter(path__startswith=unit("2008", "75").path, level=Level.COMMUNE)
    assert done.expected == done.carried == 111 + rest.count()
    assert len(done.reported) == 111
    text = report_build(unit("2025", "75"), "2023").completeness_text
    assert text.startswith(f"111/{done.expected} đơn vị theo cơ cấu tổ chức trước khi sắp xếp")


def test_a_new_commune_counts_the_old_communes_it_came_from(demo):
    commune = loc_ninh()
    sources = Succession.objects.filter(successor=commune).count()
    done = unit_completeness(commune, "2023")
    assert (len(done.reported), done.expected) == (sources, sources)
    text = report_build(commune, "2023").completeness_text
    assert text == (
        f"{sources}/{sources} đơn vị theo cơ cấu tổ chức trước khi sắp xếp đã báo cáo (đạt 100%)"
    )
