"""Candidacy protocols stored as versioned data (the dict form of pathways.protocol_json).

A version is governed (consultation.governance): draft, validated by the system's checks,
approved by a second person against the published version's difference, then published.
A published version never changes: decisions point at it and must read the same years
later. The services refuse to edit one, the admin is read-only, and save() is the last
guard for any code path that forgets.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from orthoregen.pathways import Protocol, protocol_from_dict
from orthoregen.web.accounts.models import Site
from orthoregen.web.consultation.governance import GovernedVersion, Lifecycle, ProtocolLocked

__all__ = ["ProtocolLocked", "ProtocolVersion"]


class ProtocolVersion(GovernedVersion):
    Status = Lifecycle

    name = models.CharField(max_length=100)
    version = models.CharField(max_length=30)
    # Null site: shipped with orthoregen and used by every clinic without its own version.
    site = models.ForeignKey(Site, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="protocols")
    body = models.JSONField(help_text=_("The protocol in pathways.protocol_to_dict form."))
    copied_from = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="copies")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="protocol_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.version}"

    def protocol(self) -> Protocol:
        """Return the stored protocol as a validated pathways value (ProtocolError if broken)."""
        return protocol_from_dict(self.body)
