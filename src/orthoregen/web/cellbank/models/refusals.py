"""Every refused step towards a patient (issue, thaw) and why: kept even though nothing moved.

The bedside check keeps its own attempts (BedsideCheckAttempt); a refused issue or thaw
changes no status and leaves no custody event, so this append-only row is its record
(docs/cell-products.md#product-status: every step asks whether the unit is safe, and a
refusal names each reason).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from orthoregen.web.cellbank.models.products import ProductUnit
from orthoregen.web.clinic.models import JointEpisode

USER = settings.AUTH_USER_MODEL


class RefusedStep(models.TextChoices):
    ISSUE = "issue", _("Issue")
    THAW = "thaw", _("Thaw")


class UnitStepRefusal(models.Model):
    """One refused issue or thaw of a unit: who asked, when, for whom, and every reason."""

    SITE_PATH = "unit__site"

    unit = models.ForeignKey(ProductUnit, on_delete=models.PROTECT, related_name="refusals")
    step = models.CharField(max_length=10, choices=RefusedStep.choices)
    # The joint episode an issue was asked for; none for a thaw.
    episode = models.ForeignKey(JointEpisode, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+")
    message = models.TextField()
    # [{"kind": Unsafe value or "other", "message": ...}], one per reason.
    reasons = models.JSONField(default=list)
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["unit", "-at", "-id"]

    def save(self, *args, **kwargs):
        # A record of what was refused: append-only, like the custody trail.
        if self.pk is not None:
            raise ValueError("refusals are never changed; record a new one instead")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("refusals are never deleted")
