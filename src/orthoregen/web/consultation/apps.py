from django.apps import AppConfig


class ConsultationConfig(AppConfig):
    name = "orthoregen.web.consultation"
    label = "consultation"
    verbose_name = "Consultation and candidacy"

    def ready(self) -> None:
        from orthoregen.web.consultation import checks  # noqa: F401  (registers system checks)
