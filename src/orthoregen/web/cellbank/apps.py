from django.apps import AppConfig


class CellbankConfig(AppConfig):
    name = "orthoregen.web.cellbank"
    label = "cellbank"
    verbose_name = "Cell lab: donors, units, QC, release, custody"

    def synth_extend(self, context) -> None:
        from orthoregen.web.cellbank.synth import synth_cell_products

        synth_cell_products(context)
