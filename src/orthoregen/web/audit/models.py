"""Who looked at which patient's data, when and from where.

Changes to patient data are kept by django-simple-history on each model; this table keeps
the reads, which history cannot see. Rows are only ever added.
"""

from django.conf import settings
from django.db import models


class AccessAction(models.TextChoices):
    VIEW = "view", "Viewed record"
    SEARCH = "search", "Searched or listed patients"
    EXPORT = "export", "Exported data"
    BULK_LOAD = "bulk_load", "Loaded records in bulk"


class AccessRecord(models.Model):
    SITE_PATH = "patient__site"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                             related_name="access_records")
    patient = models.ForeignKey("clinic.Patient", on_delete=models.PROTECT, null=True,
                                related_name="access_records")
    action = models.CharField(max_length=20, choices=AccessAction.choices)
    path = models.CharField(max_length=500, blank=True)
    ip_address = models.GenericIPAddressField(null=True)
    detail = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["patient", "at"], name="access_patient_at")]

    def __str__(self) -> str:
        return f"{self.user} {self.action} {self.patient or ''} at {self.at:%Y-%m-%d %H:%M}"
