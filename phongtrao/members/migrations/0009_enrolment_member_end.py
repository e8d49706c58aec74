"""PostgreSQL: an enrolment's member indexed once, not twice.

An enrolment was indexed by member twice: the foreign key's index (a member's enrolments:
her record, the history, erasure) and `enrolment_one_open` (at most one open enrolment per
member, `end` IS NULL). One unique index on (member, end) with NULLs not distinct
(PostgreSQL 15) serves both: a member's enrolments are its prefix, her open one is
(member, NULL), and two open enrolments of a member collide as before. It also refuses two
closed enrolments of a member ending on the same day, which could not be right anyway (both
would cover the day before). An import writes one index entry less per enrolment.

PostgreSQL only (as 0007 and 0008): Django's state keeps the model's index and constraint,
which SQLite keeps (it has no NULLS NOT DISTINCT); a later migration that alters them must
mind this one.
"""

from django.db import migrations

TABLE = "members_enrolment"
INDEX = "enrolment_member_end"


def _member_index(connection) -> str | None:
    """The foreign key's own index on `member_id` (Django names it with a hash)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[0] "
            "WHERE x.indrelid = %s::regclass AND x.indnatts = 1 AND NOT x.indisunique "
            "AND x.indpred IS NULL AND a.attname = 'member_id'",
            [TABLE],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def forward(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f'CREATE UNIQUE INDEX {INDEX} ON {TABLE} (member_id, "end") NULLS NOT DISTINCT'
    )
    schema_editor.execute("DROP INDEX enrolment_one_open")
    name = _member_index(connection)
    if name is not None:
        schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")


def backward(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    enrolment = apps.get_model("members", "Enrolment")
    field = enrolment._meta.get_field("member")
    schema_editor.execute(schema_editor._create_index_sql(enrolment, fields=[field]))
    schema_editor.execute(
        f'CREATE UNIQUE INDEX enrolment_one_open ON {TABLE} (member_id) WHERE "end" IS NULL'
    )
    schema_editor.execute(f"DROP INDEX {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("members", "0008_keys_checked_per_statement")]

    operations = [migrations.RunPython(forward, backward)]
