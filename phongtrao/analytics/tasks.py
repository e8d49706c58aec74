"""Tasks of the task queue that recompute the analytics' kept rows."""

from __future__ import annotations

from django_tasks import task

from phongtrao.analytics.rebuild import rollups_rebuild


@task()
def rollups_rebuild_task() -> dict[str, int]:
    """Recompute every roll-up from the raw values, in a worker (`rebuild_rollups --queue`)."""
    rollups, activity = rollups_rebuild()
    return {"rollups": rollups, "activity": activity}
