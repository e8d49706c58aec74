"""Every DHIS2 sample file imports as DHIS2 treats it, against DHIS2's test metadata.

Expected counts are DHIS2's own (DataValueSetServiceTest) where phongtrao keeps the same
data; phongtrao stores no disaggregations (category option combos other than the default)
and no boolean values, so those values are conflicts. With atomicMode ALL (the default) a
file with any conflict writes nothing; with NONE the valid values are written, and the
counts for dataValueSetANull.xml and dataValueSetInvalid.xml are DHIS2's.
"""

from __future__ import annotations

import io

import pytest

from phongtrao.actors import SYSTEM
from phongtrao.data.models import DataValue, DataValueAudit
from phongtrao.exchange.formats import Format, format_guess
from phongtrao.exchange.services import ImportSummary, datavalueset_import
from phongtrao.exchange.tests.conftest import fixture_path

pytestmark = pytest.mark.django_db

# file, id scheme → (status, imported, updated, ignored, deleted, values in conflict), ALL mode
EXPECTED = {
    ("datavalueset/dataValueSetJ.json", None): ("SUCCESS", 1, 0, 0, 0, 0),
    ("datavalueset/dataValueSetCreateDate.json", None): ("SUCCESS", 1, 0, 0, 0, 0),
    ("datavalueset/dataValueSetJDeleteZeroValue.json", None): ("SUCCESS", 1, 0, 0, 0, 0),
    ("dxf2/datavalueset/dataValueSetA.xml", None): ("SUCCESS", 3, 0, 0, 0, 0),
    ("dxf2/datavalueset/dataValueSetACode.xml", None): ("SUCCESS", 3, 0, 0, 0, 0),
    ("dxf2/datavalueset/dataValueSetB.xml", None): ("SUCCESS", 12, 0, 0, 0, 0),
    ("dxf2/datavalueset/dataValueSetB.csv", None): ("SUCCESS", 12, 0, 0, 0, 0),
    ("dxf2/datavalueset/dataValueSetBNoHeader.csv", None): ("SUCCESS", 12, 0, 0, 0, 0),
    ("dxf2/datavalueset/dataValueSetWithDataSetHeader.csv", None): ("SUCCESS", 3, 0, 0, 0, 0),
    ("dxf2/datavalueset/dataValueSetIllegalCoc.xml", None): ("ERROR", 0, 0, 1, 0, 1),
    ("dxf2/datavalueset/dataValueSetACatCombo.xml", None): ("ERROR", 0, 0, 3, 0, 2),
    ("dxf2/datavalueset/dataValueSetANull.xml", None): ("ERROR", 0, 0, 3, 0, 2),
    ("dxf2/datavalueset/dataValueSetInvalid.xml", None): ("ERROR", 0, 0, 3, 0, 1),
    ("dataValues_bulk.json", None): ("ERROR", 0, 0, 231, 0, 207),
    ("adx/importA.adx.xml", "CODE"): ("ERROR", 0, 0, 9, 0, 8),
    ("adx/importB.adx.xml", "UID"): ("ERROR", 0, 0, 9, 0, 8),
}

# The files with conflicts, in atomicMode NONE: (status, imported, ignored, conflicts).
EXPECTED_NONE = {
    ("dxf2/datavalueset/dataValueSetIllegalCoc.xml", None): ("WARNING", 0, 1, 1),  # DHIS2's
    ("dxf2/datavalueset/dataValueSetACatCombo.xml", None): ("WARNING", 1, 2, 2),
    ("dxf2/datavalueset/dataValueSetANull.xml", None): ("WARNING", 1, 2, 2),  # DHIS2's
    ("dxf2/datavalueset/dataValueSetInvalid.xml", None): ("WARNING", 2, 1, 1),  # DHIS2's
    ("dataValues_bulk.json", None): ("WARNING", 24, 207, 207),
    ("adx/importA.adx.xml", "CODE"): ("WARNING", 1, 8, 8),
    ("adx/importB.adx.xml", "UID"): ("WARNING", 1, 8, 8),
}


def run(relative: str, scheme: str | None, **options) -> ImportSummary:
    path = fixture_path(relative)
    fmt = Format.ADX if relative.startswith("adx/") else format_guess(path.name)
    with path.open("rb") as stream:
        return datavalueset_import(
            actor=SYSTEM, stream=stream, format=fmt, id_scheme=scheme, **options
        )


def test_every_shared_file_has_an_expectation():
    root = fixture_path("")
    files = {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and p.suffix != ".md"}
    assert files == {name for name, _ in EXPECTED}


@pytest.mark.parametrize(("relative", "scheme"), list(EXPECTED), ids=[n for n, _ in EXPECTED])
def test_sample_imports_as_dhis2(dhis2_metadata, relative, scheme):
    status, imported, updated, ignored, deleted, conflicts = EXPECTED[(relative, scheme)]

    summary = run(relative, scheme)

    result = summary.as_dict()
    assert result["status"] == status, result
    assert result["importCount"] == {
        "imported": imported,
        "updated": updated,
        "ignored": ignored,
        "deleted": deleted,
    }
    assert summary.conflict_count == conflicts
    assert DataValue.objects.count() == imported
    assert DataValueAudit.objects.count() == imported
    for conflict in result["conflicts"]:
        assert conflict["object"] and conflict["value"]


@pytest.mark.parametrize(
    ("relative", "scheme"), list(EXPECTED_NONE), ids=[n for n, _ in EXPECTED_NONE]
)
def test_sample_with_conflicts_writes_valid_values_when_not_atomic(
    dhis2_metadata, relative, scheme
):
    status, imported, ignored, conflicts = EXPECTED_NONE[(relative, scheme)]

    summary = run(relative, scheme, atomic=False)

    assert summary.status == status
    assert (summary.imported, summary.ignored, summary.conflict_count) == (
        imported,
        ignored,
        conflicts,
    )
    assert DataValue.objects.count() == imported


def test_conflicts_name_the_object_and_the_reason(dhis2_metadata):
    summary = run("dxf2/datavalueset/dataValueSetInvalid.xml", None)

    assert summary.as_dict()["conflicts"] == [
        {
            "object": "jH26dja2f28",
            "objects": {"dataElement": "jH26dja2f28"},
            "value": "Không có chỉ tiêu (dataElement) nào có mã UID “jH26dja2f28”.",
            "errorCode": "E7610",
            "property": "dataElement",
            "indexes": [2],
        }
    ]
    [english] = summary.as_dict(english=True)["conflicts"]
    assert english["value"] == "Data element not found or not accessible: `jH26dja2f28`"


def test_illegal_category_option_combo_is_named(dhis2_metadata):
    conflict = run("dxf2/datavalueset/dataValueSetIllegalCoc.xml", None).conflicts[0]

    assert conflict.object == "kjuiHgy67hg"
    assert "categoryOptionCombo" in conflict.value


def test_zero_is_a_value_not_a_deletion(dhis2_metadata):
    """phongtrao's figures count zero as reported (DHIS2's zeroIsSignificant=true)."""
    run("datavalueset/dataValueSetJ.json", None)

    summary = run("datavalueset/dataValueSetJDeleteZeroValue.json", None)

    assert (summary.updated, summary.deleted) == (1, 0)
    assert DataValue.objects.get().value == 0


def test_empty_value_deletes_a_stored_one(dhis2_metadata):
    """DHIS2: an empty value deletes the stored value; only missing ones are conflicts."""
    run("dxf2/datavalueset/dataValueSetB.xml", None)

    summary = run("dxf2/datavalueset/dataValueSetANull.xml", None)

    assert summary.status == "SUCCESS"
    assert (summary.updated, summary.deleted) == (1, 2)
    assert DataValue.objects.count() == 10


def test_update_strategy_on_empty_database_ignores_all(dhis2_metadata):
    """DHIS2's testImportDataValuesXmlUpdatesOnly."""
    summary = run("dxf2/datavalueset/dataValueSetB.xml", None, strategy="UPDATE")

    assert (summary.status, summary.imported, summary.ignored) == ("SUCCESS", 0, 12)
    assert DataValue.objects.count() == 0


def test_create_strategy_leaves_stored_values(dhis2_metadata):
    run("dxf2/datavalueset/dataValueSetA.xml", None)

    summary = run("dxf2/datavalueset/dataValueSetB.xml", None, strategy="CREATE")

    assert (summary.imported, summary.updated, summary.ignored) == (9, 0, 3)
    assert DataValue.objects.filter(value=10002).count() == 1


def test_create_and_update_updates(dhis2_metadata):
    run("dxf2/datavalueset/dataValueSetA.xml", None)

    summary = run("dxf2/datavalueset/dataValueSetB.xml", None)

    # The three values of A are in B unchanged: ignored, as DHIS2 skips unchanged values.
    assert (summary.imported, summary.updated, summary.ignored) == (9, 0, 3)


def test_delete_strategy_deletes(dhis2_metadata):
    run("dxf2/datavalueset/dataValueSetB.xml", None)

    summary = run("dxf2/datavalueset/dataValueSetB.csv", None, strategy="DELETE")

    assert (summary.status, summary.deleted) == ("SUCCESS", 12)
    assert DataValue.objects.count() == 0
    assert DataValueAudit.objects.filter(action="delete").count() == 12


def test_dry_run_writes_nothing(dhis2_metadata):
    summary = run("dxf2/datavalueset/dataValueSetB.xml", None, dry_run=True)

    assert (summary.status, summary.imported) == ("SUCCESS", 12)
    assert summary.as_dict()["importOptions"]["dryRun"] is True
    assert DataValue.objects.count() == 0
    assert DataValueAudit.objects.count() == 0


def test_code_scheme_given_by_caller(dhis2_metadata):
    """dataValueSetACode.xml says idScheme="code" itself; the caller may say it too."""
    path = fixture_path("dxf2/datavalueset/dataValueSetACode.xml")
    text = path.read_bytes().replace(b' idScheme="code"', b"")

    summary = datavalueset_import(
        actor=SYSTEM, stream=io.BytesIO(text), format="dhis2-xml", id_scheme="code"
    )

    assert summary.imported == 3
