"""Questionnaire links sent to patients, their answers and scores, and the review tasks.

A link's token is never stored: only its SHA-256 digest, so a copy of the database does not
hand out working links.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class InvitationMode(models.TextChoices):
    """How the patient answers through a link (recorded with what they answered)."""

    PORTAL = "portal", _("Patient portal (own device)")
    TABLET = "tablet", _("In-clinic tablet")


class QuestionnaireInvitation(models.Model):
    """One private, expiring link to the questionnaires of one patient's visits.

    `visit` is the visit the link was made for; `extra_visits` are the patient's other
    joints due at the same time, answered through the same link joint by joint. A link of
    mode `tablet` is a kiosk session a member of staff opened in the clinic
    (docs/follow-up.md#in-clinic-tablet).
    """

    SITE_PATH = "visit__schedule__episode__patient__site"

    visit = models.ForeignKey("followup.ScheduledVisit", on_delete=models.CASCADE,
                              related_name="invitations")
    extra_visits = models.ManyToManyField("followup.ScheduledVisit", blank=True,
                                          related_name="bundled_invitations")
    mode = models.CharField(max_length=10, choices=InvitationMode.choices,
                            default=InvitationMode.PORTAL)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  null=True, blank=True, related_name="+",
                                  help_text=_("the member of staff who opened a tablet session"))
    token_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    draft = models.JSONField(default=dict, blank=True,
                             help_text=_("answers saved so far, by instrument id"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Link for {self.visit} (expires {self.expires_at:%d %b %Y})"


class ResponseSource(models.TextChoices):
    """The mode of administration (docs/follow-up.md#staff-entry-and-mode-of-administration)."""

    PORTAL = "portal", _("Patient portal")
    TABLET = "tablet", _("In-clinic tablet")
    PAPER = "paper", _("Paper form")
    TELEPHONE = "telephone", _("Telephone interview")
    CLINICIAN = "clinician", _("Clinician-reported")
    STAFF = "staff", _("Entered by staff (mode not recorded)")
    SYNTHETIC = "synthetic", _("Synthetic")


class QuestionnaireResponse(models.Model):
    """One completed instrument: item answers, scores from orthoregen.instruments, version.

    `timepoint` is the protocol visit id, or `baseline` for the pre-treatment measurement (then
    there is no visit); the episode is kept on the row so outcome analytics need no joins.
    """

    SITE_PATH = "episode__patient__site"

    episode = models.ForeignKey("clinic.JointEpisode", on_delete=models.PROTECT,
                                related_name="questionnaire_responses")
    visit = models.ForeignKey("followup.ScheduledVisit", on_delete=models.PROTECT, null=True,
                              blank=True, related_name="responses")
    timepoint = models.CharField(max_length=40)
    instrument_id = models.CharField(max_length=40)
    instrument_version = models.CharField(max_length=80)
    answers = models.JSONField()
    scores = models.JSONField(help_text=_("subscale id → score at full precision (null if none)"))
    completed_on = models.DateField()
    submitted_at = models.DateTimeField()
    source = models.CharField(max_length=10, choices=ResponseSource.choices)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+",
                                   help_text=_("the member of staff who entered it (staff entry)"))
    idempotency_key = models.CharField(max_length=100, unique=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["completed_on", "instrument_id", "id"]
        indexes = [
            models.Index(fields=["episode", "instrument_id", "completed_on"],
                         name="response_episode_instrument"),
            models.Index(fields=["timepoint", "instrument_id"], name="response_timepoint"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument_id} on {self.completed_on:%d %b %Y}"


class ComplicationReport(models.Model):
    """The patient's answers to the complication questions asked with every questionnaire."""

    SITE_PATH = "visit__schedule__episode__patient__site"

    visit = models.ForeignKey("followup.ScheduledVisit", on_delete=models.PROTECT,
                              related_name="complication_reports")
    invitation = models.ForeignKey(QuestionnaireInvitation, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="complication_reports")
    answers = models.JSONField(help_text=_("question id → true / false"))
    any_yes = models.BooleanField()
    submitted_at = models.DateTimeField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["invitation", "visit"],
                                               name="one_complication_report_per_link_visit")]

    def __str__(self) -> str:
        return f"Complication questions for {self.visit}"


class TaskKind(models.TextChoices):
    COMPLICATION_REVIEW = "complication_review", _("Review reported complication")
    CALL_PATIENT = "call_patient", _("Call patient: questionnaire not returned")
    # A donor re-opened or a lot recalled after this patient received it (21 CFR 1271.290).
    PRODUCT_LOOKBACK = "product_lookback", _("Contact patient: product look-back")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class ReviewTask(models.Model):
    """Work for the clinic's worklist: a complication to review or a patient to call."""

    SITE_PATH = "visit__schedule__episode__patient__site"

    visit = models.ForeignKey("followup.ScheduledVisit", on_delete=models.PROTECT,
                              related_name="tasks")
    # The visit's copy of the patient's site (FollowUpSchedule.site says why).
    site = models.ForeignKey("accounts.Site", on_delete=models.PROTECT, related_name="+",
                             editable=False, db_index=False)
    kind = models.CharField(max_length=30, choices=TaskKind.choices)
    status = models.CharField(max_length=10, choices=TaskStatus.choices,
                              default=TaskStatus.OPEN)
    detail = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  null=True, blank=True, related_name="+")
    outcome_note = models.TextField(blank=True)
    history = HistoricalRecords(excluded_fields=["site"])

    class Meta:
        ordering = ["created_at", "id"]
        # A site's open tasks of a kind, oldest first: the worklist reads a page without
        # sorting, and counts each kind from this index alone.
        indexes = [models.Index(fields=["site", "status", "kind", "created_at", "id"],
                                name="task_site_status_kind")]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._state.adding and self.site_id is None:
            self.site_id = self.visit.site_id  # as FollowUpSchedule.save
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_status_display().lower()})"
