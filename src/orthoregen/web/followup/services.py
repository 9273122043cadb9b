"""Units of work on follow-up: schedules, withdrawals, tasks, templates.

Each service runs in one transaction; writes are recorded by django-simple-history.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from orthoregen.pathways import Outcome
from orthoregen.pathways.consent import PROCEEDING_OUTCOMES
from orthoregen.products.episode import Joint
from orthoregen.scheduling import Window, build_schedule
from orthoregen.scheduling.baseline import baseline_window, baseline_window_treated
from orthoregen.scheduling.protocol import BASELINE_VISIT_ID
from orthoregen.web.clinic.plausible import Day, refuse_implausible
from orthoregen.web.consultation.models.vocabulary import DecisionKind
from orthoregen.web.followup.models import (
    FollowUpSchedule,
    QuestionnaireInvitation,
    ReviewTask,
    ScheduledVisit,
    TaskKind,
    TaskStatus,
    VisitKind,
    VisitState,
    Withdrawal,
)
from orthoregen.web.followup.protocols import active_protocol

LOG = logging.getLogger(__name__)

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from orthoregen.scheduling import Schedule
    from orthoregen.web.accounts.models import User
    from orthoregen.web.cellbank.models import Administration
    from orthoregen.web.clinic.models import JointEpisode, Patient
    from orthoregen.web.consultation.models import CandidacyDecision


def visit_rows(schedule_value: Schedule, schedule_id: int | None = None,
               site_id: int | None = None) -> list[ScheduledVisit]:
    """Return unsaved visit rows (questionnaire visit, plus MRI where imaging is due).

    `site_id` is the schedule's copy of the patient's site (FollowUpSchedule.site).
    """
    rows = []
    for visit in schedule_value.visits:
        window = visit.window
        common = {"schedule_id": schedule_id, "site_id": site_id,
                  "timepoint": visit.visit_id, "label": visit.label,
                  "earliest": window.earliest, "target": window.target, "latest": window.latest}
        rows.append(ScheduledVisit(kind=VisitKind.VISIT,
                                   instruments_due=[c.default for c in visit.instruments],
                                   **common))
        if "mri" in visit.imaging:
            rows.append(ScheduledVisit(kind=VisitKind.MRI, instruments_due=[], **common))
    return rows


@transaction.atomic
def schedule_create(episode: JointEpisode, *, administered_on: dt.date | dt.datetime,
                    source: str = "administration", by: User | None = None) -> FollowUpSchedule:
    """Create the follow-up schedule of a joint episode after one administration.

    ``by`` is None for a schedule no person asked for (an import, a command).

    A second call for the same episode and day returns the schedule already made; a later day
    (a second injection) starts a new schedule and stops the earlier schedule's pending
    visits from that day on, so the patient is not asked twice for the same joint.
    """
    version = active_protocol(episode.patient.site)
    zone = ZoneInfo(episode.patient.site.time_zone)
    value = build_schedule(version.as_protocol(), administered_on, joint=Joint(episode.joint),
                           clinic_zone=zone)
    existing = FollowUpSchedule.objects.filter(episode=episode,
                                               administered_on=value.administered_on).first()
    if existing is not None:
        return existing
    # The schedule a decision made before treatment (its baseline visit) becomes this one.
    schedule = FollowUpSchedule.objects.select_for_update().filter(
        episode=episode, administered_on__isnull=True).first()
    if schedule is None:
        schedule = FollowUpSchedule.objects.create(
            episode=episode, site_id=episode.patient.site_id,
            administered_on=value.administered_on, protocol=version, source=source,
            created_by=by)
    else:
        schedule.administered_on = value.administered_on
        schedule.protocol = version
        schedule.save(update_fields=["administered_on", "protocol"])
        _baseline_join(schedule, administered_on, zone)
    for earlier in ScheduledVisit.objects.filter(
            schedule__episode=episode, schedule__administered_on__lt=value.administered_on,
            status=VisitState.PENDING, earliest__gte=value.administered_on):
        earlier.status = VisitState.STOPPED
        earlier.save(update_fields=["status"])
    for row in visit_rows(value, schedule.pk, schedule.site_id):
        row.save()  # one by one, so each visit has its history row
    return schedule


def _baseline_join(schedule: FollowUpSchedule, administered: dt.date | dt.datetime,
                   zone: ZoneInfo) -> None:
    """Cut a pending baseline's window at the injection; its links stop at the injection."""
    day = schedule.administered_on
    assert day is not None  # set by the caller
    moment = administered if isinstance(administered, dt.datetime) else \
        dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), zone)
    for visit in schedule.visits.filter(timepoint=BASELINE_VISIT_ID, kind=VisitKind.VISIT,
                                        status=VisitState.PENDING):
        window = baseline_window_treated(visit.earliest, day)
        visit.earliest, visit.target, visit.latest = window.earliest, window.target, window.latest
        visit.save(update_fields=["earliest", "target", "latest"])
        for invitation in visit.invitations.filter(used_at__isnull=True, expires_at__gt=moment):
            invitation.expires_at = moment
            invitation.save(update_fields=["expires_at"])


def baseline_visit(episode: JointEpisode) -> ScheduledVisit | None:
    """Return the baseline visit of an episode's coming (not yet given) treatment, if any."""
    return ScheduledVisit.objects.filter(
        schedule__episode=episode, schedule__administered_on__isnull=True,
        timepoint=BASELINE_VISIT_ID, kind=VisitKind.VISIT).first()


@transaction.atomic
def baseline_request(episode: JointEpisode, *, opens_on: dt.date, deferred: bool = False,
                     by: User | None = None) -> ScheduledVisit:
    """Ask for the baseline of an episode's coming treatment from `opens_on`; never twice.

    The first call makes the schedule that waits for the injection and its baseline visit.
    A later call keeps that visit: a completed baseline stays as it is; a pending one opens
    no later than before (a deferral moves its opening to the end of the deferral); a
    stopped one (after a decline) opens again.
    """
    version = active_protocol(episode.patient.site)
    protocol = version.as_protocol()
    schedule, _ = FollowUpSchedule.objects.select_for_update().get_or_create(
        episode=episode, administered_on=None,
        defaults={"protocol": version, "source": "decision", "created_by": by,
                  "site_id": episode.patient.site_id})
    window = baseline_window(protocol.baseline, opens_on)
    visit = schedule.visits.filter(timepoint=BASELINE_VISIT_ID, kind=VisitKind.VISIT).first()
    if visit is None:
        visit = ScheduledVisit(
            schedule=schedule, site_id=schedule.site_id, timepoint=BASELINE_VISIT_ID,
            label=protocol.baseline.label, kind=VisitKind.VISIT,
            instruments_due=[c.default for c in protocol.instruments_for(Joint(episode.joint))])
    elif visit.status == VisitState.COMPLETED:
        return visit
    elif visit.status == VisitState.PENDING and not deferred:
        window = Window(min(visit.earliest, window.earliest), max(visit.target, window.target),
                        max(visit.latest, window.latest))
    visit.status = VisitState.PENDING
    visit.earliest, visit.target, visit.latest = window.earliest, window.target, window.latest
    visit.save()
    return visit


@transaction.atomic
def baseline_stop(episode: JointEpisode, *, now: dt.datetime | None = None) -> int:
    """Stop a pending baseline (treatment declined) and end its unused links; return visits."""
    now = now or timezone.now()
    visits = ScheduledVisit.objects.filter(
        schedule__episode=episode, schedule__administered_on__isnull=True,
        timepoint=BASELINE_VISIT_ID, status=VisitState.PENDING)
    for invitation in QuestionnaireInvitation.objects.filter(
            visit__in=visits, used_at__isnull=True, expires_at__gt=now):
        invitation.expires_at = now
        invitation.save(update_fields=["expires_at"])
    return pending_visits_stop(visits)


def decision_opens_baseline(decision: CandidacyDecision) -> dt.date | None:
    """Return the day a decision opens the baseline from, or None if it allows no treatment.

    Proceeding (agreeing with a suitable result, or an override with its reason) opens it on
    the day of the decision. A deferral opens it when the deferral ends: an answer given
    during the washout or the condition that deferred treatment would not describe the
    joint as it will be treated. A decline, an unsuitable or incomplete result, or a
    deferral without an end date opens none.
    """
    if decision.kind == DecisionKind.OVERRIDE:
        return decision.decided_on
    if decision.kind != DecisionKind.AGREE:
        return None
    if decision.outcome in PROCEEDING_OUTCOMES:
        return decision.decided_on
    if decision.outcome == Outcome.DEFER and decision.defer_until is not None:
        return max(decision.defer_until, decision.decided_on)
    return None


def baseline_after_decision(decision: CandidacyDecision, *, by: User) -> ScheduledVisit | None:
    """Ask for the joint's baseline when a decision allows treatment (web/stages.py hook).

    Runs in the consultation's transaction. The invitation goes out through the reminder
    run (email, then text, as the site's follow-up settings say) once the patient's
    decisions have settled (reminders.baseline_settle, 30 minutes by default), in one
    message naming every joint decided on; with no settling delay it goes out at commit.
    """
    episode = decision.episode
    opens_on = decision_opens_baseline(decision)
    if opens_on is None:
        baseline_stop(episode)
        return None
    visit = baseline_request(episode, opens_on=opens_on,
                             deferred=decision.outcome == Outcome.DEFER, by=by)
    patient_id = episode.patient_id

    def invite() -> None:
        from orthoregen.web.followup.reminders import remind_run

        try:
            remind_run(patient_id=patient_id)
        except Exception:  # the decision is saved; `orthoregen remind` sends it next run
            LOG.exception("baseline invitation of patient %s not sent at the decision",
                          patient_id)

    transaction.on_commit(invite)
    return visit


def schedule_after_administration(administration: Administration, *,
                                  by: User) -> FollowUpSchedule:
    """Start the follow-up of the joint an administration went into (web/stages.py hook)."""
    episode = administration.procedure_joint.episode
    return schedule_create(episode, administered_on=administration.administered_at,
                           source="administration", by=by)


def pending_visits_stop(visits: QuerySet[ScheduledVisit]) -> int:
    stopped = 0
    for visit in visits.filter(status=VisitState.PENDING):
        visit.status = VisitState.STOPPED
        visit.save(update_fields=["status"])
        stopped += 1
    return stopped


@transaction.atomic
def withdrawal_record(patient: Patient, *, withdrawn_on: dt.date, reason: str = "",
                      by: User) -> Withdrawal:
    """Record that a patient left follow-up and stop every pending visit and reminder."""
    refuse_implausible(born=patient.date_of_birth,
                       withdrawn_on=Day(withdrawn_on, gettext("The withdrawal date")))
    withdrawal, _ = Withdrawal.objects.update_or_create(
        patient=patient, defaults={"withdrawn_on": withdrawn_on, "reason": reason,
                                   "recorded_by": by})
    pending_visits_stop(ScheduledVisit.objects.filter(schedule__episode__patient=patient))
    return withdrawal


def lookback_tasks_create(administrations: Iterable[Administration], *, reason: str,
                          by: User) -> list[ReviewTask]:
    """Put one task on the worklist per patient a look-back reached (web/stages.py hook).

    Runs in the cell lab's transaction. A task hangs on a visit: the next pending visit of
    the schedule that patient's administration started, else its latest visit; a patient
    with no follow-up visit at all gets no task here (the investigation page lists them).
    """
    by_patient: dict[int, list[Administration]] = {}
    for administration in administrations:
        patient_id = administration.procedure_joint.episode.patient_id
        by_patient.setdefault(patient_id, []).append(administration)
    now, tasks = timezone.now(), []
    for given in by_patient.values():
        visit = _visit_for(given[0])
        if visit is None:
            continue
        units = ", ".join(f"{a.unit.identifier} ({a.procedure_joint.episode}, "
                          f"{timezone.localdate(a.administered_at):%d %b %Y})" for a in given)
        tasks.append(ReviewTask.objects.create(
            visit=visit, site_id=visit.site_id, kind=TaskKind.PRODUCT_LOOKBACK, created_at=now,
            detail=f"{reason} Received: {units}."[:300]))
    return tasks


def _visit_for(administration: Administration) -> ScheduledVisit | None:
    episode = administration.procedure_joint.episode
    given_on = administration.administered_at.astimezone(
        ZoneInfo(episode.patient.site.time_zone)).date()
    schedule = FollowUpSchedule.objects.filter(episode=episode, administered_on__lte=given_on) \
        .order_by("-administered_on").first()
    if schedule is None:
        return None
    visits = schedule.visits.order_by("target", "id")
    return visits.filter(status=VisitState.PENDING).first() or visits.last()


class TaskAlreadyClosed(Exception):
    """The task was closed by an earlier submission; `task` is as that one left it."""

    def __init__(self, task: ReviewTask) -> None:
        super().__init__(f"task {task.pk} is already closed")
        self.task = task


@transaction.atomic
def task_close(task: ReviewTask, *, by: User, note: str = "") -> ReviewTask:
    """Close a worklist task with what was done; refuse one already closed.

    The status changes by one conditional UPDATE, which the database applies once, so a
    double-click or two staff closing the same task at once never overwrite the first note.
    """
    claimed = ReviewTask.objects.filter(pk=task.pk, status=TaskStatus.OPEN) \
        .update(status=TaskStatus.DONE)
    if not claimed:
        raise TaskAlreadyClosed(ReviewTask.objects.get(pk=task.pk))
    task.status = TaskStatus.DONE
    task.closed_at = timezone.now()
    task.closed_by = by
    task.outcome_note = note
    task.save()  # the history row: update() above leaves none
    return task


@transaction.atomic
def visit_complete(visit: ScheduledVisit, *, completed_on: dt.date) -> ScheduledVisit:
    """Mark a visit completed (questionnaires returned, or the MRI done)."""
    if visit.status != VisitState.COMPLETED:
        visit.status = VisitState.COMPLETED
        visit.completed_on = completed_on
        visit.save(update_fields=["status", "completed_on"])
    return visit
