"""Studies that staff add to the evidence library, beside the seed library
(docs/evidence.md#seed-library).

The seed library ships as data (`orthoregen.evidence`); a clinic adds what it has read since.
An added study is not patient data and belongs to no site: every clinic of the registry
compares its outcomes with the same literature. Each change is kept by django-simple-history
(who, when, old and new values), and `added_by` says who vouches for the transcription.
Rows convert to the core's `Study` in `evidence_added.py`, so pooling and the dashboard treat
seed and added studies alike, and the core's own checks (citation, verification tag) apply.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from orthoregen.evidence.comparison import EVIDENCE_NAMES
from orthoregen.web.clinic.vocabulary import Joint


class DesignClass(models.TextChoices):
    RCT = "RCT", _("Randomised controlled trial")
    NON_RANDOMISED = "non-randomised", _("Non-randomised (cohort, case series, registry)")
    SYSTEMATIC_REVIEW = "systematic review", _("Systematic review")


class Blinding(models.TextChoices):
    OPEN = "open", _("Open label")
    SINGLE = "single", _("Single-blind")
    DOUBLE = "double", _("Double-blind")
    TRIPLE = "triple", _("Triple-blind")
    NOT_STATED = "not stated", _("Not stated")


class ProductClass(models.TextChoices):
    # Quality flags (docs/evidence.md#seed-library): BMAC, SVF and MFAT are not "MSC products" in
    # the regulatory sense, so they are kept apart from culture-expanded cells.
    CULTURE_EXPANDED = "culture-expanded", _("Culture-expanded MSC")
    POINT_OF_CARE = "point-of-care", _("Point-of-care concentrate (BMAC, SVF, MFAT)")
    MIXED = "mixed", _("Mixed")
    NOT_STATED = "not stated", _("Not stated")


class ComparatorClass(models.TextChoices):
    PLACEBO = "placebo", _("Placebo (saline)")
    ACTIVE = "active", _("Active (HA, corticosteroid, PRP…)")
    USUAL_CARE = "usual care", _("Usual care or exercise")
    NONE = "none", _("None (single arm)")


class Verification(models.TextChoices):
    # docs/evidence.md#verification-tags: only V results may be shown as verified.
    V = "V", _("V — result seen in the paper or its abstract")
    V_DESIGN = "V-design", _("V-design — design seen, result not")
    R = "R", _("R — recalled, not checked against a source")
    NL = "NL", _("NL — not located")


# The measures the dashboard compares with trials, stored as "instrument:subscale", so an
# added result always pools with results on the same instrument and scale.
RESULT_MEASURE_CHOICES = [(f"{instrument}:{subscale}", f"{name} {sub} ({scale})")
                          for (instrument, subscale), (name, sub, scale)
                          in EVIDENCE_NAMES.items()]


class ResultArm(models.TextChoices):
    MSC = "msc", _("Cell-therapy arm")
    PLACEBO = "placebo", _("Placebo (saline) arm")
    COMPARATOR = "comparator", _("Active or usual-care arm")


class AddedStudy(models.Model):
    """One published study transcribed by staff, with its citation and verification tag."""

    study = models.CharField(_("study (first author, name)"), max_length=200)
    joint = models.CharField(max_length=10, choices=Joint.choices)
    design = models.CharField(max_length=200, help_text=_("As the paper describes it."))
    design_class = models.CharField(max_length=20, choices=DesignClass.choices)
    blinding = models.CharField(max_length=12, choices=Blinding.choices)
    n_randomised = models.PositiveIntegerField(_("patients randomised or enrolled"), null=True,
                                               blank=True)
    cell_source = models.CharField(max_length=200)
    product_class = models.CharField(max_length=20, choices=ProductClass.choices)
    dose = models.CharField(_("dose (cells)"), max_length=200, blank=True)
    comparator = models.CharField(max_length=200, blank=True)
    comparator_class = models.CharField(max_length=12, choices=ComparatorClass.choices)
    outcome = models.CharField(_("primary outcome"), max_length=200)
    effect = models.TextField(_("effect as published"))
    follow_up = models.CharField(max_length=100, blank=True)
    citation = models.CharField(max_length=500, help_text=_("Journal, year, volume, pages, DOI."))
    verification = models.CharField(max_length=10, choices=Verification.choices)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)
    # Moves on every save, inline results included (the admin saves the study with them), so
    # the dashboard's cache key sees any edit.
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["joint", "study", "pk"]
        verbose_name_plural = _("added studies")

    def __str__(self) -> str:
        return f"{self.study} ({self.get_joint_display()})"


class AddedResult(models.Model):
    """One arm's change from baseline at one time point, as the study published it."""

    study = models.ForeignKey(AddedStudy, on_delete=models.CASCADE, related_name="results")
    arm = models.CharField(max_length=12, choices=ResultArm.choices)
    measure = models.CharField(max_length=40, choices=RESULT_MEASURE_CHOICES)
    timepoint_months = models.PositiveSmallIntegerField(_("months after injection"))
    estimate = models.FloatField(_("mean change from baseline"))
    ci_low = models.FloatField(_("95 % CI, lower"), null=True, blank=True)
    ci_high = models.FloatField(_("95 % CI, upper"), null=True, blank=True)
    n = models.PositiveIntegerField(_("patients analysed"), null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["timepoint_months", "arm", "pk"]
