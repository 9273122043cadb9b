"""A site's cell lab settings, edited by its administrator."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from orthoregen.web.accounts.models import Site


class SiteCellLabSettings(models.Model):
    """How a site's cell lab works where rules leave the choice to the site.

    A site with no row works to the defaults: a second person signs the release of an
    allogeneic product (another person's cells, the donor's eligibility behind them) and not
    of an autologous one (docs/cell-products.md#electronic-signatures).
    """

    SITE_PATH = "site"

    site = models.OneToOneField(Site, on_delete=models.PROTECT, related_name="cell_lab_settings")
    two_person_release_allogeneic = models.BooleanField(
        "second person signs an allogeneic release", default=True)
    two_person_release_autologous = models.BooleanField(
        "second person signs an autologous release", default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("site cell lab settings")
        verbose_name_plural = _("site cell lab settings")

    def __str__(self) -> str:
        return f"Cell lab settings of {self.site}"

    @classmethod
    def of(cls, site: Site) -> SiteCellLabSettings:
        """Return the site's settings, or the defaults (unsaved) if it has none."""
        return cls.objects.filter(site=site).first() or cls(site=site)
