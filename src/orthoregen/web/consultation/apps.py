from django.apps import AppConfig


class ConsultationConfig(AppConfig):
    name = "orthoregen.web.consultation"
    label = "consultation"
    verbose_name = "Consultation and candidacy"

    def ready(self) -> None:
        from orthoregen.web.consultation import checks  # noqa: F401  (registers system checks)

    def synth_extend(self, context) -> None:
        """Add intake, decisions and consents to a freshly loaded synthetic cohort."""
        from orthoregen.web.consultation.synth import consultation_synth

        consultation_synth(context)
