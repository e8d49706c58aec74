"""The set-wise import path gives what the per-value path gives: the same summary, values,
audit rows, roll-ups and activity counts, on random payloads full of conflicts."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from phongtrao.actors import SYSTEM
from phongtrao.analytics.models import Activity, Rollup
from phongtrao.catalog.models import Form, FormIndicator, Indicator, TimeAggregation
from phongtrao.data import setwise
from phongtrao.data.models import DataValue, DataValueAudit, Submission, SubmissionStatus
from phongtrao.data.services import period_get
from phongtrao.exchange import services
from phongtrao.exchange.services import datavalueset_import
from phongtrao.orgs.models import Kind, Level
from phongtrao.orgs.services import unit_create

PERIODS = ["2024", "202401", "202403", "2024Q1", "2024S1", "2024Q7"]
VALUES = ["0", "1", "5", "12", "250", "-3", "1.5", "0.25", "abc", "", "1e2", None]
ROW = {
    "de": 0,
    "ou": 0,
    "pe": "2024",
    "value": "7",
    "coc": "",
    "deleted": False,
    "followup": False,
    "comment": "",
}
# Comments COPY's text format must escape (a part holding one is sent row by row by psycopg,
# the others as the reading thread wrote them) and a few it need not.
COMMENTS = ["", "", "", "ghi chú", "tab\tgiữa", "dòng\nmới", "gạch\\chéo", "\r\n", "\\N"]


class _Undo(Exception):
    pass


@pytest.fixture
def world(small_tree: dict[str, Any], indicators: dict[str, Indicator]) -> dict[str, Any]:
    """Units (with one unknown and one forbidden), indicators of every kind, a locked report."""
    sums = [indicators["TH_HD"], indicators["TH_KP"], indicators["THOAT_NGHEO"]]
    child = indicators["THOAT_NGHEO_DTTS"]
    stock = indicators["MDD_TRE"]
    formula = Indicator.objects.exclude(formula="").first()
    assert formula is not None and stock.time_aggregation == TimeAggregation.LAST
    elements = [i.uid for i in (*sums, child, stock, formula)] + ["NoSuchDE00x"]
    # A tổ under a chi hội of Xã A: its parent keeps no roll-ups, only activity counts.
    branch = unit_create(
        edition=small_tree["c1"].edition,
        code="T-70101-CH1",
        name="Chi hội Một",
        level=Level.BRANCH,
        kind=Kind.BRANCH,
        parent=small_tree["c1"],
    )
    group = unit_create(
        edition=branch.edition,
        code="T-70101-CH1-T1",
        name="Tổ Một",
        level=Level.GROUP,
        kind=Kind.BRANCH,
        parent=branch,
    )
    units = [small_tree[k].uid for k in ("c1", "c2", "c3", "d1")] + [group.uid, "NoSuchOU00x"]
    form = Form.objects.filter(formindicator__indicator=sums[0]).first()
    if form is None:  # pragma: no cover - the catalog's forms hold TH_HD
        form = Form.objects.create(code="F-THU", name="Biểu thử", period_type="Yearly")
        FormIndicator.objects.create(form=form, indicator=sums[0], sort_order=1)
    Submission.objects.create(
        form=form,
        unit=small_tree["c2"],
        period=period_get("2024" if form.period_type == "Yearly" else "202401"),
        status=SubmissionStatus.SUBMITTED,
    )
    return {"elements": elements, "units": units, "forbidden": small_tree["c3"].pk}


def value_rows() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "de": st.integers(0, 6),
            "ou": st.integers(0, 5),
            "pe": st.sampled_from(PERIODS),
            "value": st.sampled_from(VALUES),
            "coc": st.sampled_from(["", "", "", "HllvX50cXC0", "otherCOC01"]),
            "deleted": st.sampled_from([False, False, False, True]),
            "followup": st.booleans(),
            "comment": st.sampled_from(COMMENTS),
        },
    )


def _payload(world: dict[str, Any], rows: list[dict[str, Any]]) -> bytes:
    values = []
    for row in rows:
        item: dict[str, Any] = {
            "dataElement": world["elements"][row["de"]],
            "orgUnit": world["units"][row["ou"]],
            "period": row["pe"],
            "followup": row["followup"],
        }
        if row["value"] is not None:
            item["value"] = row["value"]
        if row["coc"]:
            item["categoryOptionCombo"] = row["coc"]
        if row["deleted"]:
            item["deleted"] = True
        if row.get("comment"):
            item["comment"] = row["comment"]
        values.append(item)
    return json.dumps({"dataValues": values}).encode()


def _state() -> dict[str, list[tuple[Any, ...]]]:
    """What an import leaves, by period code (a period made by a run that was undone gets a
    new id on PostgreSQL, whose sequences do not roll back)."""
    return {
        "values": sorted(
            DataValue.objects.values_list(
                "unit_id",
                "indicator_id",
                "period__code",
                "value",
                "comment",
                "follow_up",
                "version",
            )
        ),
        "audit": list(
            DataValueAudit.objects.order_by("pk").values_list(
                "unit_id",
                "indicator_id",
                "period__code",
                "action",
                "old_value",
                "new_value",
                "version",
                "source",
            )
        ),
        "rollups": sorted(
            Rollup.objects.values_list("unit_id", "period__code", "indicator_id", "value", "count")
        ),
        "activity": sorted(Activity.objects.values_list("unit_id", "period__code", "count")),
    }


def _run(world: dict[str, Any], payload: bytes, setwise: bool, **options: Any) -> Any:
    """Import, read what it did, undo it."""
    try:
        with transaction.atomic():
            summary = datavalueset_import(
                actor=SYSTEM,
                stream=io.BytesIO(payload),
                format="dhis2-json",
                setwise=setwise,
                read_thread=setwise,  # as the worker reads a file
                unit_allowed=lambda unit: unit.pk != world["forbidden"],
                **options,
            )
            outcome = (summary.as_dict(), _state())
            raise _Undo
    except _Undo:
        return outcome


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    before=st.lists(value_rows(), max_size=12),
    rows=st.lists(value_rows(), max_size=30),
    strategy=st.sampled_from(["CREATE_AND_UPDATE", "CREATE", "UPDATE", "DELETE"]),
    atomic=st.booleans(),
    again=st.integers(0, 12),
    part=st.sampled_from([services.PART, 1, 4, 7]),
)
# Always tried, whatever Hypothesis draws: a stored value given again with only its mark
# turned; and a value deleted, then given again empty, in the same file.
@example(
    before=[{**ROW, "de": 1}],
    rows=[{**ROW, "deleted": True}, {**ROW, "value": None}, {**ROW, "value": "5"}],
    strategy="CREATE_AND_UPDATE",
    atomic=False,
    again=1,
    part=services.PART,
)
@example(
    before=[ROW],
    rows=[{**ROW, "deleted": True}, {**ROW, "value": None}],
    strategy="UPDATE",
    atomic=True,
    again=1,
    part=1,
)
def test_setwise_import_equals_the_per_value_path(
    world: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    before: list[dict[str, Any]],
    rows: list[dict[str, Any]],
    strategy: str,
    atomic: bool,
    again: int,
    part: int,
) -> None:
    # The file staged a part at a time (a large file's way), or whole.
    monkeypatch.setattr(services, "PART", part)
    # Some stored values given again, the follow-up mark turned: unchanged values, marks.
    rows = [{**row, "followup": not row["followup"]} for row in before[:again]] + rows
    try:
        with transaction.atomic():
            # What was stored before, written the per-value way (partial: conflicts skipped).
            datavalueset_import(
                actor=SYSTEM,
                stream=io.BytesIO(_payload(world, before)),
                format="dhis2-json",
                atomic=False,
                setwise=False,
            )
            payload = _payload(world, rows)
            options = {"strategy": strategy, "atomic": atomic}
            per_value = _run(world, payload, False, **options)
            setwise = _run(world, payload, True, **options)
            assert setwise[0] == per_value[0]
            assert setwise[1] == per_value[1]
            raise _Undo
    except _Undo:
        pass


@pytest.mark.django_db
def test_setwise_import_writes_values_audit_and_rollups(world: dict[str, Any]) -> None:
    rows = [
        {"de": 0, "ou": ou, "pe": pe, "value": "7", "coc": "", "deleted": False, "followup": False}
        for ou in (0, 2)
        for pe in ("202401", "202402", "2024Q2")
    ]
    summary = datavalueset_import(
        actor=SYSTEM, stream=io.BytesIO(_payload(world, rows)), format="dhis2-json", setwise=True
    )
    assert summary.status == "SUCCESS" and summary.imported == 6
    assert DataValueAudit.objects.count() == 6
    district = Rollup.objects.get(
        unit__code="T-701", indicator__uid=world["elements"][0], period__code="2024"
    )
    assert (district.value, district.count) == (Decimal(21), 3)


@pytest.mark.django_db
def test_setwise_import_tells_progress_while_it_writes(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stage larger than a write slice is written slice by slice, progress told after each
    (a watcher sees "values written" move before the end); the counts add up."""
    monkeypatch.setattr(setwise, "WRITE_SLICE", 4)
    rows = [
        {
            "de": de,
            "ou": ou,
            "pe": "202401",
            "value": "7",
            "coc": "",
            "deleted": False,
            "followup": False,
        }
        for de in (0, 1, 2)
        for ou in (0, 1, 2)
    ]
    rows[5]["value"] = "abc"  # refused in partial mode: not written, not told
    told: list[int] = []
    summary = datavalueset_import(
        actor=SYSTEM,
        stream=io.BytesIO(_payload(world, rows)),
        format="dhis2-json",
        setwise=True,
        atomic=False,
        progress=told.append,
    )
    assert summary.imported == DataValue.objects.count() == DataValueAudit.objects.count()
    assert len(told) == 3 and sum(told) == summary.imported
    assert all(n > 0 for n in told)


@pytest.mark.django_db
def test_setwise_import_refuses_all_on_one_conflict_when_atomic(world: dict[str, Any]) -> None:
    rows = [
        {
            "de": 0,
            "ou": 0,
            "pe": "202401",
            "value": "7",
            "coc": "",
            "deleted": False,
            "followup": False,
        },
        {
            "de": 0,
            "ou": 0,
            "pe": "202402",
            "value": "abc",
            "coc": "",
            "deleted": False,
            "followup": False,
        },
    ]
    summary = datavalueset_import(
        actor=SYSTEM,
        stream=io.BytesIO(_payload(world, rows)),
        format="dhis2-json",
        setwise=True,
        atomic=True,
    )
    assert summary.status == "ERROR"
    assert summary.as_dict()["rejectedIndexes"] == [1]
    assert not DataValue.objects.exists() and not Rollup.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("read_thread", [True, False])
def test_setwise_import_of_a_file_broken_after_some_parts_writes_nothing(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch, read_thread: bool
) -> None:
    """The parts read ahead by a thread (a worker's) or one after the other (a web
    process's): the reader's error, raised once some parts were staged, reaches the import
    as a malformed file, and nothing is written."""
    monkeypatch.setattr(services, "PART", 2)
    rows = [
        {"de": 0, "ou": ou, "pe": pe, "value": "7", "coc": "", "deleted": False, "followup": False}
        for ou in (0, 2)
        for pe in ("202401", "202402", "202403")
    ]
    payload = _payload(world, rows)
    summary = datavalueset_import(
        actor=SYSTEM,
        stream=io.BytesIO(payload[:-40]),
        format="dhis2-json",
        setwise=True,
        read_thread=read_thread,
    )
    assert summary.status == "ERROR" and summary.malformed
    assert not DataValue.objects.exists() and not DataValueAudit.objects.exists()
    # Whole, the same file imports, part by part.
    summary = datavalueset_import(
        actor=SYSTEM,
        stream=io.BytesIO(payload),
        format="dhis2-json",
        setwise=True,
        read_thread=read_thread,
    )
    assert summary.status == "SUCCESS", summary.as_dict()
    assert summary.imported == 6 == DataValue.objects.count()
