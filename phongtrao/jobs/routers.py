"""Where the `progress` connection may create tables: only the jobs app's.

On PostgreSQL `progress` is a second connection to the same database (its tables come with
`migrate`); on SQLite it is a small database file of its own, because the import's open
transaction holds SQLite's only write lock (`migrate --database progress` makes its table).
"""

from __future__ import annotations

from typing import Any

PROGRESS = "progress"


class ProgressRouter:
    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        if db == PROGRESS:
            return app_label == "jobs"
        return None
