"""Round trip on the Bình Phước demo: export 2023, delete by import, re-import, same totals.

The units and the demo are loaded once for the module inside a transaction rolled back at
its end (as the demo's own tests do); each test runs in a savepoint inside it.
"""

from __future__ import annotations

import io

import pytest

from phongtrao.actors import SYSTEM
from phongtrao.analytics.selectors import unit_totals
from phongtrao.catalog.models import Indicator
from phongtrao.data.models import DataValue
from phongtrao.demo.binh_phuoc import DemoLoadResult
from phongtrao.exchange.formats import Format, IdScheme
from phongtrao.exchange.selectors import export_rows
from phongtrao.exchange.services import datavalueset_import
from phongtrao.exchange.writers import datavalueset_write
from phongtrao.orgs.selectors import unit_descendants

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


@pytest.fixture(scope="module")
def demo(binh_phuoc_demo: DemoLoadResult) -> DemoLoadResult:
    """The units and the demo, loaded once per run (conftest.py)."""
    return binh_phuoc_demo


def totals(demo: DemoLoadResult) -> dict[int, tuple[object, int]]:
    indicators = list(Indicator.objects.all())
    return {
        k: (t.value, t.count) for k, t in unit_totals(demo.province, "2023", indicators).items()
    }


def export(demo: DemoLoadResult, fmt: Format, scheme: IdScheme) -> bytes:
    rows = export_rows(unit=demo.province, period_codes=["2023"], children=True, id_scheme=scheme)
    return "".join(datavalueset_write(rows, format=fmt, id_scheme=scheme)).encode()


@pytest.mark.parametrize("fmt", list(Format))
@pytest.mark.parametrize("scheme", [IdScheme.UID, IdScheme.CODE])  # NAME: export only
def test_export_delete_reimport_gives_equal_totals(demo, fmt, scheme):
    before = totals(demo)
    stored = DataValue.objects.filter(
        unit__in=unit_descendants(demo.province), period__code="2023"
    ).count()
    assert stored > 1000
    data = export(demo, fmt, scheme)

    deleted = datavalueset_import(
        actor=SYSTEM, stream=io.BytesIO(data), format=fmt, id_scheme=scheme, strategy="DELETE"
    )
    assert (deleted.status, deleted.deleted) == ("SUCCESS", stored), deleted.as_dict()
    emptied = totals(demo)
    assert all(count == 0 for _, count in emptied.values())

    again = datavalueset_import(actor=SYSTEM, stream=io.BytesIO(data), format=fmt, id_scheme=scheme)
    assert (again.status, again.imported) == ("SUCCESS", stored), again.as_dict()
    assert totals(demo) == before


def test_export_of_one_unit_without_children_is_its_own_values(demo):
    data = export(demo, Format.JSON, IdScheme.UID)
    own = list(export_rows(unit=demo.province, period_codes=["2023"]))

    assert own == []  # the demo enters figures at the communes
    assert data.count(b'"dataElement"') > 1000
