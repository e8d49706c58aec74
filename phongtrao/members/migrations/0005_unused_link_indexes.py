"""Drop the indexes an import keeps up for nothing: members' links to units, the history's
links to units and users (no query filters on them; members are read by `unit_path`), and
the LIKE index PostgreSQL adds to a `unique=True` text field (the uid is unique by a
constraint instead)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# SQLite alters a table by making it again, which drops the triggers that keep the name
# search table of 0003 in step: they are made again (the rows keep their ids, so the search
# table stays right).
SQLITE_TRIGGERS = [
    "CREATE TRIGGER IF NOT EXISTS member_name_search_insert AFTER INSERT ON members_member "
    "BEGIN INSERT INTO member_name_search (rowid, name_key) VALUES (new.id, new.name_key); END",
    "CREATE TRIGGER IF NOT EXISTS member_name_search_delete AFTER DELETE ON members_member "
    "BEGIN INSERT INTO member_name_search (member_name_search, rowid, name_key) "
    "VALUES ('delete', old.id, old.name_key); END",
    "CREATE TRIGGER IF NOT EXISTS member_name_search_update AFTER UPDATE OF name_key "
    "ON members_member BEGIN "
    "INSERT INTO member_name_search (member_name_search, rowid, name_key) "
    "VALUES ('delete', old.id, old.name_key); "
    "INSERT INTO member_name_search (rowid, name_key) VALUES (new.id, new.name_key); END",
]


def sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_TRIGGERS:
            schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('members', '0004_member_import_reorganise'),
        ('orgs', '0003_unit_attribute_values'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='member',
            name='residence_unit',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='orgs.unit', verbose_name='nơi cư trú (đơn vị)'),
        ),
        migrations.AlterField(
            model_name='member',
            name='uid',
            field=models.CharField(max_length=11, verbose_name='UID'),
        ),
        migrations.AlterField(
            model_name='member',
            name='unit',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='members', to='orgs.unit', verbose_name='chi hội, tổ hội'),
        ),
        migrations.AlterField(
            model_name='memberevent',
            name='actor',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='memberevent',
            name='from_unit',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='orgs.unit'),
        ),
        migrations.AlterField(
            model_name='memberevent',
            name='to_unit',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='orgs.unit'),
        ),
        migrations.AddConstraint(
            model_name='member',
            constraint=models.UniqueConstraint(fields=('uid',), name='member_uid_unique'),
        ),
        # After the table is made again on SQLite (nothing on PostgreSQL).
        migrations.RunPython(sqlite_triggers, migrations.RunPython.noop),
    ]
