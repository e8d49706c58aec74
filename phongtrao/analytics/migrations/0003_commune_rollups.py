"""Roll-ups are kept down to the communes (issue 22): rebuild them where values exist."""

from django.db import migrations


def rebuild(apps, schema_editor):
    # A fresh database has nothing to roll up (and the rebuild reads the current models).
    if not apps.get_model("data", "DataValue").objects.exists():
        return
    from phongtrao.analytics.rebuild import rollups_rebuild

    rollups_rebuild()


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0002_activity"),
        ("data", "0004_alter_submission_status"),
        ("orgs", "0002_unit_mapping"),
    ]

    operations = [migrations.RunPython(rebuild, migrations.RunPython.noop)]
