"""Send due invitations and escalate unanswered ones: email, then text message, then a call.

The pure planner (scheduling.reminders.plan_reminder) decides which step is due from the
visit's window and its message log. Each step is first *claimed* by committing its Message
row (unique per visit and step, status 'sending'), then carried out: a second run, or two at
once, never take a step whose claim is live.

Delivery is at least once, by choice: a run that dies between claim and send (killed, power
cut, a bug) leaves the claim 'sending', and once it is older than CLAIM_LEASE the next run
takes it back and sends again, counting the attempt on the row and in the log. A run that
died just after the provider accepted the message therefore sends it twice; a rare duplicate
reminder is preferable to a silently missed one, which costs the patient's follow-up data
and lets a complication go unasked about. A step interrupted MAX_ATTEMPTS times is marked
failed and the chain moves on. A send that fails with a known error (SMTP, SMS provider)
sent nothing and gives its claim back at once. A call task is created in the same
transaction as its claim is marked done, so it is never created twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from itertools import groupby
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from orthoregen.scheduling import Window
from orthoregen.scheduling.protocol import BASELINE_VISIT_ID
from orthoregen.scheduling.reminders import (
    ContactAttempt,
    EscalationPolicy,
    ReminderStep,
    StepDelay,
    plan_reminder,
)
from orthoregen.web.clinic.languages import Language, joint_name, language_code, visit_label
from orthoregen.web.followup.messages import message_values, render_naming_joint, template_for
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
from orthoregen.web.followup.questionnaires import invitation_create, visits_due_with
from orthoregen.web.followup.sms import SmsBackend, SmsError, sms_backend
from orthoregen.web.mail import mail_connection, portal_base_url

if TYPE_CHECKING:
    from orthoregen.web.accounts.models import Site

LOG = logging.getLogger(__name__)

# A claim still 'sending' this long after it was made belongs to a run that died. One send
# takes seconds and is bounded (mail.SEND_TIMEOUT_SECONDS, the SMS backend's 20 s), and a run
# sends each step right after claiming it, so a live claim is never this old; with runs every
# 15-60 minutes an interrupted step goes out again within about an hour and a half.
CLAIM_LEASE = dt.timedelta(minutes=30)
# A step that keeps dying at the same point (say, just after the provider accepted it) would
# otherwise be sent again every run: stop after three claims, as failed, and escalate.
MAX_ATTEMPTS = 3


def escalation_policy(site: Site) -> EscalationPolicy:
    """Return a site's escalation delays (SiteFollowUpSettings, else 0 / 7 / 7 days)."""
    row = SiteFollowUpSettings.objects.filter(site=site).first() or SiteFollowUpSettings()
    return EscalationPolicy(steps=(
        StepDelay(ReminderStep.EMAIL, row.email_delay_days),
        StepDelay(ReminderStep.SMS, row.sms_delay_days),
        StepDelay(ReminderStep.CALL_TASK, row.call_delay_days),
    ))


def candidate_visit_ids(now: dt.datetime, *, patient_id: int | None = None
                        ) -> list[tuple[int, int]]:
    """Return (visit id, patient id) of pending questionnaire visits whose window may be open
    somewhere today, each patient's together."""
    today = now.date()
    visits = ScheduledVisit.objects.filter(
        kind=VisitKind.VISIT, status=VisitState.PENDING,
        earliest__lte=today + dt.timedelta(days=1), latest__gte=today - dt.timedelta(days=1),
    ).exclude(schedule__episode__patient__followup_withdrawal__isnull=False)
    if patient_id is not None:
        visits = visits.filter(schedule__episode__patient_id=patient_id)
    return list(visits.order_by("schedule__episode__patient_id", "pk")
                .values_list("pk", "schedule__episode__patient_id"))


def remind_run(*, now: dt.datetime | None = None, sms: SmsBackend | None = None,
               patient_id: int | None = None) -> Counter:
    """Take every reminder step due at `now`; return how many of each step were taken.

    A patient with several joints due at once gets one message per step, naming every
    joint, with one link that asks about each joint in turn. `patient_id` limits the run
    to one patient (run at each decision; a baseline's first invitation waits
    baseline_settle() for the patient's other joints, then goes out at the next run).
    """
    now = now or timezone.now()
    sms = sms or sms_backend()
    taken: Counter = Counter()
    for _, group in groupby(candidate_visit_ids(now, patient_id=patient_id),
                            key=lambda row: row[1]):
        claimed: dict[ReminderStep, list[int]] = {}
        for visit_id, _ in group:
            step = _claim_step(visit_id, now)
            if step is not None:
                claimed.setdefault(step, []).append(visit_id)
        for step, visit_ids in claimed.items():
            if done := _carry_out(visit_ids, step, now, sms):
                taken[step] += done
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
        # An abandoned claim is not a contact: the planner sees its step as not yet taken,
        # so a completed visit, a withdrawal or a closed window still stop it.
        abandoned = {m.step: m for m in visit.messages.all() if _is_abandoned(m, now)}
        decision = plan_reminder(
            Window(visit.earliest, visit.target, visit.latest),
            history=[ContactAttempt(ReminderStep(m.step), m.sent_at)
                     for m in visit.messages.all()
                     if m.step not in abandoned],
            now=now, clinic_zone=ZoneInfo(patient.site.time_zone),
            completed=visit.status != VisitState.PENDING,
            withdrawn=Withdrawal.objects.filter(patient=patient).exists(),
            unavailable=frozenset(unavailable), policy=escalation_policy(patient.site))
        step = decision.due_now
        if step is None:
            return None
        if not visit.messages.exists() and _baseline_settling(visit, now):
            return None
        if step in abandoned:
            return _retake(abandoned[step], now)
        try:
            with transaction.atomic():
                Message.objects.create(visit=visit, step=step, channel=step, sent_at=now,
                                       status=MessageStatus.SENDING)
        except IntegrityError:
            return None  # another run claimed this step first
        return step


def baseline_settle() -> dt.timedelta:
    """How long a baseline's first invitation waits after the patient's latest decision."""
    return dt.timedelta(minutes=settings.ORTHOREGEN_BASELINE_SETTLE_MINUTES)


def _baseline_settling(visit: ScheduledVisit, now: dt.datetime) -> bool:
    """Whether a baseline's first invitation must still wait for the patient's other joints.

    A clinician records one joint's candidacy decision after another; inviting at each
    would send a two-joint patient two first invitations within minutes. So no baseline of
    the patient is first invited until baseline_settle() has passed since the latest
    request (save) of any of the patient's baselines not yet invited: the next run after
    that claims them all in one group, and _carry_out sends one message naming every joint
    with one link answered joint by joint. A decision recorded after the invitation went
    out gets a message of its own, which names every joint still due (visits_due_with).
    """
    settle = baseline_settle()
    if visit.timepoint != BASELINE_VISIT_ID or settle <= dt.timedelta(0):
        return False
    waiting = ScheduledVisit.objects.filter(
        schedule__episode__patient_id=visit.schedule.episode.patient_id,
        timepoint=BASELINE_VISIT_ID, kind=VisitKind.VISIT, status=VisitState.PENDING,
        messages__isnull=True).values("pk")
    latest = ScheduledVisit.history.filter(id__in=waiting).aggregate(
        at=Max("history_date"))["at"]
    return latest is not None and now - latest < settle


def _is_abandoned(message: Message, now: dt.datetime) -> bool:
    return message.status == MessageStatus.SENDING and now - message.sent_at >= CLAIM_LEASE


def _retake(message: Message, now: dt.datetime) -> ReminderStep | None:
    """Claim an abandoned step again (the caller holds the visit's lock), or give it up."""
    claimed_at = message.sent_at
    if message.attempts >= MAX_ATTEMPTS:
        message.status = MessageStatus.FAILED
        message.detail = (f"gave up after {message.attempts} interrupted attempts; "
                          f"last claimed {claimed_at.isoformat()}")
        message.save(update_fields=["status", "detail"])
        LOG.error("reminder %s for visit %s: %s", message.step, message.visit_id,
                  message.detail)
        return None
    message.attempts += 1
    message.sent_at = now
    message.detail = (f"attempt {message.attempts}: the claim of {claimed_at.isoformat()} "
                      "never completed")
    message.save(update_fields=["attempts", "sent_at", "detail"])
    LOG.warning("reminder %s for visit %s: retrying, %s", message.step, message.visit_id,
                message.detail)
    return ReminderStep(message.step)


def _carry_out(visit_ids: list[int], step: ReminderStep, now: dt.datetime,
               sms: SmsBackend) -> int:
    """Carry out one claimed step for one patient's visits; return how many were taken."""
    visits = list(ScheduledVisit.objects.select_related("schedule__episode__patient__site")
                  .filter(pk__in=visit_ids).order_by("pk"))
    messages = {m.visit_id: m for m in Message.objects.filter(visit__in=visits, step=step)}
    patient = visits[0].schedule.episode.patient
    if step == ReminderStep.CALL_TASK:
        for visit in visits:
            with transaction.atomic():  # both or neither: a retry never makes a second task
                ReviewTask.objects.create(visit=visit, site_id=visit.site_id,
                                          kind=TaskKind.CALL_PATIENT, created_at=now,
                                          detail=call_script(visit))
                _record_done(messages[visit.pk], patient.phone, MessageStatus.TASK_CREATED)
        return len(visits)
    try:
        recipient = _send_invitation(visits, step, now, sms)
    except (OSError, SmsError) as error:
        # A known failure: nothing went out, so release the claims for the next run.
        for visit in visits:
            messages[visit.pk].delete()
            _log_failure(visit, step, now, error)
        return 0
    for visit in visits:
        _record_done(messages[visit.pk], recipient, MessageStatus.SENT)
    return len(visits)


def call_script(visit: ScheduledVisit) -> str:
    """Return the call task's words: which questionnaire, and which joint to ask about.

    Staff read it, so it is in the site's language; it says which language the patient reads.
    """
    words = {"visit": visit_label(visit.label), "joint": joint_name(visit.schedule.episode)}
    script = gettext("No reply to email or text for the %(visit)s questionnaire about the "
                     "%(joint)s. Ask about the %(joint)s by name; if several joints are due, "
                     "ask about each in turn.") % words
    language = visit.schedule.episode.patient.preferred_language
    if language != Language.ENGLISH:
        script += " " + gettext("The patient prefers %(language)s.") % {
            "language": Language(language).label}
    return script[:300]


def _record_done(message: Message, recipient: str, status: str) -> None:
    message.recipient, message.status = recipient[:200], status
    message.save(update_fields=["recipient", "status"])


def _send_invitation(visits: list[ScheduledVisit], step: ReminderStep, now: dt.datetime,
                     sms: SmsBackend) -> str:
    patient = visits[0].schedule.episode.patient
    together = visits_due_with(visits, now=now)
    _, token = invitation_create(together[0], now=now, extra_visits=together[1:])
    link = portal_base_url() + reverse("portal:questionnaire", args=[token])
    with translation.override(language_code(patient.preferred_language)):  # the patient's own
        subject, body = template_for(patient.site, step)
        rendered = render_naming_joint(subject, body,
                                       message_values(together, link, patient.site.name))
    if step == ReminderStep.EMAIL:
        send_mail(rendered.subject, rendered.body, None, [patient.email],
                  connection=mail_connection())
        return patient.email
    sms.send(patient.phone, rendered.body)
    return patient.phone


def _log_failure(visit: ScheduledVisit, step: ReminderStep, now: dt.datetime,
                 error: Exception) -> None:
    LOG.warning("reminder %s for visit %s failed at %s: %s",
                                        step, visit.pk, now.isoformat(), error)

