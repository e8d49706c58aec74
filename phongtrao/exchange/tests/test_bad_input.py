"""Bad input never corrupts data: it becomes conflicts or an error, and nothing is written."""

from __future__ import annotations

import io
import json

import pytest

from phongtrao.actors import SYSTEM
from phongtrao.catalog.models import Indicator, Section, TimeAggregation, ValueType
from phongtrao.data.models import DataValue
from phongtrao.exchange.services import ImportSummary, datavalueset_import

pytestmark = pytest.mark.django_db

GOOD = {"dataElement": "f7n9E0hX8qk", "period": "201201", "orgUnit": "DiszpKrYNg8", "value": "5"}


def import_json(payload: object, **options) -> ImportSummary:
    data = json.dumps(payload).encode()
    return datavalueset_import(
        actor=SYSTEM, stream=io.BytesIO(data), format="dhis2-json", **options
    )


def import_bytes(data: bytes, format: str, **options) -> ImportSummary:
    return datavalueset_import(actor=SYSTEM, stream=io.BytesIO(data), format=format, **options)


def test_xml_entity_bomb_is_refused(dhis2_metadata):
    bomb = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<dataValueSet xmlns="http://dhis2.org/schema/dxf/2.0">
  <dataValue dataElement="f7n9E0hX8qk" period="201201" orgUnit="DiszpKrYNg8" value="1"
             comment="&lol3;"/>
</dataValueSet>"""
    for fmt in ("dhis2-xml", "adx"):
        summary = import_bytes(bomb, fmt)

        assert summary.status == "ERROR"
        assert "thực thể" in summary.description or "DTD" in summary.description
    assert DataValue.objects.count() == 0


def test_external_entity_is_refused(dhis2_metadata):
    xxe = b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<dataValueSet xmlns="http://dhis2.org/schema/dxf/2.0"><dataValue comment="&x;"/></dataValueSet>"""
    assert import_bytes(xxe, "dhis2-xml").status == "ERROR"


def test_malformed_json_writes_nothing(dhis2_metadata):
    # A valid value first: the error comes after it was read.
    text = json.dumps({"dataValues": [GOOD]})[:-3].encode() + b", {oops"

    summary = import_bytes(text, "dhis2-json")

    assert summary.status == "ERROR"
    assert summary.as_dict()["importCount"]["imported"] == 0
    assert "JSON" in summary.description
    assert DataValue.objects.count() == 0


def test_malformed_xml_writes_nothing(dhis2_metadata):
    text = (
        b'<dataValueSet xmlns="http://dhis2.org/schema/dxf/2.0">'
        b'<dataValue dataElement="f7n9E0hX8qk" period="201201" orgUnit="DiszpKrYNg8" value="1"/>'
        b"<dataValue"
    )
    summary = import_bytes(text, "dhis2-xml")

    assert summary.status == "ERROR"
    assert DataValue.objects.count() == 0


def test_wrong_root_element_is_an_error(dhis2_metadata):
    assert import_bytes(b"<html/>", "dhis2-xml").status == "ERROR"
    assert import_bytes(b"<html/>", "adx").status == "ERROR"


def test_bad_period_is_a_conflict(dhis2_metadata):
    summary = import_json({"dataValues": [GOOD, {**GOOD, "period": "2012M13"}]})

    assert summary.status == "ERROR"
    assert summary.conflicts[0].object == "2012M13"
    assert summary.conflicts[0].indexes == [1]
    assert DataValue.objects.count() == 0


def test_bad_adx_period_is_a_conflict(dhis2_metadata):
    adx = b"""<adx xmlns="urn:ihe:qrph:adx:2015">
  <group period="2020-01-02/P1M" orgUnit="123">
    <dataValue dataElement="Malaria text" value="1"/>
  </group>
</adx>"""
    summary = import_bytes(adx, "adx")

    assert summary.status == "ERROR"
    assert "2020-01-02/P1M" in summary.conflicts[0].value


def test_values_of_the_wrong_type_are_conflicts(dhis2_metadata):
    values = [{**GOOD, "value": v} for v in ("abc", "1.5", "-3", "NaN", "1e400")]
    values = [{**v, "period": f"2012{m:02d}"} for m, v in enumerate(values, start=1)]

    summary = import_json({"dataValues": values})

    assert summary.status == "ERROR"
    assert summary.conflict_count == 5
    assert DataValue.objects.count() == 0


def test_unknown_unit_is_a_conflict(dhis2_metadata):
    summary = import_json({"dataValues": [{**GOOD, "orgUnit": "Nowhere0001"}]})

    assert summary.conflicts[0].object == "Nowhere0001"
    assert "đơn vị" in summary.conflicts[0].value


def test_derived_indicator_is_a_conflict(dhis2_metadata):
    Indicator.objects.filter(uid="f7n9E0hX8qk").update(formula="#{DE_B} + #{DE_C}")

    summary = import_json({"dataValues": [GOOD]})

    assert "công thức" in summary.conflicts[0].value
    assert DataValue.objects.count() == 0


def test_of_which_larger_than_parent_is_a_conflict(dhis2_metadata):
    parent = Indicator.objects.get(uid="f7n9E0hX8qk")
    Indicator.objects.filter(uid="Ix2HsbDMLea").update(parent=parent)
    child = {**GOOD, "dataElement": "Ix2HsbDMLea", "value": "6"}

    summary = import_json({"dataValues": [GOOD, child]})

    assert summary.conflicts[0].object == "Ix2HsbDMLea"
    assert "trong đó" in summary.conflicts[0].value
    assert DataValue.objects.count() == 0


def test_a_repeated_new_value_keeps_the_first_as_dhis2(dhis2_metadata):
    # DHIS2's batch handler drops a second insert of the same key: no conflict, one value.
    summary = import_json({"dataValues": [GOOD, {**GOOD, "value": "6"}]})

    assert (summary.status, summary.imported, summary.conflict_count) == ("SUCCESS", 1, 0)
    assert DataValue.objects.get().value == 5


def test_header_gives_defaults_and_followup_spellings_read(dhis2_metadata):
    payload = {
        "period": "201201",
        "orgUnit": "DiszpKrYNg8",
        "dataValues": [
            {"dataElement": "f7n9E0hX8qk", "value": 1, "followUp": True},
            {"dataElement": "Ix2HsbDMLea", "value": "2", "followup": "false"},
        ],
    }
    summary = import_json(payload)

    assert (summary.status, summary.imported) == ("SUCCESS", 2)


def test_bare_array_and_deleted_flag(dhis2_metadata):
    import_json([GOOD])

    summary = import_json([{**GOOD, "deleted": True}])

    assert summary.deleted == 1
    assert DataValue.objects.count() == 0


def test_conflict_list_is_bounded(dhis2_metadata):
    values = [{**GOOD, "dataElement": f"Unknown{i:04d}"} for i in range(1500)]

    summary = import_json({"dataValues": values})

    assert summary.conflict_count == 1500
    assert len(summary.conflicts) == 1000


def test_unknown_options_are_refused():
    from phongtrao.exchange.formats import FormatError

    with pytest.raises(FormatError):
        import_json([], strategy="MERGE")
    with pytest.raises(FormatError):
        import_json([], id_scheme="ATTRIBUTE:abc")


@pytest.fixture
def _section(db):
    return Section.objects.get_or_create(number=98, defaults={"name": "x"})[0]


def test_percent_range_checked(dhis2_metadata, _section):
    Indicator.objects.create(
        uid="PercentTest",
        code="PCT",
        section=_section,
        name="Tỷ lệ",
        unit_label="%",
        value_type=ValueType.PERCENT,
        time_aggregation=TimeAggregation.LAST,
    )
    summary = import_json({"dataValues": [{**GOOD, "dataElement": "PercentTest", "value": "101"}]})

    assert "Tỷ lệ" in summary.conflicts[0].value
