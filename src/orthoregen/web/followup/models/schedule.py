"""Versioned follow-up protocols, the schedule an administration starts, and its visits."""

from __future__ import annotations

import functools
import json
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from orthoregen.scheduling.protocol import ScheduleProtocol, protocol_from_json
from orthoregen.web.consultation.governance import GovernedVersion, Lifecycle


class ScheduleProtocolVersion(GovernedVersion):
    """One version of the follow-up protocol, stored as the core's JSON form.

    Protocols are data: a schedule keeps the version it was built from, so a later version
    never moves the visits of patients already in follow-up. A version is governed
    (consultation.governance): drafted, validated, approved by a second person, published;
    the published version of a clinic (or, failing one, the shared one) is the active one.
    """

    Status = Lifecycle
    # Publishing a successor only takes the active mark off; the content never changes.
    mutable_when_published = frozenset({"is_active"})

    version = models.CharField(max_length=64, unique=True)
    # Null site: shared by every clinic without its own version; the platform operator's.
    site = models.ForeignKey("accounts.Site", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="schedule_protocols")
    definition = models.JSONField(help_text=_("scheduling.protocol JSON form"))
    is_active = models.BooleanField(default=False)
    copied_from = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="copies")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["is_active"],
                                    condition=Q(is_active=True, site__isnull=True),
                                    name="one_active_shared_schedule_protocol"),
            models.UniqueConstraint(fields=["site"], condition=Q(is_active=True),
                                    name="one_active_schedule_protocol_per_site"),
        ]

    def __str__(self) -> str:
        return self.version

    def as_protocol(self) -> ScheduleProtocol:
        """Return the stored definition as the core's protocol value."""
        return decoded_protocol(self.definition)

    def clean(self) -> None:
        """Refuse a definition with the errors its start-up checks would report."""
        from orthoregen.web.followup.checks import schedule_protocol_errors

        if self.definition is not None:  # a missing one is clean_fields' to report
            errors = schedule_protocol_errors(self)
            if errors:
                raise ValidationError({"definition": errors})


def decoded_protocol(definition: Any) -> ScheduleProtocol:
    """Return a stored definition as the core's protocol, decoded once per process.

    Decoding checks a dataclass tree field by field (about 3 ms), and the portal, the entry
    form and the worklist ask for the same few versions on every request. The key is the
    definition itself, written out in full, so a draft edited since is decoded anew; the
    protocol is frozen, so sharing one value is safe.
    """
    return _decoded(json.dumps(definition, sort_keys=True))


@functools.lru_cache(maxsize=64)  # a clinic keeps a handful of versions; drafts come and go
def _decoded(definition: str) -> ScheduleProtocol:
    return protocol_from_json(json.loads(definition))


class FollowUpSchedule(models.Model):
    """The follow-up of one joint after one administration (a second injection starts anew).

    A schedule is made before treatment, holding only the baseline visit, when a candidacy
    decision allows treatment; it has no administration date until the injection, which
    then adds the follow-up visits to it (followup.services.schedule_create).
    """

    SITE_PATH = "episode__patient__site"

    episode = models.ForeignKey("clinic.JointEpisode", on_delete=models.PROTECT,
                                related_name="followup_schedules")
    # A copy of the patient's site (SITE_PATH stays the authority for access), so that the
    # worklist confines its counts by one indexed column instead of joining schedule,
    # episode and patient (bench/README.md, follow-up worklist). Written when the row is
    # made and never changed: a registered patient keeps their site (clinic.models.Patient)
    # and a schedule its episode; `orthoregen manage followup_site_copies` checks it.
    site = models.ForeignKey("accounts.Site", on_delete=models.PROTECT, related_name="+",
                             editable=False, db_index=False)
    administered_on = models.DateField(null=True, blank=True,
                                       help_text=_("empty until the injection: baseline only"))
    protocol = models.ForeignKey(ScheduleProtocolVersion, on_delete=models.PROTECT,
                                 related_name="schedules")
    source = models.CharField(max_length=40, default="administration",
                              help_text=_("what started it: administration, synthetic, manual"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # The site copy is derived, not entered: its history is the patient's.
    history = HistoricalRecords(excluded_fields=["site"])

    class Meta:
        ordering = ["-administered_on", "-id"]
        indexes = [models.Index(fields=["site", "administered_on"],
                                name="schedule_site_administered")]
        constraints = [
            models.UniqueConstraint(fields=["episode", "administered_on"],
                                    name="one_schedule_per_episode_administration"),
            models.UniqueConstraint(fields=["episode"], condition=Q(administered_on__isnull=True),
                                    name="one_untreated_schedule_per_episode"),
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._state.adding and self.site_id is None:
            # The services name the site; a row made any other way copies it here.
            self.site_id = self.episode.patient.site_id
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        if self.administered_on is None:
            return f"Follow-up of {self.episode} before treatment"
        return f"Follow-up of {self.episode} after {self.administered_on:%d %b %Y}"


class VisitKind(models.TextChoices):
    VISIT = "visit", _("Questionnaires")
    MRI = "mri", _("MRI")


class VisitState(models.TextChoices):
    """What is stored; open / overdue / missed follow from the window and today."""

    PENDING = "pending", _("Pending")
    COMPLETED = "completed", _("Completed")
    STOPPED = "stopped", _("Stopped (withdrawal or joint replacement)")


class VisitStatusShown(models.TextChoices):
    """A visit's status as the schedule page shows it: computed from its window and today
    (scheduling.visit_status), or stopped; no field stores it."""

    UPCOMING = "upcoming", _("upcoming")
    OPEN = "open", _("open")
    OVERDUE = "overdue", _("overdue")
    MISSED = "missed", _("missed")
    COMPLETED = "completed", _("completed")
    STOPPED = "stopped", _("stopped")


class ScheduledVisit(models.Model):
    SITE_PATH = "schedule__episode__patient__site"

    schedule = models.ForeignKey(FollowUpSchedule, on_delete=models.CASCADE,
                                 related_name="visits")
    # The schedule's copy of the patient's site (FollowUpSchedule.site says why); the
    # worklist's indexes below start with it, so no index of its own.
    site = models.ForeignKey("accounts.Site", on_delete=models.PROTECT, related_name="+",
                             editable=False, db_index=False)
    timepoint = models.CharField(max_length=40, help_text=_("protocol visit id, e.g. month_6"))
    label = models.CharField(max_length=60)
    kind = models.CharField(max_length=10, choices=VisitKind.choices, default=VisitKind.VISIT)
    earliest = models.DateField()
    target = models.DateField()
    latest = models.DateField()
    instruments_due = models.JSONField(default=list, blank=True,
                                       help_text=_("instrument ids, the protocol's defaults"))
    status = models.CharField(max_length=10, choices=VisitState.choices,
                              default=VisitState.PENDING)
    completed_on = models.DateField(null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["site"])

    class Meta:
        ordering = ["target", "kind", "id"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "timepoint", "kind"],
                                    name="one_visit_per_timepoint_and_kind"),
            models.CheckConstraint(condition=Q(earliest__lte=models.F("target"))
                                   & Q(target__lte=models.F("latest")),
                                   name="visit_window_ordered"),
        ]
        # The worklist reads a site's pending visits four ways (web/followup/worklist.py):
        # counts from the window index alone (it holds every column they test), and the ids
        # of each section's page from that section's index alone, in the section's order
        # (due: target, id; overdue: latest, id; missed: latest descending, id), each
        # holding the columns its condition tests. Reminders, across sites, read pending
        # windows by `status, earliest, latest`.
        indexes = [
            models.Index(fields=["site", "status", "earliest", "latest", "target"],
                         name="visit_site_window_cover"),
            models.Index(fields=["site", "status", "target", "id", "earliest"],
                         name="visit_site_due_order"),
            models.Index(fields=["site", "status", "latest", "id", "target", "earliest"],
                         name="visit_site_overdue_order"),
            models.Index(fields=["site", "status", "-latest", "id", "earliest"],
                         name="visit_site_missed_order"),
            models.Index(fields=["status", "earliest", "latest"], name="visit_status_window"),
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._state.adding and self.site_id is None:
            self.site_id = self.schedule.site_id  # as FollowUpSchedule.save
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return f"{self.label} {self.get_kind_display().lower()} (target {self.target:%d %b %Y})"
