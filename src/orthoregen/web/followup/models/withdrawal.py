"""A patient's withdrawal from follow-up."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class Withdrawal(models.Model):
    """The patient withdrew from follow-up: no more invitations or reminders."""

    SITE_PATH = "patient__site"

    patient = models.OneToOneField("clinic.Patient", on_delete=models.PROTECT,
                                   related_name="followup_withdrawal")
    withdrawn_on = models.DateField()
    reason = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Withdrew from follow-up on {self.withdrawn_on:%d %b %Y}"
