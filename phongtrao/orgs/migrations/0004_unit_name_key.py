"""The units' names as searched (lower case, without diacritics), for the unit pickers.

The data step folds every stored name as `phongtrao.vn.text.fold` does (NFD, first code
point of each character, đ → d, lower case), written here rather than imported: a migration
does not import the project's code.
"""

from __future__ import annotations

import unicodedata

from django.db import migrations, models


def _fold(text: str) -> str:
    out = []
    for char in unicodedata.normalize("NFC", text):
        if char in "đĐ":
            out.append("d")
            continue
        base = unicodedata.normalize("NFD", char)[:1] or char
        out.append(base.lower() if len(base.lower()) == 1 else base)
    return "".join(out)


def name_key_fill(apps, schema_editor):  # type: ignore[no-untyped-def]
    Unit = apps.get_model("orgs", "Unit")  # noqa: N806
    batch = []
    for unit in Unit.objects.only("pk", "name").iterator(chunk_size=2000):
        unit.name_key = _fold(unit.name)
        batch.append(unit)
        if len(batch) >= 2000:
            Unit.objects.bulk_update(batch, ["name_key"])
            batch = []
    Unit.objects.bulk_update(batch, ["name_key"])


class Migration(migrations.Migration):
    dependencies = [
        ("orgs", "0003_unit_attribute_values"),
    ]

    operations = [
        migrations.AddField(
            model_name="unit",
            name="name_key",
            field=models.CharField(
                blank=True, default="", editable=False, max_length=255, verbose_name="tên không dấu"
            ),
        ),
        migrations.RunPython(name_key_fill, migrations.RunPython.noop),
    ]
