"""A value's unit and indicator exist, and stay while values name them.

PostgreSQL checks them once per statement by triggers (migration `data/0006`: a foreign key
is checked one row at a time, a second per 200,000 values imported); SQLite keeps its
foreign-key constraints. Either way the database refuses a value naming no unit or indicator,
and the deletion of a unit or an indicator that values still name.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import psycopg
import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from phongtrao.catalog.models import Indicator
from phongtrao.data.models import DataValue
from phongtrao.data.services import period_get

INSERT = (
    "INSERT INTO data_datavalue (indicator_id, unit_id, period_id, value, comment, follow_up, "
    "version, updated_at) VALUES (%s, %s, %s, 1, '', FALSE, 1, %s)"
)


def _refused(sql: str, params: list[Any]) -> None:
    """`sql` is refused as a broken key: at once on PostgreSQL, at the check on SQLite (its
    constraints are deferred to the commit)."""
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        connection.check_constraints(table_names=["data_datavalue"])


def _stamp() -> Any:
    return connection.ops.adapt_datetimefield_value(timezone.now())


@pytest.mark.django_db
def test_a_value_naming_no_unit_or_indicator_is_refused(
    small_tree: dict[str, Any], indicators: dict[str, Indicator]
) -> None:
    unit, indicator, period = small_tree["c1"], indicators["TH_HD"], period_get("2024")
    missing = 10**9
    _refused(INSERT, [indicator.pk, missing, period.pk, _stamp()])
    _refused(INSERT, [missing, unit.pk, period.pk, _stamp()])
    with connection.cursor() as cursor:
        cursor.execute(INSERT, [indicator.pk, unit.pk, period.pk, _stamp()])
    value = DataValue.objects.get(unit=unit, indicator=indicator, period=period)
    _refused("UPDATE data_datavalue SET unit_id = %s WHERE id = %s", [missing, value.pk])
    _refused("UPDATE data_datavalue SET indicator_id = %s WHERE id = %s", [missing, value.pk])
    assert DataValue.objects.get(pk=value.pk).unit_id == unit.pk


@pytest.mark.django_db
def test_a_unit_or_indicator_that_values_name_is_not_deleted(
    small_tree: dict[str, Any], indicators: dict[str, Indicator]
) -> None:
    unit, indicator = small_tree["c1"], indicators["TH_HD"]
    DataValue.objects.create(
        unit=unit,
        indicator=indicator,
        period=period_get("202401"),
        value=Decimal(3),
        updated_at=timezone.now(),
    )
    # Below Django's PROTECT (which says so first): the database's own refusal.
    _refused("DELETE FROM orgs_unit WHERE id = %s", [unit.pk])
    _refused("DELETE FROM catalog_indicator WHERE id = %s", [indicator.pk])
    # A unit without values goes; one whose other fields change stays with its values.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE orgs_unit SET name = %s WHERE id = %s", ["Xã A mới", unit.pk])
        cursor.execute("DELETE FROM orgs_unit WHERE id = %s", [small_tree["c3"].pk])
    assert DataValue.objects.filter(unit=unit).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_checks_the_keys_per_statement_not_per_row(
    small_tree: dict[str, Any], indicators: dict[str, Indicator]
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL: SQLite keeps its foreign-key constraints")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.attname FROM pg_constraint c JOIN pg_attribute a "
            "ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey) "
            "WHERE c.conrelid = 'data_datavalue'::regclass AND c.contype = 'f'"
        )
        assert not cursor.fetchall(), "no per-row foreign-key check on the values table"
        cursor.execute(
            "SELECT tgname, tgrelid::regclass::text FROM pg_trigger WHERE NOT tgisinternal "
            "AND tgname LIKE 'data_datavalue_key%%' ORDER BY 1, 2"
        )
        assert cursor.fetchall() == [
            ("data_datavalue_key_kept", "catalog_indicator"),
            ("data_datavalue_key_kept", "orgs_unit"),
            ("data_datavalue_keys_added", "data_datavalue"),
            ("data_datavalue_keys_changed", "data_datavalue"),
            ("data_datavalue_keys_kept", "catalog_indicator"),
            ("data_datavalue_keys_kept", "orgs_unit"),
        ]
    # A COPY is one statement too: one unknown unit among good rows refuses it.
    period, stamp = period_get("2024"), timezone.now()
    good = [(indicators["TH_HD"].pk, small_tree[k].pk, period.pk) for k in ("c1", "c2")]
    refused = pytest.raises(psycopg.errors.ForeignKeyViolation)  # the driver's own COPY
    with refused, transaction.atomic(), connection.cursor() as cursor:
        columns = "indicator_id, unit_id, period_id, value, comment, follow_up, version"
        with cursor.cursor.copy(
            f"COPY data_datavalue ({columns}, updated_at) FROM STDIN"  # noqa: S608
        ) as copy:
            for row in [*good, (indicators["TH_KP"].pk, 10**9, period.pk)]:
                copy.write_row((*row, 1, "", False, 1, stamp))
    assert not DataValue.objects.exists()
    # The units and indicators of the values added are locked until the transaction ends:
    # another transaction cannot delete them meanwhile (the indicator is committed, seen by
    # another connection; its deletion waits for this transaction, and gives up here).
    with connection.cursor() as cursor:
        cursor.execute(INSERT, [indicators["TH_HD"].pk, small_tree["c1"].pk, period.pk, stamp])
    params = connection.get_connection_params()
    with psycopg.connect(**params, autocommit=True) as other:
        with pytest.raises(psycopg.errors.LockNotAvailable):
            with other.transaction(force_rollback=True):
                other.execute("SET LOCAL lock_timeout = '200ms'")
                other.execute(
                    "DELETE FROM catalog_indicator WHERE id = %s", [indicators["TH_HD"].pk]
                )
