"""Product investigations: a lot whose microbial or endotoxin result failed after some of it
went into patients, the failed results, and every patient and joint to review.

Sources: docs/cell-products.md#conditional-release-pending-sterility (a positive culture after
administration opens an investigation linked to the administration) and
docs/cell-products.md#lineage-and-look-back (a look-back case keeps its query, its results, the
notifications sent and the closure rationale). An investigation says which
patients to review; it says nothing about whether any of them was harmed.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from orthoregen.web.accounts.models import Site
from orthoregen.web.cellbank.models.procedures import Administration
from orthoregen.web.cellbank.models.products import Donor, ProductUnit, QcResult
from orthoregen.web.cellbank.vocabulary import InvestigationStatus

if TYPE_CHECKING:
    from orthoregen.web.accounts.models import User

USER = settings.AUTH_USER_MODEL


class ProductInvestigation(models.Model):
    """One open-then-closed investigation of a lot (the first unit of a split tree)."""

    SITE_PATH = "site"

    site = models.ForeignKey(Site, on_delete=models.PROTECT,
                             related_name="product_investigations")
    # The look-back runs down from here, so every unit divided from the lot is covered.
    lot = models.ForeignKey(ProductUnit, on_delete=models.PROTECT, related_name="investigations")
    status = models.CharField(max_length=10, choices=InvestigationStatus.choices,
                              default=InvestigationStatus.OPEN)
    opened_at = models.DateTimeField()
    opened_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")
    conclusion = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            # A second failing result joins the open investigation instead of opening another.
            models.UniqueConstraint(fields=["lot"], condition=Q(status="open"),
                                    name="one_open_investigation_per_lot"),
            models.CheckConstraint(
                condition=(Q(status="open") & Q(closed_at__isnull=True)
                           & Q(closed_by__isnull=True) & Q(conclusion=""))
                | (Q(status="closed") & Q(closed_at__isnull=False)
                   & Q(closed_by__isnull=False) & ~Q(conclusion="")),
                name="investigation_closed_with_conclusion"),
        ]

    def __str__(self) -> str:
        return f"Product investigation {self.pk} of lot {self.lot.identifier}"

    @property
    def is_open(self) -> bool:
        return self.status == InvestigationStatus.OPEN


class InvestigationFinding(models.Model):
    """What opened an investigation or was added to it: a failed QC result, new information
    about the lot's donor (re-opened or determined ineligible), or a manual recall."""

    SITE_PATH = "investigation__site"

    investigation = models.ForeignKey(ProductInvestigation, on_delete=models.PROTECT,
                                      related_name="findings")
    qc_result = models.OneToOneField(QcResult, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="investigation_finding")
    # A donor event (21 CFR 1271.290(a) look-back): the donor whose determination changed.
    donor = models.ForeignKey(Donor, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="investigation_findings")
    reason = models.CharField(max_length=300)
    # When and by whom a finding that is not a QC result was recorded (a result has its own).
    at = models.DateTimeField(null=True, blank=True)
    by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True,
                           related_name="+")
    # Who the alert went to, set once the email is sent after the transaction commits.
    notified_to = models.JSONField(default=list, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["investigation", "id"]
        constraints = [models.CheckConstraint(
            condition=Q(qc_result__isnull=False) | (Q(at__isnull=False) & Q(by__isnull=False)),
            name="finding_is_a_result_or_says_who_and_when")]

    @property
    def recorded_at(self) -> datetime | None:
        return self.qc_result.at if self.qc_result else self.at

    @property
    def recorded_by(self) -> User | None:
        return self.qc_result.by if self.qc_result else self.by


class InvestigationRecipient(models.Model):
    """One administration (patient, joint, unit) under review in an investigation."""

    SITE_PATH = "investigation__site"

    investigation = models.ForeignKey(ProductInvestigation, on_delete=models.PROTECT,
                                      related_name="recipients")
    administration = models.ForeignKey(Administration, on_delete=models.PROTECT,
                                       related_name="investigation_entries")
    # The finding that first put this administration under review, and why.
    finding = models.ForeignKey(InvestigationFinding, on_delete=models.PROTECT,
                                related_name="recipients")
    detail = models.CharField(max_length=300)
    history = HistoricalRecords()

    class Meta:
        ordering = ["investigation", "id"]
        constraints = [models.UniqueConstraint(fields=["investigation", "administration"],
                                               name="investigation_recipient_once")]
