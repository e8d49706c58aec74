"""The dataValueSets CSV export carries no formula; numbers stay numbers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from phongtrao.exchange.formats import IdScheme
from phongtrao.exchange.selectors import ExportRow
from phongtrao.exchange.writers import write_csv


def test_csv_export_neutralises_comments_and_keeps_negative_numbers():
    row = ExportRow(
        data_element="a",
        period="2023",
        org_unit="b",
        value=Decimal("-5"),
        comment='=HYPERLINK("http://evil.example")',
        follow_up=False,
        updated_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
        stored_by="@admin",
    )

    text = "".join(write_csv([row], IdScheme.UID))

    line = text.splitlines()[1]
    assert ",-5,'@admin," in line
    assert '"\'=HYPERLINK(""http://evil.example"")"' in line
