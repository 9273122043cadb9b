"""A bulk export job of the $export operation (FHIR Bulk Data Access IG v2.0.0).

The kick-off stores a job; the worker (`orthoregen fhir work`, or a thread started at
kick-off when settings.FHIR_EXPORT_THREAD allows) writes its files; the status URL reads it.
Rows are kept after a job is cancelled or its files deleted, as the record of who exported
what; only the files go.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ExportState(models.TextChoices):
    QUEUED = "queued", _("Waiting for the export worker")
    RUNNING = "running", _("Writing files")
    DONE = "done", _("Files ready")
    FAILED = "failed", _("Stopped by an error")
    CANCELLED = "cancelled", _("Cancelled, files deleted")


class ExportJob(models.Model):
    # The public id in the status URL: random, so one job's URL does not lead to another's.
    public_id = models.CharField(max_length=32, unique=True)
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="fhir_export_jobs")
    # The requester's sites at kick-off: the export never reaches beyond them, and the files
    # are handed out only while the requester still holds every one of them.
    sites = models.ManyToManyField("accounts.Site", related_name="+")
    request_url = models.CharField(max_length=2000)
    since = models.DateTimeField(null=True, blank=True)
    types = models.JSONField(default=list)
    deidentify = models.BooleanField(default=False)
    state = models.CharField(max_length=12, choices=ExportState.choices,
                             default=ExportState.QUEUED)
    progress = models.CharField(max_length=200, blank=True)
    # [{"type": "Patient", "count": 12}, ...] once done; the files are <type>.ndjson.
    files = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)  # the manifest's transactionTime
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["state", "created_at"], name="fhir_export_state")]

    def __str__(self) -> str:
        return f"FHIR export {self.public_id} ({self.get_state_display()})"
