"""Names ordered byte-wise, and indexes that give a province's search its first page in name
order (PostgreSQL only; SQLite's default collation already orders byte-wise).

`name_key` (lower case, no marks) takes the "C" collation, so one btree serves both
`name_key LIKE 'key%'` (a range) and `ORDER BY name_key` (before, the pattern operator
classes gave the range and no index gave the order). The same order on every server and on
SQLite: word by word ("hoa lan" before "hoai"), whatever the database's locale.

A province's members are those whose `unit_path`'s second id is the province's:
`split_part(unit_path, '/', 3)`. For "a word of the name starts with the key":
- `member_scope_name` (province, name): the names that start with it, a range in name order;
- `member_word2`, `member_word3`, `member_word4` (the 2nd, 3rd, 4th word, then province,
  name): for each word starting with the key, its members of the province in name order;
- `member_scope_long` (province, name) of the names of five words or more, walked whole.
`members.selectors.members_page` merges them (see there).
"""

from django.db import migrations

from phongtrao.members.keysql import on_postgresql

SCOPE = "split_part(unit_path, '/', 3)"
ORDER = "name_key, birth_date, id"
# The path rides along (INCLUDE) so that the province's test is made on the index alone: an
# index-only scan needs every column its conditions name.
PATH = "INCLUDE (unit_path)"
PG_FORWARD = [
    'ALTER TABLE members_member ALTER COLUMN name_key TYPE varchar(120) COLLATE "C"',
    f"CREATE INDEX member_scope_name ON members_member ({SCOPE}, {ORDER}) {PATH}",
    *(
        f"CREATE INDEX member_word{j} ON members_member "
        f"(split_part(name_key, ' ', {j}), {SCOPE}, {ORDER}) {PATH}"
        + (f" WHERE split_part(name_key, ' ', {j}) <> ''" if j == 4 else "")
        for j in (2, 3, 4)
    ),
    f"CREATE INDEX member_scope_long ON members_member ({SCOPE}, {ORDER}) {PATH} "
    "WHERE split_part(name_key, ' ', 5) <> ''",
]
PG_BACKWARD = [
    "DROP INDEX IF EXISTS member_scope_long",
    "DROP INDEX IF EXISTS member_word4",
    "DROP INDEX IF EXISTS member_word3",
    "DROP INDEX IF EXISTS member_word2",
    "DROP INDEX IF EXISTS member_scope_name",
    'ALTER TABLE members_member ALTER COLUMN name_key TYPE varchar(120) COLLATE "default"',
]


class Migration(migrations.Migration):
    dependencies = [("members", "0006_enrolment_tally")]

    operations = [migrations.RunPython(on_postgresql(PG_FORWARD), on_postgresql(PG_BACKWARD))]
