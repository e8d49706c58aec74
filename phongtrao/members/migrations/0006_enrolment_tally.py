"""Yearly tallies of the enrolments per unit (counts at a date read them), filled from the
book; the enrolments indexed by unit and day instead of by path."""

import django.db.models.deletion
from django.db import migrations, models


def tallies_fill(apps, schema_editor):
    """Count the tallies of the book as it is (the same as `members.tallies.tallies_rebuild`,
    frozen here)."""
    if schema_editor.connection.vendor == "postgresql":
        start, end = "EXTRACT(YEAR FROM start)::int", 'EXTRACT(YEAR FROM "end")::int'
    else:
        start, end = "CAST(strftime('%Y', start) AS integer)", "CAST(strftime('%Y', \"end\") AS integer)"
    schema_editor.execute(
        "INSERT INTO members_enrolmenttally (unit_id, unit_path, year, starts, ends, "
        "residence_starts, residence_ends) "
        "SELECT unit_id, MIN(unit_path), year, SUM(starts), SUM(ends), SUM(rs), SUM(re) "
        f"FROM (SELECT unit_id, unit_path, {start} AS year, COUNT(*) AS starts, 0 AS ends, "
        "SUM(CASE WHEN by_residence THEN 1 ELSE 0 END) AS rs, 0 AS re "
        f"FROM members_enrolment GROUP BY unit_id, unit_path, {start} "
        f"UNION ALL SELECT unit_id, unit_path, {end}, 0, COUNT(*), 0, "
        "SUM(CASE WHEN by_residence THEN 1 ELSE 0 END) "
        f'FROM members_enrolment WHERE "end" IS NOT NULL GROUP BY unit_id, unit_path, {end}'
        ") AS counted GROUP BY unit_id, year"
    )


class Migration(migrations.Migration):

    dependencies = [
        ('members', '0005_unused_link_indexes'),
        ('orgs', '0004_unit_name_key'),
    ]

    operations = [
        migrations.CreateModel(
            name='EnrolmentTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('unit_path', models.CharField(max_length=255)),
                ('year', models.SmallIntegerField()),
                ('starts', models.IntegerField(default=0)),
                ('ends', models.IntegerField(default=0)),
                ('residence_starts', models.IntegerField(default=0)),
                ('residence_ends', models.IntegerField(default=0)),
            ],
            options={
                'verbose_name': 'số hội viên vào, ra theo năm',
                'verbose_name_plural': 'số hội viên vào, ra theo năm',
            },
        ),
        migrations.RemoveIndex(
            model_name='enrolment',
            name='enrolment_path_dates',
        ),
        migrations.RemoveIndex(
            model_name='enrolment',
            name='enrolment_path_end',
        ),
        migrations.AlterField(
            model_name='enrolment',
            name='unit',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='orgs.unit'),
        ),
        migrations.AddIndex(
            model_name='enrolment',
            index=models.Index(fields=['unit', 'start'], name='enrolment_unit_start'),
        ),
        migrations.AddIndex(
            model_name='enrolment',
            index=models.Index(condition=models.Q(('end__isnull', False)), fields=['unit', 'end'], name='enrolment_unit_end'),
        ),
        migrations.AddField(
            model_name='enrolmenttally',
            name='unit',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='orgs.unit'),
        ),
        migrations.AddIndex(
            model_name='enrolmenttally',
            index=models.Index(fields=['unit_path', 'year'], include=('starts', 'ends'), name='tally_path_year', opclasses=['varchar_pattern_ops', 'int2_ops']),
        ),
        migrations.AddConstraint(
            model_name='enrolmenttally',
            constraint=models.UniqueConstraint(fields=('unit', 'year'), name='tally_unit_year'),
        ),
        migrations.RunPython(tallies_fill, migrations.RunPython.noop),
    ]
