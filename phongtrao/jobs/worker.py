"""Running queued tasks in this process, with the worker code of `manage.py db_worker`.

Production runs `manage.py db_worker` processes (deploy/systemd/); tests and one-off scripts
call `tasks_run_pending` to run what is queued and get control back once the queue is empty.
Unlike `db_worker --batch` it leaves this process's connections open (a test's transaction
lives in one).
"""

from __future__ import annotations

from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction


def tasks_run_pending(*, backend: str = "default") -> int:
    """Run every ready task of the backend's queues here, then return how many ran."""
    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name=backend,
        startup_delay=False,
        max_tasks=None,
        worker_id="in-process",
        excluded_queue_names=[],
    )
    ran = 0
    while True:
        ready = DBTaskResult.objects.ready().filter(backend_name=backend)
        with exclusive_transaction(ready.db):
            result = ready.get_locked()
            if result is None:
                return ran
            result.claim(worker.worker_id)
        worker.run_task(result)
        ran += 1
