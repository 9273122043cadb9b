"""Candidacy protocols stored as versioned data (the dict form of pathways.protocol_json).

A published version never changes: decisions point at it and must read the same years
later. The services refuse to edit one, the admin and forms refuse too, and save() is the
last guard for any code path that forgets.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from orthoregen.pathways import Protocol, ProtocolStatus, protocol_from_dict
from orthoregen.web.accounts.models import Site


class ProtocolLocked(Exception):
    """A published protocol version was about to change."""


class ProtocolVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = ProtocolStatus.DRAFT.value, "Draft"
        PUBLISHED = ProtocolStatus.PUBLISHED.value, "Published"

    name = models.CharField(max_length=100)
    version = models.CharField(max_length=30)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    # Null site: shipped with orthoregen and used by every clinic without its own version.
    site = models.ForeignKey(Site, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="protocols")
    body = models.JSONField(help_text="The protocol in pathways.protocol_to_dict form.")
    copied_from = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="copies")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="protocol_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.version}"

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def protocol(self) -> Protocol:
        """Return the stored protocol as a validated pathways value (ProtocolError if broken)."""
        return protocol_from_dict(self.body)

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk and ProtocolVersion.objects.filter(
            pk=self.pk, status=self.Status.PUBLISHED
        ).exists():
            raise ProtocolLocked(f"{self} is published and cannot change; copy it as a draft.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.is_published:
            raise ProtocolLocked(f"{self} is published and cannot be deleted.")
        return super().delete(*args, **kwargs)
