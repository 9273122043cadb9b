"""Injection sessions, the joints treated in them, bedside checks and administrations.

Sources: docs/cell-products.md#procedure-record (pre-procedure record, time-out, injection
record per joint and side; Joint Commission UP.01.01.01-UP.01.03.01) and
docs/cell-products.md#bedside-identity-check (bedside verification: every attempt is kept,
the failed ones with what did not match).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from orthoregen.web.cellbank.models.products import ProductUnit
from orthoregen.web.cellbank.vocabulary import Approach, Guidance
from orthoregen.web.clinic.models import JointEpisode, Patient
from orthoregen.web.clinic.vocabulary import Joint, Side

USER = settings.AUTH_USER_MODEL


class Procedure(models.Model):
    """One injection session of one patient; several joints may be treated in it."""

    SITE_PATH = "patient__site"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="procedures")
    performed_on = models.DateField()
    operator = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    time_out_completed = models.BooleanField(default=False)
    time_out_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-performed_on", "-id"]

    def __str__(self) -> str:
        return f"Injection session of {self.performed_on:%d %b %Y}"


class ProcedureJoint(models.Model):
    """One joint and side injected in a session (docs/cell-products.md#injection-record)."""

    SITE_PATH = "procedure__patient__site"

    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="joints")
    episode = models.ForeignKey(JointEpisode, on_delete=models.PROTECT,
                                related_name="procedure_joints")
    indication = models.CharField(max_length=200, blank=True)
    guidance = models.CharField(max_length=20, choices=Guidance.choices,
                                default=Guidance.ULTRASOUND)
    landmark_reason = models.CharField("reason for landmark guidance", max_length=200,
                                       blank=True)
    approach = models.CharField(max_length=40, choices=Approach.choices, blank=True)
    # The stored image of guided placement: a DICOM Study Instance UID (PS3.5 9.1, at most 64
    # characters) or the id of an image stored by the clinic
    # (docs/cell-products.md#procedure-record-consistency).
    image_reference = models.CharField(max_length=64, blank=True)
    needle_gauge = models.PositiveSmallIntegerField(null=True, blank=True)
    aspirate_volume_ml = models.FloatField("aspirated synovial fluid (mL)", null=True,
                                           blank=True)
    injectate_volume_ml = models.FloatField("injectate volume (mL)", null=True, blank=True)
    # Computed from the unit's concentration and viability at administration
    # (docs/cell-products.md#cell-dose-and-volume).
    cell_dose = models.FloatField("cells delivered", null=True, blank=True)
    viable_cell_dose = models.FloatField("viable cells delivered", null=True, blank=True)
    adjuncts = models.CharField(
        max_length=200, blank=True, help_text=_("E.g. PRP, hyaluronic acid.")
    )
    complications = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["procedure", "id"]
        constraints = [models.UniqueConstraint(fields=["procedure", "episode"],
                                               name="procedure_joint_once_per_session")]

    def __str__(self) -> str:
        return str(self.episode)

    @property
    def dose_shown(self) -> str:
        """Return the cells delivered as clinicians write them, e.g. 30 × 10⁶ cells."""
        return "" if self.cell_dose is None else f"{self.cell_dose / 1e6:.3g} × 10⁶ cells"


class BedsideCheckAttempt(models.Model):
    """Every bedside identity check, passed or failed, with what did not match.

    See docs/cell-products.md#bedside-identity-check.
    """

    SITE_PATH = "procedure_joint__procedure__patient__site"

    procedure_joint = models.ForeignKey(ProcedureJoint, on_delete=models.PROTECT,
                                        related_name="bedside_attempts")
    unit = models.ForeignKey(ProductUnit, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="bedside_attempts")
    scanned_identifier = models.CharField(max_length=60)
    presented_name = models.CharField(max_length=200, blank=True)
    presented_date_of_birth = models.DateField(null=True, blank=True)
    presented_mrn = models.CharField(max_length=32, blank=True)
    joint = models.CharField(max_length=10, choices=Joint.choices)
    side = models.CharField(max_length=5, choices=Side.choices)
    passed = models.BooleanField()
    mismatches = models.JSONField(default=list, blank=True)
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-at", "-id"]


class Administration(models.Model):
    """The unit that went into this joint, recorded only after a passed bedside check."""

    SITE_PATH = "procedure_joint__procedure__patient__site"

    procedure_joint = models.OneToOneField(ProcedureJoint, on_delete=models.PROTECT,
                                           related_name="administration")
    unit = models.OneToOneField(ProductUnit, on_delete=models.PROTECT,
                                related_name="administration")
    bedside_check = models.OneToOneField(BedsideCheckAttempt, on_delete=models.PROTECT,
                                         related_name="administration")
    administered_at = models.DateTimeField()
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-administered_at"]
