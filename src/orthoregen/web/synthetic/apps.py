from django.apps import AppConfig


class SyntheticConfig(AppConfig):
    """Synthetic data (no models): installed only in demo and test mode."""

    name = "orthoregen.web.synthetic"
    label = "synthetic"
    verbose_name = "Synthetic data (demo and tests)"
