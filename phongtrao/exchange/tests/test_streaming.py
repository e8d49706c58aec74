"""A large file is read and imported in bounded memory: nothing holds the whole of it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest

from phongtrao.actors import SYSTEM
from phongtrao.catalog.models import Indicator, Section, TimeAggregation, ValueType
from phongtrao.data.models import DataValue
from phongtrao.exchange import services
from phongtrao.exchange.formats import Format
from phongtrao.exchange.readers import reader_for
from phongtrao.exchange.services import datavalueset_import
from phongtrao.orgs.models import Edition, Kind, Level, Unit, uid_from
from phongtrao.orgs.services import unit_create
from phongtrao.tests.memory import traced

N_INDICATORS, N_UNITS, N_MONTHS = 20, 100, 40  # 80,000 values read
# The import writes 20 x 40 x 40 = 32,000 values: eight parts of 4,000 show a flat reading
# and a bounded write as well as eight of 10,000 did (one part is ~1.7 MB parsed: holding
# them all would grow the peak eightfold), at two fifths of the cost.
IMPORT_UNITS = 40


def months() -> list[str]:
    return [f"{2010 + m // 12}{m % 12 + 1:02d}" for m in range(N_MONTHS)]


def keys(indicators: list[str], units: list[str]):
    for period in months():
        for unit in units:
            for indicator in indicators:
                yield indicator, period, unit


@pytest.fixture
def big_catalog(db):
    section = Section.objects.create(number=97, name="Thử tải lớn")
    indicators = [f"BigInd{i:05d}" for i in range(N_INDICATORS)]
    Indicator.objects.bulk_create(
        Indicator(
            uid=uid,
            code=uid,
            section=section,
            name=uid,
            unit_label="lượt",
            value_type=ValueType.INTEGER,
            time_aggregation=TimeAggregation.SUM,
        )
        for uid in indicators
    )
    edition = Edition.objects.create(code="BIG", name="Thử", valid_from=dt.date(2000, 1, 1))
    root = unit_create(edition=edition, code="BIG", name="Gốc", level=Level.PROVINCE)
    units = [
        unit_create(
            edition=edition,
            code=f"B{i}",
            name=f"Xã {i}",
            level=Level.COMMUNE,
            parent=root,
            uid=f"BigUnit{i:04d}",
        ).uid
        for i in range(IMPORT_UNITS)
    ]
    return indicators, units


def write_csv(path: Path, indicators: list[str], units: list[str]) -> None:
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        for n, (de, pe, ou) in enumerate(keys(indicators, units)):
            writer.writerow((de, pe, ou, "", "", n % 1000, "", "", "", "false"))


def write_json(path: Path, indicators: list[str], units: list[str]) -> None:
    with path.open("w") as out:
        out.write('{"dataValues": [')
        for n, (de, pe, ou) in enumerate(keys(indicators, units)):
            item = {"dataElement": de, "period": pe, "orgUnit": ou, "value": str(n % 1000)}
            out.write(("," if n else "") + json.dumps(item))
        out.write("]}")


def test_json_and_csv_are_read_in_constant_memory(tmp_path):
    """Traced over the first 30,000 values (tracing is slow), then read to the end. Holding
    the values read would grow the peak by ~4 MB every 10,000; holding the file would cost
    at least its size from the first sample on."""
    indicators = [f"BigInd{i:05d}" for i in range(N_INDICATORS)]
    units = [f"BigUnit{i:04d}" for i in range(N_UNITS)]
    for fmt, writer in ((Format.JSON, write_json), (Format.CSV, write_csv)):
        path = tmp_path / f"big.{fmt.value}"
        writer(path, indicators, units)
        count = 0
        with traced() as memory, path.open("rb") as stream:
            for count, _ in enumerate(reader_for(fmt, stream), start=1):
                if count % 10_000 == 0:
                    memory.sample()
                    if len(memory.peaks) == 3:
                        memory.stop()
        peaks = memory.peaks

        assert count == N_INDICATORS * N_UNITS * N_MONTHS
        # Holding the file would cost at least its size (3.7 MB of CSV, 7.4 MB of JSON), and
        # several times that as parsed values.
        assert peaks[-1] < 1_500_000 < path.stat().st_size / 2, (fmt, peaks)
        assert peaks[-1] < peaks[0] * 1.1, (fmt, peaks)


@pytest.mark.django_db
def test_large_csv_imports_in_bounded_memory(tmp_path, big_catalog, monkeypatch):
    """Memory follows the part, not the file: read 4,000 values at a time here (two parts
    held at most: one staged, the next read meanwhile) into the staging table (the set-wise
    path), checked and written by statements."""
    monkeypatch.setattr(services, "PART", 4_000)
    indicators, units = big_catalog
    path = tmp_path / "big.csv"
    write_csv(path, indicators, units)
    with traced() as memory, path.open("rb") as stream:
        summary = datavalueset_import(
            actor=SYSTEM,
            stream=stream,
            format="dhis2-csv",
            on_read=memory.sample,
            progress=memory.sample,
            read_thread=True,
        )
    peaks = memory.peaks

    assert (summary.status, summary.imported) == ("SUCCESS", 32_000)
    assert DataValue.objects.count() == 32_000
    assert len(peaks) == 9  # every 4,000 values read, and once written
    # Holding the 32,000 parsed values would take over 13 MB. Reading stays flat;
    # writing keeps only per-unit and per-period keys (a few MB on PostgreSQL's driver).
    assert peaks[-2] < peaks[1] * 1.25, peaks
    assert peaks[-1] < 10_000_000, peaks


@pytest.mark.django_db
def test_a_file_of_one_value_per_place_imports_in_bounded_memory(big_catalog, monkeypatch):
    """A file giving one value per unit and month has as many (orgUnit, period) places as
    values: the set-wise path asks the database which of a part's places are new, so the
    memory held follows the part (2,500 values here), not the file (15,000 places)."""
    monkeypatch.setattr(services, "PART", 2_500)
    indicators, units = big_catalog
    root = Unit.objects.get(code="BIG")
    branches = Unit.objects.bulk_create(
        Unit(
            uid=uid_from(f"one-per-place:{n}"),
            code=f"BIG-CH{n:04d}",
            name=f"Chi hội {n}",
            level=Level.BRANCH,
            kind=Kind.BRANCH,
            parent=root,
            edition=root.edition,
            valid_from=root.valid_from,
            path="",
        )
        for n in range(1_000)
    )
    for branch in branches:
        branch.path = f"{root.path}{branch.pk}/"
    Unit.objects.bulk_update(branches, ["path"])
    body = {
        "dataValues": [
            {"dataElement": indicators[0], "period": period, "orgUnit": b.uid, "value": "1"}
            for period in months()[:15]
            for b in branches
        ]
    }
    stream = io.BytesIO(json.dumps(body).encode())
    del body
    with traced() as memory:
        summary = datavalueset_import(
            actor=SYSTEM, stream=stream, format="dhis2-json", on_read=memory.sample_apart
        )
    peaks = memory.peaks

    assert (summary.status, summary.imported) == ("SUCCESS", 15_000)
    assert len(peaks) == 6  # every 2,500 values read
    # Holding the places met so far would grow it by about 0.5 MB a part (from ~3.3 MB).
    assert peaks[-1] < peaks[1] * 1.25, peaks
