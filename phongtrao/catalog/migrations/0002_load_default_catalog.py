"""Load the Women's Union indicator catalog carried in catalog/data/.

Self-contained on purpose (CONVENTIONS: data migrations never import app code): it reads the
CSV files with the csv module and repeats the few lines of orgs.models.uid_from, so the uids
match those the loader gives. The formulas in the shipped file are checked by the tests, which
also load the same file with the service and expect no change.
"""

import csv
import hashlib
import string
from pathlib import Path

from django.db import migrations

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
UID_ALPHABET = string.ascii_letters + string.digits


def uid_from(seed):
    digest = hashlib.sha256(seed.encode()).digest()
    first = string.ascii_letters[digest[0] % len(string.ascii_letters)]
    rest = "".join(UID_ALPHABET[b % len(UID_ALPHABET)] for b in digest[1:11])
    return first + rest


def read(name):
    with (DATA_DIR / name).open(encoding="utf-8-sig", newline="") as file:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(file)]


def load(apps, schema_editor):
    Section = apps.get_model("catalog", "Section")
    Indicator = apps.get_model("catalog", "Indicator")

    sections = {}
    for row in read("sections.csv"):
        sections[int(row["number"])], _ = Section.objects.update_or_create(
            number=int(row["number"]), defaults={"name": row["name"]}
        )

    rows = read("hoilhpn-indicators.csv")
    indicators = {}
    for order, row in enumerate(rows, start=1):
        fields = {
            "section": sections[int(row["section"])],
            "name": row["name_vi"],
            "unit_label": row["unit_vi"],
            "value_type": row["value_type"],
            "time_aggregation": row["agg_time"],
            "formula": row["formula"],
            "note": row["note"],
            "sort_order": order,
        }
        indicators[row["code"]], _ = Indicator.objects.update_or_create(
            code=row["code"],
            defaults=fields,
            create_defaults={**fields, "uid": uid_from("indicator:" + row["code"])},
        )
    for row in rows:
        if row["parent"]:
            indicator = indicators[row["code"]]
            indicator.parent = indicators[row["parent"]]
            indicator.save(update_fields=["parent"])


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0001_initial"),
    ]

    operations = [
        # Going back leaves the catalog in place: data in other apps may point at it.
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
