"""Consent documents (versioned texts per site) and consent records (who agreed to what).

A consent document is governed configuration (consultation.governance): drafted, validated
by the system's checks, its changes approved by a second person and published, both signed
(consultation.consent_documents; docs/governance.md#consent-documents). A published
document never changes (its hash is what a record points at), nor does a document a record
was signed on; a consent record never changes except that its withdrawal may be recorded
once.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext as _
from simple_history.models import HistoricalRecords

from orthoregen.web.accounts.models import Site
from orthoregen.web.accounts.signatures import SignatureMeaning
from orthoregen.web.clinic.models import JointEpisode
from orthoregen.web.consultation.governance import GovernedVersion
from orthoregen.web.consultation.models.vocabulary import ConsentingAs


class ConsentImmutable(Exception):
    """A published consent document or a recorded consent was about to change."""


def text_sha256(text: str) -> str:
    """Return the SHA-256 hex digest of a consent text (UTF-8, line endings as stored)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ConsentDocument(GovernedVersion):
    """One version of a clinic's consent text; the lifecycle's fields come from
    GovernedVersion (status, who wrote, validated, approved and published it, and when)."""

    SITE_PATH = "site"
    approval_meaning = SignatureMeaning.CONSENT_DOCUMENT_APPROVAL
    publication_meaning = SignatureMeaning.CONSENT_DOCUMENT_PUBLICATION

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="consent_documents")
    title = models.CharField(max_length=200)
    version = models.CharField(max_length=30)
    text = models.TextField()
    sha256 = models.CharField("SHA-256 of the text", max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["site", "title", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["site", "title", "version"],
                                    name="consent_document_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.title}, version {self.version}"

    def is_locked(self) -> bool:
        """Say whether consents were recorded on the stored document, so it may no longer change.

        A published one is refused by GovernedVersion.save() already; a document used while
        unpublished (a wording imported with a consent given elsewhere) is this model's own.
        """
        return self.pk is not None and self.records.exists()

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.is_locked():
            raise ConsentImmutable(_("Consents were recorded on %(document)s, so it cannot "
                                     "change; add a new version.") % {"document": self})
        self.sha256 = text_sha256(self.text)
        super().save(*args, **kwargs)


class ConsentRecord(models.Model):
    SITE_PATH = "episode__patient__site"

    episode = models.ForeignKey(JointEpisode, on_delete=models.PROTECT, related_name="consents")
    document = models.ForeignKey(ConsentDocument, on_delete=models.PROTECT,
                                 related_name="records")
    consented_on = models.DateField("date of consent")
    consenting_as = models.CharField("consent given by", max_length=20,
                                     choices=ConsentingAs.choices, default=ConsentingAs.PATIENT)
    consenting_person = models.CharField("name of the person consenting", max_length=200)
    # Null only for synthetic bulk loads into a site without staff; the form always sets it.
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 null=True, blank=True, related_name="+")
    elements_confirmed = models.JSONField(default=list)
    recorded_at = models.DateTimeField(auto_now_add=True)
    withdrawn_on = models.DateField("date of withdrawal", null=True, blank=True)
    withdrawal_reason = models.TextField(blank=True)
    withdrawal_recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                               null=True, blank=True, related_name="+")
    withdrawal_recorded_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-consented_on", "-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"Consent of {self.consented_on} ({self.document})"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_on is not None

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk and (stored := ConsentRecord.objects.filter(pk=self.pk).first()):
            if stored.withdrawn_on is not None:
                raise ConsentImmutable(_("This consent was withdrawn; it cannot change again."))
            changed = [name for name in CONSENT_FIELDS
                       if getattr(stored, name) != getattr(self, name)]
            if changed:
                raise ConsentImmutable(_("A recorded consent cannot change (%(fields)s); "
                                         "record a new consent.")
                                       % {"fields": ", ".join(changed)})
        super().save(*args, **kwargs)


# Everything except the withdrawal, which may be recorded once.
CONSENT_FIELDS = ("episode_id", "document_id", "consented_on", "consenting_as",
                  "consenting_person", "taken_by_id", "elements_confirmed")
