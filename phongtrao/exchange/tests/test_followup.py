"""DHIS2's follow-up mark (`followup`/`followUp`): read from every format, stored, exported."""

from __future__ import annotations

import io
import json

import pytest

from phongtrao.actors import SYSTEM
from phongtrao.data.models import DataValue, DataValueAudit
from phongtrao.exchange.formats import Format, IdScheme
from phongtrao.exchange.selectors import export_rows
from phongtrao.exchange.services import datavalueset_import
from phongtrao.exchange.writers import datavalueset_write
from phongtrao.orgs.models import Unit

pytestmark = pytest.mark.django_db

A = {"period": "201201", "orgUnit": "DiszpKrYNg8"}


def import_bytes(data: bytes, fmt: Format, **options):
    return datavalueset_import(actor=SYSTEM, stream=io.BytesIO(data), format=fmt, **options)


def stored() -> dict[str, bool]:
    return dict(DataValue.objects.values_list("indicator__uid", "follow_up"))


def test_both_spellings_stored_from_json(dhis2_metadata):
    payload = {
        **A,
        "dataValues": [
            {"dataElement": "f7n9E0hX8qk", "value": 1, "followUp": True},
            {"dataElement": "Ix2HsbDMLea", "value": "2", "followup": "true"},
            {"dataElement": "eY5ehpbEsB7", "value": "3", "followup": False},
        ],
    }

    summary = import_bytes(json.dumps(payload).encode(), Format.JSON)

    assert summary.imported == 3
    assert stored() == {"f7n9E0hX8qk": True, "Ix2HsbDMLea": True, "eY5ehpbEsB7": False}


def test_xml_and_csv_read_it(dhis2_metadata):
    xml = b"""<dataValueSet xmlns="http://dhis2.org/schema/dxf/2.0" period="201201"
      orgUnit="DiszpKrYNg8"><dataValue dataElement="f7n9E0hX8qk" value="1" followup="true"/>
      <dataValue dataElement="Ix2HsbDMLea" value="1" followUp="true"/></dataValueSet>"""
    csv = b"dataelement,period,orgunit,value,followup\neY5ehpbEsB7,201201,DiszpKrYNg8,4,true\n"

    import_bytes(xml, Format.XML)
    import_bytes(csv, Format.CSV)

    assert stored() == {"f7n9E0hX8qk": True, "Ix2HsbDMLea": True, "eY5ehpbEsB7": True}


def test_only_the_mark_changing_updates_without_a_new_version(dhis2_metadata):
    value = {**A, "dataElement": "f7n9E0hX8qk", "value": "5"}
    import_bytes(json.dumps([value]).encode(), Format.JSON)

    summary = import_bytes(json.dumps([{**value, "followup": True}]).encode(), Format.JSON)

    row = DataValue.objects.get()
    assert (summary.updated, row.follow_up, row.version) == (1, True, 1)
    assert DataValueAudit.objects.count() == 1  # the creation only: the value did not change
    again = import_bytes(json.dumps([{**value, "followup": True}]).encode(), Format.JSON)
    assert (again.updated, again.ignored) == (0, 1)


def test_a_changed_value_keeps_the_files_mark(dhis2_metadata):
    value = {**A, "dataElement": "f7n9E0hX8qk", "value": "5", "followup": True}
    import_bytes(json.dumps([value]).encode(), Format.JSON)

    import_bytes(json.dumps([{**value, "value": "6", "followup": False}]).encode(), Format.JSON)

    row = DataValue.objects.get()
    assert (row.value, row.follow_up, row.version) == (6, False, 2)


@pytest.mark.parametrize("fmt", [Format.JSON, Format.XML, Format.CSV])
def test_export_writes_it_and_round_trips(dhis2_metadata, fmt):
    payload = {
        **A,
        "dataValues": [
            {"dataElement": "f7n9E0hX8qk", "value": 1, "followUp": True},
            {"dataElement": "Ix2HsbDMLea", "value": 2},
        ],
    }
    import_bytes(json.dumps(payload).encode(), Format.JSON)
    unit = Unit.objects.get(uid="DiszpKrYNg8")
    text = "".join(
        datavalueset_write(
            export_rows(unit=unit, period_codes=["201201"]), format=fmt, id_scheme=IdScheme.UID
        )
    )
    DataValue.objects.all().delete()

    summary = import_bytes(text.encode(), fmt)

    assert summary.imported == 2, summary.as_dict()
    assert stored() == {"f7n9E0hX8qk": True, "Ix2HsbDMLea": False}
