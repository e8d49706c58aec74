"""The default forms (data sets): the yearly commune report, the monthly branch report and the
yearly province report, each with every raw indicator of the catalog.

CS_TOT_TL is left out: it is not entered but computed from the emulation results.
Self-contained like 0002 (no app imports).
"""

import hashlib
import string

from django.db import migrations

UID_ALPHABET = string.ascii_letters + string.digits

# Levels of orgs.models.Level: 1 province, 3 commune, 4 branch (chi hội).
FORMS = [
    {
        "code": "BC_NAM_XA",
        "name": "Báo cáo kết quả công tác Hội và phong trào phụ nữ năm — cấp xã",
        "period_type": "YEARLY",
        "level": 3,
        "deadline_days": 15,
    },
    {
        "code": "BC_THANG_CHIHOI",
        "name": "Báo cáo kết quả hoạt động tháng — chi hội phụ nữ",
        "period_type": "MONTHLY",
        "level": 4,
        "deadline_days": 5,
    },
    {
        "code": "BC_NAM_TINH",
        "name": "Báo cáo kết quả công tác Hội và phong trào phụ nữ năm — cấp tỉnh",
        "period_type": "YEARLY",
        "level": 1,
        "deadline_days": 30,
    },
]
NOT_ENTERED = {"CS_TOT_TL"}


def uid_from(seed):
    digest = hashlib.sha256(seed.encode()).digest()
    first = string.ascii_letters[digest[0] % len(string.ascii_letters)]
    rest = "".join(UID_ALPHABET[b % len(UID_ALPHABET)] for b in digest[1:11])
    return first + rest


def create_forms(apps, schema_editor):
    Form = apps.get_model("catalog", "Form")
    FormIndicator = apps.get_model("catalog", "FormIndicator")
    Indicator = apps.get_model("catalog", "Indicator")

    raw = list(
        Indicator.objects.filter(formula="")
        .exclude(code__in=NOT_ENTERED)
        .order_by("sort_order", "code")
    )
    for spec in FORMS:
        fields = dict(spec)
        code = fields.pop("code")
        form, _ = Form.objects.update_or_create(
            code=code, defaults=fields, create_defaults={**fields, "uid": uid_from("form:" + code)}
        )
        for order, indicator in enumerate(raw, start=1):
            FormIndicator.objects.update_or_create(
                form=form, indicator=indicator, defaults={"sort_order": order}
            )


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0002_load_default_catalog"),
    ]

    operations = [
        # Going back leaves the forms in place: submissions in other apps may point at them.
        migrations.RunPython(create_forms, migrations.RunPython.noop),
    ]
