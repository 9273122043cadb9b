from django.apps import AppConfig


class CellbankConfig(AppConfig):
    name = "orthoregen.web.cellbank"
    label = "cellbank"
    verbose_name = "Cell lab: donors, units, QC, release, custody"

    def ready(self) -> None:
        from orthoregen.web.cellbank import checks  # noqa: F401  (registers system checks)
