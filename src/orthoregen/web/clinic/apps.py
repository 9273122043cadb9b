from typing import Any

from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate


def _install_chart_triggers(using: str = "default", **kwargs: Any) -> None:
    from orthoregen.web.clinic import chart_triggers

    chart_triggers.install(connections[using])


class ClinicConfig(AppConfig):
    name = "orthoregen.web.clinic"
    label = "clinic"
    verbose_name = "Clinic"

    def ready(self) -> None:
        # After every migrate, whatever later migrations rebuilt (chart_triggers says why).
        post_migrate.connect(_install_chart_triggers, sender=self,
                             dispatch_uid="clinic.chart_triggers")
