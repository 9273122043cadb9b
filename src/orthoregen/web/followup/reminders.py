"""Send due invitations and escalate unanswered ones: email, then text message, then a call.

The pure planner (scheduling.reminders.plan_reminder) decides which step is due from the
visit's window and its message log. Each step is first *claimed* by committing its Message
row (unique per visit and step), then carried out: a step whose claim exists is never taken
again, so a crash mid-run or a second run sends nothing twice (at most once). A send that
fails with a known error gives its claim back, so the next run tries again.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections import Counter
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from orthoregen.scheduling import Window
from orthoregen.scheduling.reminders import (
    ContactAttempt,
    EscalationPolicy,
    ReminderStep,
    StepDelay,
    plan_reminder,
)
from orthoregen.web.followup.mail import mail_connection
from orthoregen.web.followup.messages import message_values, render, template_for
from orthoregen.web.followup.models import (
    Message,
    MessageStatus,
    ReviewTask,
    ScheduledVisit,
    SiteFollowUpSettings,
    TaskKind,
    VisitKind,
    VisitState,
    Withdrawal,
)
from orthoregen.web.followup.questionnaires import invitation_create
from orthoregen.web.followup.sms import SmsBackend, SmsError, sms_backend

LOG = logging.getLogger(__name__)


def portal_base_url(request=None) -> str:
    """Return the public address patients open links on (ORTHOREGEN_PORTAL_URL).

    Without that setting a page uses the address the staff member is on; the command line,
    which has no request, falls back to the demo's address.
    """
    configured = (getattr(settings, "ORTHOREGEN_PORTAL_URL", None)
                  or os.environ.get("ORTHOREGEN_PORTAL_URL"))
    if configured:
        return configured.rstrip("/")
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return "http://127.0.0.1:8000"


def escalation_policy(site) -> EscalationPolicy:
    """Return a site's escalation delays (SiteFollowUpSettings, else 0 / 7 / 7 days)."""
    row = SiteFollowUpSettings.objects.filter(site=site).first() or SiteFollowUpSettings()
    return EscalationPolicy(steps=(
        StepDelay(ReminderStep.EMAIL, row.email_delay_days),
        StepDelay(ReminderStep.SMS, row.sms_delay_days),
        StepDelay(ReminderStep.CALL_TASK, row.call_delay_days),
    ))


def candidate_visit_ids(now: dt.datetime) -> list[int]:
    """Return pending questionnaire visits whose window may be open somewhere today."""
    today = now.date()
    return list(ScheduledVisit.objects.filter(
        kind=VisitKind.VISIT, status=VisitState.PENDING,
        earliest__lte=today + dt.timedelta(days=1), latest__gte=today - dt.timedelta(days=1),
    ).exclude(schedule__episode__patient__followup_withdrawal__isnull=False)
        .order_by("pk").values_list("pk", flat=True))


def remind_run(*, now: dt.datetime | None = None, sms: SmsBackend | None = None) -> Counter:
    """Take every reminder step due at `now`; return how many of each step were taken."""
    now = now or timezone.now()
    sms = sms or sms_backend()
    taken: Counter = Counter()
    for visit_id in candidate_visit_ids(now):
        step = _claim_step(visit_id, now)
        if step is not None and _carry_out(visit_id, step, now, sms):
            taken[step] += 1
    return taken


def _claim_step(visit_id: int, now: dt.datetime) -> ReminderStep | None:
    with transaction.atomic():
        visit = (ScheduledVisit.objects.select_for_update()
                 .select_related("schedule__episode__patient__site").get(pk=visit_id))
        patient = visit.schedule.episode.patient
        unavailable = set()
        if not patient.email:
            unavailable.add(ReminderStep.EMAIL)
        if not patient.phone:
            unavailable.add(ReminderStep.SMS)
        decision = plan_reminder(
            Window(visit.earliest, visit.target, visit.latest),
            history=[ContactAttempt(m.step, m.sent_at) for m in visit.messages.all()],
            now=now, clinic_zone=ZoneInfo(patient.site.time_zone),
            completed=visit.status != VisitState.PENDING,
            withdrawn=Withdrawal.objects.filter(patient=patient).exists(),
            unavailable=frozenset(unavailable), policy=escalation_policy(patient.site))
        if decision.due_now is None:
            return None
        try:
            with transaction.atomic():
                Message.objects.create(visit=visit, step=decision.due_now,
                                       channel=decision.due_now, sent_at=now,
                                       status=MessageStatus.SENDING)
        except IntegrityError:
            return None  # another run claimed this step first
        return decision.due_now


def _carry_out(visit_id: int, step: ReminderStep, now: dt.datetime, sms: SmsBackend) -> bool:
    visit = ScheduledVisit.objects.select_related("schedule__episode__patient__site") \
        .get(pk=visit_id)
    message = Message.objects.get(visit=visit, step=step)
    patient = visit.schedule.episode.patient
    try:
        if step == ReminderStep.CALL_TASK:
            ReviewTask.objects.create(visit=visit, kind=TaskKind.CALL_PATIENT, created_at=now,
                                      detail=f"No reply to email or text for {visit.label}")
            recipient, status = patient.phone, MessageStatus.TASK_CREATED
        else:
            recipient = _send_invitation(visit, step, now, sms)
            status = MessageStatus.SENT
    except (OSError, SmsError) as error:
        # A known failure: nothing went out, so release the claim for the next run.
        message.delete()
        _log_failure(visit, step, now, error)
        return False
    message.recipient, message.status = recipient[:200], status
    message.save(update_fields=["recipient", "status"])
    return True


def _send_invitation(visit, step: ReminderStep, now: dt.datetime, sms: SmsBackend) -> str:
    patient = visit.schedule.episode.patient
    _, token = invitation_create(visit, now=now)
    link = portal_base_url() + reverse("portal:questionnaire", args=[token])
    subject, body = template_for(patient.site, step)
    rendered = render(subject, body, message_values(visit, link, patient.site.name))
    if step == ReminderStep.EMAIL:
        send_mail(rendered.subject, rendered.body, None, [patient.email],
                  connection=mail_connection())
        return patient.email
    sms.send(patient.phone, rendered.body)
    return patient.phone


def _log_failure(visit, step, now, error) -> None:
    LOG.warning("reminder %s for visit %s failed at %s: %s",
                                        step, visit.pk, now.isoformat(), error)

