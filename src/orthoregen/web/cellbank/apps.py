from django.apps import AppConfig


class CellbankConfig(AppConfig):
    name = "orthoregen.web.cellbank"
    label = "cellbank"
    verbose_name = "Cell lab and procedures"
    nav = [("Cell lab", "cellbank:units", "manage_products")]

    def episode_panels(self, episodes) -> dict:
        """Show on the patient page each joint under review in an open product investigation."""
        from orthoregen.web.cellbank.panels import open_investigations

        return open_investigations(episodes)

    def synth_extend(self, context) -> None:
        from orthoregen.web.cellbank.synth import synth_cell_products

        synth_cell_products(context)
