from django.apps import AppConfig


class CellbankConfig(AppConfig):
    name = "orthoregen.web.cellbank"
    label = "cellbank"
    verbose_name = "Cell lab: donors, units, QC, release, custody"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from orthoregen.web.accounts.models import Site
        from orthoregen.web.cellbank import checks  # noqa: F401  (registers system checks)
        from orthoregen.web.cellbank.services.release import site_created

        # Every site has its release specifications from its creation: judging only reads.
        post_save.connect(site_created, sender=Site, dispatch_uid="cellbank.site_created")
