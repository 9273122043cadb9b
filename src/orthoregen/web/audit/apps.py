from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "orthoregen.web.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from orthoregen.web.audit import history

        history.connect()
