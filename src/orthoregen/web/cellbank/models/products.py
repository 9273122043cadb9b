"""Donors, harvests, product units, their QC, release specifications and custody.

Sources: docs/cell-products.md#eligibility-states and docs/donor-eligibility.md (donor record
and eligibility determination, 21 CFR 1271.50), docs/cell-products.md#release-specifications
(release criteria, kept as versioned data) and docs/cell-products.md#product-status (status
model: every transition a custody event with actor, time, location and reason).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from orthoregen.products.donor import DonorEligibility
from orthoregen.products.status import UnitStatus
from orthoregen.web.accounts.models import Site
from orthoregen.web.accounts.signatures import SignatureMeaning
from orthoregen.web.cellbank.product_codes import validate_product_code
from orthoregen.web.cellbank.vocabulary import (
    SPECIFICATION_NAMES,
    DonorAnalyte,
    DonorType,
    EligibilityChoices,
    HarvestSource,
    IdentifierKind,
    InfectiousResult,
    ProductClassChoices,
    QcOutcomeChoice,
    QcTest,
    Sterility,
    UnitStatusChoices,
)
from orthoregen.web.clinic.models import JointEpisode, Patient
from orthoregen.web.clinic.vocabulary import Side
from orthoregen.web.consultation.governance import GovernedVersion, Lifecycle

USER = settings.AUTH_USER_MODEL


class Donor(models.Model):
    """An allogeneic donor with screening and the eligibility determination (1271.50)."""

    SITE_PATH = "site"

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="donors")
    # 1271.290(c): a tracking code, never a name, SSN or MRN.
    code = models.CharField("donor code", max_length=32)
    donor_type = models.CharField(max_length=20, choices=DonorType.choices)
    # The specimen window of every test is counted from the day the cells were recovered
    # (21 CFR 1271.80(b)); no eligible determination without it.
    recovered_on = models.DateField("cells recovered on", null=True, blank=True)
    tested_person = models.CharField(
        max_length=100, blank=True,
        help_text=_("Who the specimens came from if not the donor (the birth mother for cord)."))
    consent_version = models.CharField(max_length=40, blank=True)
    screening_questionnaire_version = models.CharField(max_length=40, blank=True)
    screening_reviewed_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True,
                                              blank=True, related_name="+")
    screening_reviewed_on = models.DateField(null=True, blank=True)
    eligibility = models.CharField(max_length=40, choices=EligibilityChoices,
                                   default=DonorEligibility.PENDING_SCREENING)
    determined_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="+")
    determined_at = models.DateTimeField(null=True, blank=True)
    determination_reason = models.TextField(blank=True)
    # The test finding the last determination was checked against, with its panel.
    eligibility_finding = models.JSONField(default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["site", "code"],
                                               name="donor_code_unique_per_site")]

    def __str__(self) -> str:
        return f"Donor {self.code}"


class DonorTest(models.Model):
    """One donor specimen's infectious disease test (21 CFR 1271.85; docs/donor-eligibility.md)."""

    SITE_PATH = "donor__site"

    donor = models.ForeignKey(Donor, on_delete=models.PROTECT, related_name="tests")
    analyte = models.CharField(max_length=20, choices=DonorAnalyte.choices)
    assay = models.CharField(max_length=100, blank=True)
    kit_lot = models.CharField(max_length=40, blank=True)
    lab = models.CharField(max_length=100, blank=True)
    specimen_id = models.CharField(max_length=40, blank=True)
    specimen_date = models.DateField()
    result = models.CharField(max_length=20, choices=InfectiousResult.choices)
    interpretation = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["donor", "analyte", "-specimen_date"]


class Harvest(models.Model):
    """An autologous collection: the patient's own marrow aspirate or lipoaspirate.

    See docs/cell-products.md#harvest-record.
    """

    SITE_PATH = "patient__site"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="harvests")
    episode = models.ForeignKey(JointEpisode, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="harvests")
    source = models.CharField(max_length=20, choices=HarvestSource.choices)
    body_site = models.CharField("harvest site", max_length=60,
                                 help_text=_("E.g. posterior iliac crest, abdomen."))
    side = models.CharField(max_length=5, choices=Side.choices, blank=True)
    volume_ml = models.DecimalField("volume (mL)", max_digits=7, decimal_places=1)
    operator = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    harvested_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-harvested_at"]

    def __str__(self) -> str:
        return f"{self.get_source_display()} of {self.harvested_at:%d %b %Y}"


class ProductUnit(models.Model):
    """A lot, bag, vial or syringe; splits point to their parent, so lineage is a tree."""

    SITE_PATH = "site"

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="product_units")
    # Canonical form: 13-character DIN + K, or LOC-<body>-<K> (products.isbt128). The parts of
    # a divided unit keep it and differ by the division code of their Product Code.
    identifier = models.CharField(max_length=24)
    # ISBT 128 Product Code (DS003), the eight data characters; a placeholder of the product
    # class when none was given (cellbank.product_codes).
    product_code = models.CharField(max_length=8, validators=[validate_product_code])
    identifier_kind = models.CharField(max_length=10, choices=IdentifierKind.choices)
    product_class = models.CharField(max_length=30, choices=ProductClassChoices)
    donor = models.ForeignKey(Donor, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="units")
    harvest = models.ForeignKey(Harvest, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="units")
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="children")
    processing_site = models.CharField(max_length=100, blank=True)
    processing_operator = models.CharField(max_length=100, blank=True)
    sop_version = models.CharField("SOP version", max_length=40, blank=True)
    passage = models.PositiveSmallIntegerField(null=True, blank=True)
    collected_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    storage = models.CharField(max_length=100, help_text=_("E.g. LN2 vapour ≤ −150 °C, 2–8 °C."))
    is_cryopreserved = models.BooleanField(default=False)
    max_post_thaw_hold_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("Validated post-thaw hold; none: it cannot be thawed."))
    cell_count = models.FloatField("total cells", null=True, blank=True)
    viability_pct = models.FloatField("viability (%)", null=True, blank=True)
    volume_ml = models.FloatField("volume (mL)", null=True, blank=True)
    concentration_per_ml = models.FloatField("concentration (cells/mL)", null=True, blank=True)
    status = models.CharField(max_length=30, choices=UnitStatusChoices,
                              default=UnitStatus.QUARANTINE)
    sterility = models.CharField(max_length=10, choices=Sterility.choices,
                                 default=Sterility.PENDING)
    release_approver = models.CharField(max_length=100, blank=True)
    issued_to_episode = models.ForeignKey(JointEpisode, on_delete=models.PROTECT, null=True,
                                          blank=True, related_name="issued_units")
    thawed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-collected_at", "-id"]
        constraints = [
            # Every unit traces to exactly one source: a donor or a harvest (1271.290(b)).
            models.CheckConstraint(
                condition=(Q(donor__isnull=False) & Q(harvest__isnull=True))
                | (Q(donor__isnull=True) & Q(harvest__isnull=False)),
                name="unit_donor_xor_harvest"),
            models.CheckConstraint(condition=Q(status__in=[s.value for s in UnitStatus]),
                                   name="unit_status_known"),
            # ICCBBA ST-001 v6.2.2 7.3.1: the DIN with the Product Code (its division code)
            # identifies a product; the parts of a split share the DIN.
            models.UniqueConstraint(fields=["site", "identifier", "product_code"],
                                    name="unit_identifier_product_code_unique_per_site"),
        ]
        indexes = [
            models.Index(fields=["site", "status"], name="unit_site_status"),
            # Look-back walks parent -> children; with the child id in the index each step is
            # an index-only lookup, and PostgreSQL stops merge-joining the whole parent index.
            models.Index(fields=["parent", "id"], name="unit_parent_child"),
        ]

    def __str__(self) -> str:
        return self.identifier

    @property
    def identified_as(self) -> str:
        """Return the identifier with the Product Code, as the parts of a split differ by it."""
        return f"{self.identifier} {self.product_code}"

    @property
    def cells_shown(self) -> str:
        """Return the cell count as clinicians write it, e.g. 25 × 10⁶."""
        return "—" if self.cell_count is None else f"{self.cell_count / 1e6:.3g} × 10⁶"

    @property
    def is_autologous(self) -> bool:
        return self.harvest_id is not None


class ReleaseSpecVersion(GovernedVersion):
    """A versioned release specification of one clinic, stored as products.release JSON.

    Governed (consultation.governance): drafted as a copy, validated by the core's parser,
    approved by a second person who read its difference, published, then never changed.
    Only published versions judge a unit; a released unit keeps the version its release
    signature names. See docs/cell-products.md#release-specifications.
    """

    approval_meaning = SignatureMeaning.RELEASE_SPEC_APPROVAL
    publication_meaning = SignatureMeaning.RELEASE_SPEC_PUBLICATION

    SITE_PATH = "site"
    Status = Lifecycle

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="release_specs")
    spec_id = models.CharField(max_length=60)
    version = models.CharField(max_length=20)
    effective_from = models.DateField()
    specification = models.JSONField()
    copied_from = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="copies")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["spec_id", "-effective_from"]
        constraints = [models.UniqueConstraint(fields=["site", "spec_id", "version"],
                                               name="release_spec_version_unique")]

    def __str__(self) -> str:
        # In words: messages, refusals and the shared lifecycle pages name a version by it.
        return f"{SPECIFICATION_NAMES.get(self.spec_id, self.spec_id)} {self.version}"


class QcResult(models.Model):
    """One quality-control result of a unit or lot (its descendants inherit it)."""

    SITE_PATH = "unit__site"

    unit = models.ForeignKey(ProductUnit, on_delete=models.PROTECT, related_name="qc_results")
    test = models.CharField(max_length=30, choices=QcTest.choices)
    value = models.FloatField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=QcOutcomeChoice.choices, blank=True)
    method = models.CharField(max_length=100, blank=True)
    at = models.DateTimeField()
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["unit", "test", "-at", "-id"]
        constraints = [models.CheckConstraint(
            condition=Q(value__isnull=False) | ~Q(outcome=""), name="qc_has_value_or_outcome")]

    @property
    def shown(self) -> str:
        return self.get_outcome_display() if self.outcome else f"{self.value:g}"


class CustodyEvent(models.Model):
    """One status change of a unit: who, when, where, from and to. Never changed.

    See docs/cell-products.md#chain-of-custody.
    """

    SITE_PATH = "unit__site"

    unit = models.ForeignKey(ProductUnit, on_delete=models.PROTECT, related_name="custody")
    from_status = models.CharField(max_length=30, blank=True)
    to_status = models.CharField(max_length=30)
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    location = models.CharField(max_length=100, blank=True)
    note = models.TextField(blank=True)
    thawed_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["unit", "at", "id"]
        indexes = [models.Index(fields=["unit", "at"], name="custody_unit_at")]

    def save(self, *args, **kwargs):
        # 0 principle 4: the custody trail is append-only.
        if self.pk is not None:
            raise ValueError("custody events are never changed; record a new event instead")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("custody events are never deleted")
