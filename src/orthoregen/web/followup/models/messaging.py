"""Per-site reminder settings, editable message templates and the log of every message."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from orthoregen.products.ae_clock import ReportingPathway


class SiteFollowUpSettings(models.Model):
    """A clinic's reminder delays and adverse-event reporting pathways.

    Each delay counts from the step before (the window opening for the email), as the
    planner in scheduling.reminders does. A site without a row uses the defaults below.
    """

    SITE_PATH = "site"

    site = models.OneToOneField("accounts.Site", on_delete=models.CASCADE,
                                related_name="followup_settings")
    email_delay_days = models.PositiveSmallIntegerField(default=0)
    sms_delay_days = models.PositiveSmallIntegerField(default=7)
    call_delay_days = models.PositiveSmallIntegerField(default=7)
    link_valid_days = models.PositiveSmallIntegerField(
        default=30, help_text=_("a link also stops working when the visit window closes"))
    reporting_pathways = models.JSONField(
        default=list, blank=True,
        help_text=format_lazy(_("adverse event reporting pathways that apply: {pathways}"),
                              pathways=", ".join(p.value for p in ReportingPathway)))
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Follow-up settings of {self.site}"

    def clean(self) -> None:
        known = {p.value for p in ReportingPathway}
        pathways = self.reporting_pathways
        if not isinstance(pathways, list) or not set(pathways) <= known:
            raise ValidationError({"reporting_pathways": gettext(
                "Give a list drawn from %(known)s.") % {"known": ", ".join(sorted(known))}})


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("Text message")
    CALL_TASK = "call_task", _("Call task")


class MessageTemplate(models.Model):
    """A site's wording of one reminder step; $given_name, $visit, $link, $clinic, $latest."""

    SITE_PATH = "site"

    site = models.ForeignKey("accounts.Site", on_delete=models.CASCADE,
                             related_name="message_templates")
    channel = models.CharField(max_length=10, choices=[c for c in Channel.choices
                                                       if c[0] != Channel.CALL_TASK])
    subject = models.CharField(max_length=200, blank=True, help_text=_("email only"))
    body = models.TextField()
    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["site", "channel"],
                                               name="one_template_per_site_channel")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} template of {self.site.code}"


class MessageStatus(models.TextChoices):
    SENDING = "sending", _("Claimed; if it stays so past the lease, the next run retries it")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped (no address)")
    TASK_CREATED = "task_created", _("Call task created")


class Message(models.Model):
    """One reminder step taken for one visit; the unique step is what stops a second send."""

    SITE_PATH = "visit__schedule__episode__patient__site"

    visit = models.ForeignKey("followup.ScheduledVisit", on_delete=models.PROTECT,
                              related_name="messages")
    step = models.CharField(max_length=10, choices=Channel.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    recipient = models.CharField(max_length=200, blank=True)
    sent_at = models.DateTimeField()
    status = models.CharField(max_length=15, choices=MessageStatus.choices)
    detail = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(
        default=1, help_text=_("times this step was claimed; above 1, an interrupted send was "
                             "retried (followup.reminders)"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["sent_at", "id"]
        constraints = [models.UniqueConstraint(fields=["visit", "step"],
                                               name="one_message_per_visit_step")]

    def __str__(self) -> str:
        return f"{self.get_step_display()} for {self.visit} ({self.status})"
