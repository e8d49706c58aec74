from django.db import migrations, models


def uids_fill(apps, schema_editor):
    Token = apps.get_model("exchange", "PersonalAccessToken")
    for row in Token.objects.all().only("pk", "digest"):
        Token.objects.filter(pk=row.pk).update(uid="T" + row.digest[:10])


class Migration(migrations.Migration):
    dependencies = [
        ("exchange", "0004_import_jobs_keep_every_id_scheme"),
    ]

    operations = [
        migrations.AddField(
            model_name="personalaccesstoken",
            name="uid",
            field=models.CharField(
                db_index=True, default="", editable=False, max_length=11, verbose_name="mã DHIS2"
            ),
        ),
        migrations.AddField(
            model_name="personalaccesstoken",
            name="attributes",
            field=models.JSONField(blank=True, default=list, verbose_name="giới hạn sử dụng"),
        ),
        migrations.RunPython(uids_fill, migrations.RunPython.noop),
    ]
