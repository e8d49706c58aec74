"""An index for searching names anywhere in them: trigrams on PostgreSQL, FTS5 on SQLite.

PostgreSQL: pg_trgm's GIN index on `name_key` serves `name_key LIKE '%…%'` (a word's start
anywhere in the name). SQLite has no trigram index on a column; its FTS5 table with the
trigram tokenizer, kept by triggers, serves the same LIKE. Both index the name without
diacritics, so "nguyen thi lan" finds "Nguyễn Thị Lan".
"""

from django.db import migrations

PG_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX member_name_trgm ON members_member USING gin (name_key gin_trgm_ops)",
]
PG_BACKWARD = ["DROP INDEX IF EXISTS member_name_trgm"]
SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE member_name_search USING fts5("
    "name_key, content='members_member', content_rowid='id', tokenize='trigram')",
    "INSERT INTO member_name_search (rowid, name_key) SELECT id, name_key FROM members_member",
    "CREATE TRIGGER member_name_search_insert AFTER INSERT ON members_member BEGIN "
    "INSERT INTO member_name_search (rowid, name_key) VALUES (new.id, new.name_key); END",
    "CREATE TRIGGER member_name_search_delete AFTER DELETE ON members_member BEGIN "
    "INSERT INTO member_name_search (member_name_search, rowid, name_key) "
    "VALUES ('delete', old.id, old.name_key); END",
    "CREATE TRIGGER member_name_search_update AFTER UPDATE OF name_key ON members_member BEGIN "
    "INSERT INTO member_name_search (member_name_search, rowid, name_key) "
    "VALUES ('delete', old.id, old.name_key); "
    "INSERT INTO member_name_search (rowid, name_key) VALUES (new.id, new.name_key); END",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS member_name_search_update",
    "DROP TRIGGER IF EXISTS member_name_search_delete",
    "DROP TRIGGER IF EXISTS member_name_search_insert",
    "DROP TABLE IF EXISTS member_name_search",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("members", "0002_pattern_indexes")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
    ]
