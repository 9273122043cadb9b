"""What was imported, from which file, and which source record became which row.

An import is idempotent on the source's identifiers: every imported row is known by its
source system and the id it had there. Patients, joint episodes and procedures keep that
link in SourceRecord (with a fingerprint of the row as imported, so a later file that
changes the row is reported rather than silently applied); questionnaire responses and
scores carry it in their own idempotency key (``import:<site>:<system>:<id>``), so a
million of them need no second table.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    PATIENTS = "patients", _("Patients")
    EPISODES = "episodes", _("Joint episodes")
    PROCEDURES = "procedures", _("Historical injections")
    RESPONSES = "responses", _("Historical questionnaire responses (item level)")
    SCORES = "scores", _("Historical scores (no items)")


class ImportRun(models.Model):
    """One file imported for real: who, where, its SHA-256 and what came of its rows.

    Dry runs write nothing, this row included.
    """

    SITE_PATH = "site"

    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    site = models.ForeignKey("accounts.Site", on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                           blank=True, related_name="+")
    file_name = models.CharField(max_length=200)
    sha256 = models.CharField("SHA-256 of the file", max_length=64)
    rows = models.PositiveIntegerField()
    created = models.PositiveIntegerField()
    unchanged = models.PositiveIntegerField(help_text=_("already imported, identical"))
    changed = models.PositiveIntegerField(
        help_text=_("already imported with other values; reported, not applied"))
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.file_name} ({self.sha256[:12]})"


class SourceRecord(models.Model):
    """A row imported from another system: its id there, the row it became, its fingerprint."""

    SITE_PATH = "site"

    site = models.ForeignKey("accounts.Site", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    source_system = models.CharField(max_length=30)
    source_id = models.CharField(max_length=50)
    object_id = models.PositiveBigIntegerField(help_text=_("primary key of the row it became"))
    fingerprint = models.CharField(max_length=64, help_text=_("SHA-256 of the row as imported"))
    run = models.ForeignKey(ImportRun, on_delete=models.PROTECT, related_name="records")

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["site", "kind", "source_system", "source_id"],
            name="source_record_once_per_site")]

    def __str__(self) -> str:
        return f"{self.kind} {self.source_system}:{self.source_id}"
