"""Tasks of the task queue for notifications: sending their e-mails in a worker.

`notify` enqueues `mail_send_task` in the same transaction as the notification rows (the
database backend writes the task as a row), so a step rolled back queues no mail and a step
committed always has its mail queued; the web request never waits for the mail server.
"""

from __future__ import annotations

from django_tasks import task

from phongtrao.notifications.mail import mail_send


@task()
def mail_send_task(notification_ids: list[int]) -> int:
    """Send the e-mails of these notifications (those not sent yet); how many were sent.
    A mail server that refuses or is down fails the task (the rows stay unsent)."""
    return mail_send(notification_ids=notification_ids)
