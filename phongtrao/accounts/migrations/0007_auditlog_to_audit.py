"""The audit log now lives in the audit app (audit/0001): drop it from accounts' state only."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0006_audit_two_factor"),
        ("audit", "0001_auditlog_from_accounts"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="AuditLog")],
            database_operations=[],
        ),
    ]
