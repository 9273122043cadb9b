from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    """The published-evidence library: seed studies and those staff add, pooled together."""

    name = "orthoregen.web.evidence"
    label = "evidence"
    verbose_name = "Evidence library"
