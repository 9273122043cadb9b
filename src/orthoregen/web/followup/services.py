"""Units of work on follow-up: schedules, withdrawals, tasks, templates.

Each service runs in one transaction; writes are recorded by django-simple-history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from orthoregen.products.episode import Joint
from orthoregen.scheduling import build_schedule
from orthoregen.web.followup.models import (
    FollowUpSchedule,
    ReviewTask,
    ScheduledVisit,
    TaskKind,
    TaskStatus,
    VisitKind,
    VisitState,
    Withdrawal,
)
from orthoregen.web.followup.protocols import active_protocol

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from orthoregen.scheduling import Schedule
    from orthoregen.web.accounts.models import User
    from orthoregen.web.cellbank.models import Administration
    from orthoregen.web.clinic.models import JointEpisode, Patient


def visit_rows(schedule_value: Schedule,
               schedule_id: int | None = None) -> list[ScheduledVisit]:
    """Return unsaved visit rows (questionnaire visit, plus MRI where imaging is due)."""
    rows = []
    for visit in schedule_value.visits:
        window = visit.window
        common = {"schedule_id": schedule_id, "timepoint": visit.visit_id, "label": visit.label,
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
    version = active_protocol()
    zone = ZoneInfo(episode.patient.site.time_zone)
    value = build_schedule(version.as_protocol(), administered_on, joint=Joint(episode.joint),
                           clinic_zone=zone)
    schedule, created = FollowUpSchedule.objects.get_or_create(
        episode=episode, administered_on=value.administered_on,
        defaults={"protocol": version, "source": source, "created_by": by},
    )
    if not created:
        return schedule
    for earlier in ScheduledVisit.objects.filter(
            schedule__episode=episode, schedule__administered_on__lt=value.administered_on,
            status=VisitState.PENDING, earliest__gte=value.administered_on):
        earlier.status = VisitState.STOPPED
        earlier.save(update_fields=["status"])
    for row in visit_rows(value, schedule.pk):
        row.save()  # one by one, so each visit has its history row
    return schedule


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
            visit=visit, kind=TaskKind.PRODUCT_LOOKBACK, created_at=now,
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
