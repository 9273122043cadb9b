from django.apps import AppConfig


class ImportsConfig(AppConfig):
    """Data in and out in bulk: CSV imports and REDCap exchange."""

    name = "orthoregen.web.imports"
    label = "imports"
    verbose_name = "Imports"
