from __future__ import annotations

from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "phongtrao.members"
    label = "members"
    verbose_name = "Sổ hội viên"

    def ready(self) -> None:
        from phongtrao.data.guards import guard_register
        from phongtrao.members.figures import registry_guard

        guard_register(registry_guard)
