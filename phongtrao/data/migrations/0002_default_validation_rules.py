"""The validation rules of the default Women's Union catalog."""

from __future__ import annotations

from django.db import migrations

RULES = [
    (
        "HG_THANH_CHUYEN_LE_VU",
        "Số vụ hòa giải thành cộng số vụ chuyển cơ quan chức năng không được lớn hơn số vụ "
        "việc tham gia hòa giải",
        "HG_THANH + HG_CHUYEN",
        "<=",
        "HG_VU",
        "SKIP_IF_ALL_VALUES_MISSING",
    ),
    (
        "HV_TONG_BIEN_DONG",
        "Tổng số hội viên cuối kỳ phải bằng tổng số hội viên cuối kỳ trước cộng hội viên kết "
        "nạp mới trừ hội viên giảm",
        "HV_TONG",
        "==",
        "HV_TONG[-1] + HV_KETNAP - HV_GIAM",
        "SKIP_IF_ANY_VALUE_MISSING",
    ),
    (
        "THOAT_NGHEO_LE_NGHEO_DN",
        "Số hộ thoát nghèo không được lớn hơn số hộ nghèo đầu năm",
        "THOAT_NGHEO",
        "<=",
        "NGHEO_DN",
        "SKIP_IF_ANY_VALUE_MISSING",
    ),
    (
        "MDD_COVID_LE_TONG",
        "Số trẻ mồ côi do Covid-19 được nhận đỡ đầu không được lớn hơn số trẻ cần nhận đỡ đầu",
        "MDD_COVID",
        "<=",
        "MDD_COVID_TONG",
        "SKIP_IF_ANY_VALUE_MISSING",
    ),
]


def load(apps, schema_editor):
    rule_model = apps.get_model("data", "ValidationRule")
    for code, message, left, operator, right, strategy in RULES:
        rule_model.objects.update_or_create(
            code=code,
            defaults={
                "message": message,
                "left": left,
                "operator": operator,
                "right": right,
                "missing_value_strategy": strategy,
            },
        )


def unload(apps, schema_editor):
    apps.get_model("data", "ValidationRule").objects.filter(code__in=[r[0] for r in RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("data", "0001_values_targets_rules")]
    operations = [migrations.RunPython(load, unload)]
