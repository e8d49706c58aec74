"""PostgreSQL: a value's unit and indicator checked once per statement, not once per row.

PostgreSQL checks a foreign key one row at a time (a look-up and a row lock of the unit or
indicator per new value, at commit for Django's deferred keys): about a second per 200,000
values imported, for these two keys alone (issue 18). The two constraints are replaced here,
on PostgreSQL only, by triggers that keep what they guaranteed:

- a statement that adds values checks, once over all its rows (its transition table), that
  their units and indicators exist, and locks them (FOR KEY SHARE, as the constraint does)
  until the transaction ends, so that they cannot be deleted meanwhile;
- a value whose unit or indicator is changed is checked the same way, row by row (no import
  does it: the trigger fires only when one of the two columns is set to another id);
- a statement that deletes units or indicators (or changes their id) fails while values still
  name them. Its check runs once the rows are deleted, on a snapshot of its own (READ
  COMMITTED), so it also sees the values of an import that held their unit locked and has
  committed meanwhile.

The errors are PostgreSQL's foreign-key violations (SQLSTATE 23503, Django's IntegrityError).
SQLite keeps the constraints: it checks them in process, for little, and its triggers naming
another app's table would stop that app's migrations from making its table again. The model
keeps `db_constraint=True` for SQLite: `data/tests/test_value_keys.py` holds PostgreSQL
without the constraints and with the triggers.
"""

from django.db import migrations

REFERENCED = ("orgs_unit", "catalog_indicator")

FORWARD = [
    # Values added by a statement (INSERT, COPY): their keys checked and locked, once.
    """
CREATE FUNCTION data_datavalue_keys_added() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    wanted bigint;
    found bigint;
BEGIN
    SELECT COUNT(*) INTO wanted FROM (SELECT DISTINCT unit_id FROM data_datavalue_added) k;
    PERFORM 1 FROM orgs_unit u
        WHERE u.id IN (SELECT unit_id FROM data_datavalue_added) FOR KEY SHARE OF u;
    GET DIAGNOSTICS found = ROW_COUNT;
    IF found < wanted THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation', TABLE = 'data_datavalue',
            MESSAGE = 'insert on table "data_datavalue" violates its key unit_id: no such unit';
    END IF;
    SELECT COUNT(*) INTO wanted FROM (SELECT DISTINCT indicator_id FROM data_datavalue_added) k;
    PERFORM 1 FROM catalog_indicator i
        WHERE i.id IN (SELECT indicator_id FROM data_datavalue_added) FOR KEY SHARE OF i;
    GET DIAGNOSTICS found = ROW_COUNT;
    IF found < wanted THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation', TABLE = 'data_datavalue',
            MESSAGE = 'insert on table "data_datavalue" violates its key indicator_id: '
            'no such indicator';
    END IF;
    RETURN NULL;
END $$""",
    "CREATE TRIGGER data_datavalue_keys_added AFTER INSERT ON data_datavalue "
    "REFERENCING NEW TABLE AS data_datavalue_added "
    "FOR EACH STATEMENT EXECUTE FUNCTION data_datavalue_keys_added()",
    # A value moved to another unit or indicator (row by row: nothing does it in bulk).
    """
CREATE FUNCTION data_datavalue_keys_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM orgs_unit u WHERE u.id = NEW.unit_id FOR KEY SHARE OF u;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation', TABLE = 'data_datavalue',
            MESSAGE = 'update of table "data_datavalue" violates its key unit_id: no such unit';
    END IF;
    PERFORM 1 FROM catalog_indicator i WHERE i.id = NEW.indicator_id FOR KEY SHARE OF i;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation', TABLE = 'data_datavalue',
            MESSAGE = 'update of table "data_datavalue" violates its key indicator_id: '
            'no such indicator';
    END IF;
    RETURN NULL;
END $$""",
    "CREATE TRIGGER data_datavalue_keys_changed AFTER UPDATE OF unit_id, indicator_id "
    "ON data_datavalue FOR EACH ROW WHEN (OLD.unit_id <> NEW.unit_id "
    "OR OLD.indicator_id <> NEW.indicator_id) EXECUTE FUNCTION data_datavalue_keys_changed()",
    # Units and indicators still named by values are not deleted (nor given another id).
    """
CREATE FUNCTION data_datavalue_keys_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'orgs_unit' THEN
        IF EXISTS (SELECT 1 FROM data_datavalue d
                   WHERE d.unit_id IN (SELECT id FROM data_datavalue_gone)) THEN
            RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation', TABLE = 'orgs_unit',
                MESSAGE = 'delete on table "orgs_unit" violates the key unit_id of table '
                '"data_datavalue": the unit still has values';
        END IF;
    ELSIF EXISTS (SELECT 1 FROM data_datavalue d
                  WHERE d.indicator_id IN (SELECT id FROM data_datavalue_gone)) THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation', TABLE = 'catalog_indicator',
            MESSAGE = 'delete on table "catalog_indicator" violates the key indicator_id of '
            'table "data_datavalue": the indicator still has values';
    END IF;
    RETURN NULL;
END $$""",
    """
CREATE FUNCTION data_datavalue_key_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'orgs_unit' THEN
        IF EXISTS (SELECT 1 FROM data_datavalue d WHERE d.unit_id = OLD.id) THEN
            RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation', TABLE = 'orgs_unit',
                MESSAGE = 'update of table "orgs_unit" violates the key unit_id of table '
                '"data_datavalue": the unit still has values';
        END IF;
    ELSIF EXISTS (SELECT 1 FROM data_datavalue d WHERE d.indicator_id = OLD.id) THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation', TABLE = 'catalog_indicator',
            MESSAGE = 'update of table "catalog_indicator" violates the key indicator_id of '
            'table "data_datavalue": the indicator still has values';
    END IF;
    RETURN NULL;
END $$""",
    *(
        statement
        for table in REFERENCED
        for statement in (
            f"CREATE TRIGGER data_datavalue_keys_kept AFTER DELETE ON {table} "
            "REFERENCING OLD TABLE AS data_datavalue_gone "
            "FOR EACH STATEMENT EXECUTE FUNCTION data_datavalue_keys_kept()",
            f"CREATE TRIGGER data_datavalue_key_kept AFTER UPDATE OF id ON {table} "
            "FOR EACH ROW WHEN (OLD.id <> NEW.id) EXECUTE FUNCTION data_datavalue_key_kept()",
        )
    ),
]

BACKWARD = [
    *(
        f"DROP TRIGGER {name} ON {table}"
        for table in REFERENCED
        for name in ("data_datavalue_keys_kept", "data_datavalue_key_kept")
    ),
    "DROP TRIGGER data_datavalue_keys_changed ON data_datavalue",
    "DROP TRIGGER data_datavalue_keys_added ON data_datavalue",
    "DROP FUNCTION data_datavalue_key_kept()",
    "DROP FUNCTION data_datavalue_keys_kept()",
    "DROP FUNCTION data_datavalue_keys_changed()",
    "DROP FUNCTION data_datavalue_keys_added()",
]

COLUMNS = ("unit_id", "indicator_id")


def forward(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "data_datavalue")
    for name, about in sorted(constraints.items()):
        if about["foreign_key"] and len(about["columns"]) == 1 and about["columns"][0] in COLUMNS:
            schema_editor.execute(
                f"ALTER TABLE data_datavalue DROP CONSTRAINT {schema_editor.quote_name(name)}"
            )
    for statement in FORWARD:
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in BACKWARD:
        schema_editor.execute(statement)
    model = apps.get_model("data", "DataValue")
    for column in COLUMNS:
        field = model._meta.get_field(column.removesuffix("_id"))
        schema_editor.execute(
            schema_editor._create_fk_sql(model, field, "_fk_%(to_table)s_%(to_column)s")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("data", "0005_datavalue_fewer_constraints"),
    ]

    operations = [migrations.RunPython(forward, backward)]
