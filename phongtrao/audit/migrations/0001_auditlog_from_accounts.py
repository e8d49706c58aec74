"""The audit log moves from accounts to the ground-floor audit app, with its rows.

Only Django's state moves: the table keeps its name (`accounts_auditlog`), so no row is
copied or lost. The content type follows, so that permissions and admin history given on
the old model stay with it. accounts/0006 drops the model from accounts' state.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def content_type_move(apps, schema_editor, source="accounts", dest="audit"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label=dest, model="auditlog").exists():
        ContentType.objects.filter(app_label=source, model="auditlog").update(app_label=dest)


def content_type_back(apps, schema_editor):
    content_type_move(apps, schema_editor, source="audit", dest="accounts")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("accounts", "0006_audit_two_factor"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AuditLog",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("at", models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="lúc")),
                        ("username", models.CharField(blank=True, max_length=150, verbose_name="tên đăng nhập")),
                        ("action", models.CharField(choices=[('login', 'Đăng nhập'), ('login_failed', 'Đăng nhập sai'), ('locked_out', 'Bị khóa đăng nhập tạm thời'), ('logout', 'Đăng xuất'), ('role_change', 'Thay đổi quyền'), ('submit', 'Gửi báo cáo'), ('approve', 'Duyệt báo cáo'), ('return', 'Trả lại báo cáo'), ('unlock', 'Mở khóa báo cáo'), ('unit_merge', 'Sáp nhập đơn vị'), ('unit_split', 'Chia tách đơn vị'), ('password_change', 'Đổi mật khẩu'), ('password_reset', 'Cấp trên đặt lại mật khẩu'), ('sessions_end', 'Đăng xuất mọi phiên'), ('remind', 'Nhắc nộp báo cáo'), ('lockout_lift', 'Cấp trên mở khóa đăng nhập'), ('emulation_setup', 'Thiết lập thi đua'), ('assessment_start', 'Bắt đầu chấm điểm thi đua'), ('self_score', 'Tự chấm điểm thi đua'), ('assessment_submit', 'Gửi bản tự chấm thi đua'), ('assessment_check', 'Cấp trên chấm điểm thi đua'), ('assessment_return', 'Trả lại bản tự chấm thi đua'), ('results_confirm', 'Hội đồng xét kết quả thi đua'), ('results_publish', 'Công bố kết quả thi đua'), ('results_correct', 'Điều chỉnh kết quả thi đua'), ('award_propose', 'Lập đề nghị khen thưởng'), ('award_decide', 'Ban hành quyết định khen thưởng'), ('two_factor_on', 'Bật xác thực hai bước'), ('two_factor_off', 'Tắt xác thực hai bước')], max_length=20, verbose_name="thao tác")),
                        ("target", models.CharField(blank=True, max_length=255, verbose_name="đối tượng")),
                        ("detail", models.TextField(blank=True, verbose_name="chi tiết")),
                        ("ip_address", models.GenericIPAddressField(blank=True, null=True, verbose_name="địa chỉ IP")),
                        ("user", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="người thực hiện")),
                    ],
                    options={
                        "verbose_name": "nhật ký an ninh",
                        "verbose_name_plural": "nhật ký an ninh",
                        "ordering": ["-at", "-id"],
                        "db_table": "accounts_auditlog",
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_move, content_type_back),
    ]
