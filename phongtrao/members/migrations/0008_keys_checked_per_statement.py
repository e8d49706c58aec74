"""PostgreSQL: the registry's keys checked once per statement, not once per row.

PostgreSQL checks a foreign key one row at a time (a look-up and a row lock of the row named,
per new row, at commit for Django's deferred keys). A list import writes a member, her
enrolment and her admission per row, naming eight keys in all: about a fifth of the server's
time of an import (issue 19). The eight constraints below are replaced here, on PostgreSQL
only, by triggers that keep what they guaranteed (as `data/0006` does for the values):

- a statement that adds rows (INSERT, COPY) checks, once over all its rows (its transition
  table), that the units, members and users they name exist, and locks those (FOR KEY SHARE,
  as the constraint does) until the transaction ends, so that they cannot be deleted
  meanwhile;
- a row whose key is changed (a transfer, a reorganisation) is checked the same way, row by
  row, only when one of its keys is set to another id;
- a statement that deletes units, members or users (or changes their id) fails while rows of
  the registry still name them. Its check runs once the rows are deleted, on a snapshot of its
  own (READ COMMITTED), so it also sees the rows of a writer that held them locked and has
  committed meanwhile.

Errors are PostgreSQL's foreign-key violations (SQLSTATE 23503, Django's IntegrityError).
The checks are made at the end of each statement, not at commit: every writer of the
registry writes a member before her enrolment and history. SQLite keeps the constraints
(checked in process, for little); the models keep `db_constraint=True` for it.
`members/tests/test_keys.py` holds PostgreSQL without the constraints and with the triggers.
The functions run without JIT: their statements' estimated costs grow with the tables, and
compiling them would cost more than they do.
"""

from django.conf import settings
from django.db import migrations

from phongtrao.members.keysql import key_check, violation

# (table, column, referenced table): the keys checked by triggers in place of constraints.
KEYS = (
    ("members_member", "unit_id", "orgs_unit"),
    ("members_member", "residence_unit_id", "orgs_unit"),
    ("members_enrolment", "member_id", "members_member"),
    ("members_enrolment", "unit_id", "orgs_unit"),
    ("members_memberevent", "member_id", "members_member"),
    ("members_memberevent", "from_unit_id", "orgs_unit"),
    ("members_memberevent", "to_unit_id", "orgs_unit"),
    ("members_memberevent", "actor_id", "auth_user"),
)
TABLES = ("members_member", "members_enrolment", "members_memberevent")
REFERENCED = ("orgs_unit", "members_member", "auth_user")
WHAT = {"orgs_unit": "unit", "members_member": "member", "auth_user": "user"}


def _added(table: str) -> list[str]:
    """The statement trigger of `table`'s new rows and the row trigger of its changed keys."""
    keys = [(column, referenced) for name, column, referenced in KEYS if name == table]
    checks = "".join(
        key_check(table, column, referenced, WHAT[referenced])
        for column, referenced in keys
    )
    changes = "".join(
        f"""
    IF NEW.{column} IS DISTINCT FROM OLD.{column} AND NEW.{column} IS NOT NULL THEN
        PERFORM 1 FROM {referenced} r WHERE r.id = NEW.{column} FOR KEY SHARE OF r;
        IF NOT FOUND THEN
            {violation(table, f'update of table "{table}" violates its key {column}: '
                        f'no such {WHAT[referenced]}')}
        END IF;
    END IF;"""
        for column, referenced in keys
    )
    columns = ", ".join(column for column, _ in keys)
    changed = " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column, _ in keys)
    return [
        f"""
CREATE FUNCTION {table}_keys_added() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
DECLARE
    wanted bigint;
    found bigint;
BEGIN{checks}
    RETURN NULL;
END $$""",
        f"CREATE TRIGGER {table}_keys_added AFTER INSERT ON {table} "
        f"REFERENCING NEW TABLE AS {table}_added "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_keys_added()",
        f"""
CREATE FUNCTION {table}_keys_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN{changes}
    RETURN NULL;
END $$""",
        f"CREATE TRIGGER {table}_keys_changed AFTER UPDATE OF {columns} ON {table} "
        f"FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION {table}_keys_changed()",
    ]


def _kept(referenced: str) -> list[str]:
    """The triggers that keep rows of `referenced` while the registry names them."""
    keys = [(table, column) for table, column, ref in KEYS if ref == referenced]
    gone = f"members_{WHAT[referenced]}_gone"
    statement = "".join(
        f"""
    IF EXISTS (SELECT 1 FROM {table} t WHERE t.{column} IN (SELECT id FROM {gone})) THEN
        {violation(referenced, f'delete on table "{referenced}" violates the key {column} '
                    f'of table "{table}": the {WHAT[referenced]} is still named there')}
    END IF;"""
        for table, column in keys
    )
    row = "".join(
        f"""
    IF EXISTS (SELECT 1 FROM {table} t WHERE t.{column} = OLD.id) THEN
        {violation(referenced, f'update of table "{referenced}" violates the key {column} '
                    f'of table "{table}": the {WHAT[referenced]} is still named there')}
    END IF;"""
        for table, column in keys
    )
    name = f"members_{WHAT[referenced]}"
    return [
        f"""
CREATE FUNCTION {name}_keys_kept() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
BEGIN{statement}
    RETURN NULL;
END $$""",
        f"CREATE TRIGGER {name}_keys_kept AFTER DELETE ON {referenced} "
        f"REFERENCING OLD TABLE AS {gone} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {name}_keys_kept()",
        f"""
CREATE FUNCTION {name}_key_kept() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
BEGIN{row}
    RETURN NULL;
END $$""",
        f"CREATE TRIGGER {name}_key_kept AFTER UPDATE OF id ON {referenced} "
        f"FOR EACH ROW WHEN (OLD.id <> NEW.id) EXECUTE FUNCTION {name}_key_kept()",
    ]


FORWARD = [
    *(statement for table in TABLES for statement in _added(table)),
    *(statement for referenced in REFERENCED for statement in _kept(referenced)),
]
BACKWARD = [
    *(
        statement
        for referenced in REFERENCED
        for kind in ("keys_kept", "key_kept")
        for statement in (
            f"DROP TRIGGER members_{WHAT[referenced]}_{kind} ON {referenced}",
            f"DROP FUNCTION members_{WHAT[referenced]}_{kind}()",
        )
    ),
    *(
        statement
        for table in TABLES
        for kind in ("keys_added", "keys_changed")
        for statement in (
            f"DROP TRIGGER {table}_{kind} ON {table}",
            f"DROP FUNCTION {table}_{kind}()",
        )
    ),
]


def forward(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    for table in TABLES:
        columns = {column for name, column, _ in KEYS if name == table}
        with connection.cursor() as cursor:
            constraints = connection.introspection.get_constraints(cursor, table)
        for name, about in sorted(constraints.items()):
            if about["foreign_key"] and len(about["columns"]) == 1 and about["columns"][0] in columns:
                schema_editor.execute(
                    f"ALTER TABLE {table} DROP CONSTRAINT {schema_editor.quote_name(name)}"
                )
    for statement in FORWARD:
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in BACKWARD:
        schema_editor.execute(statement)
    models = {
        "members_member": apps.get_model("members", "Member"),
        "members_enrolment": apps.get_model("members", "Enrolment"),
        "members_memberevent": apps.get_model("members", "MemberEvent"),
    }
    for table, column, _ in KEYS:
        model = models[table]
        field = model._meta.get_field(column.removesuffix("_id"))
        schema_editor.execute(
            schema_editor._create_fk_sql(model, field, "_fk_%(to_table)s_%(to_column)s")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0007_name_scope_indexes"),
        ("orgs", "0004_unit_name_key"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(forward, backward)]
