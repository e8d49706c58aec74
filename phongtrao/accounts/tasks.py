"""Tasks of the task queue for accounts: the password-reset mail, sent by a worker.

The queue's row holds only the address asked for and the site's host; the one-time link is
made in the worker, so no reset token is ever stored in the database.
"""

from __future__ import annotations

from django.contrib.auth.forms import PasswordResetForm
from django_tasks import task

EMAIL_TEMPLATE = "accounts/password_reset_email.txt"
SUBJECT_TEMPLATE = "accounts/password_reset_subject.txt"


@task()
def password_reset_mail_task(email: str, domain: str, use_https: bool) -> None:
    """Mail a one-time password-reset link to every active account with this address
    (nothing for an unknown address, as Django's reset does)."""
    form = PasswordResetForm({"email": email})
    if form.is_valid():
        form.save(
            domain_override=domain,
            use_https=use_https,
            email_template_name=EMAIL_TEMPLATE,
            subject_template_name=SUBJECT_TEMPLATE,
        )
