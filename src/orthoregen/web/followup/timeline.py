"""What follow-up adds to the patient chart, the day list and the patient list's filters.

Hooks declared in web/stages.py: the timeline's schedules, visits, questionnaires with
their scores, review tasks and withdrawal; each joint's follow-up state; a flag for an
overdue visit (its target passed, its window still open, as on the worklist) and for a
reported complication awaiting review; the day list's visits due, calls and reviews.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.timezone import localdate

from orthoregen.instruments import display_value, get_instrument
from orthoregen.web.accounts.access import scope
from orthoregen.web.accounts.roles import Action
from orthoregen.web.followup.models import (
    FollowUpSchedule,
    QuestionnaireResponse,
    ReviewTask,
    ScheduledVisit,
    Withdrawal,
)
from orthoregen.web.followup.models.questionnaires import TaskKind, TaskStatus
from orthoregen.web.followup.models.schedule import VisitState
from orthoregen.web.stages import ChartAlert, DayRow, PatientFilter, TimelineEntry

if TYPE_CHECKING:
    from orthoregen.web.accounts.models import User
    from orthoregen.web.clinic.models import JointEpisode, Patient


def overdue(today: dt.date) -> Q:
    """A pending visit whose target has passed while its window is still open."""
    return Q(status=VisitState.PENDING, target__lt=today, latest__gte=today)


def scores_in_words(response: QuestionnaireResponse) -> str:
    """Return a response's subscale scores as the chart shows them, e.g. "Pain 62.5"."""
    try:
        instrument = get_instrument(response.instrument_id)
    except (KeyError, LookupError, ValueError):
        return ""
    return ", ".join(
        f"{s.name} {display_value(response.instrument_id, s.id, response.scores.get(s.id)):g}"
        for s in instrument.subscales if response.scores.get(s.id) is not None) \
        or "not scorable"


def instrument_name(instrument_id: str) -> str:
    try:
        return get_instrument(instrument_id).name
    except (KeyError, LookupError, ValueError):
        return instrument_id


def chart_timeline(patient: Patient, *, episodes: Sequence[JointEpisode], limit: int,
                   user: User) -> list[TimelineEntry]:
    """Return follow-up schedules, completed visits, questionnaires, tasks and withdrawal."""
    entries: list[TimelineEntry] = []
    manage = user.may(Action.MANAGE_FOLLOW_UP)
    for schedule in FollowUpSchedule.objects.filter(episode__in=episodes) \
            .select_related("protocol").order_by("-administered_on")[:limit]:
        entries.append(TimelineEntry(
            # A baseline schedule may start before any administration (no date yet).
            on=schedule.administered_on or localdate(schedule.created_at),
            at=schedule.created_at, what="Follow-up",
            title=f"Follow-up started (protocol {schedule.protocol})",
            episode_id=schedule.episode_id,
            url=reverse("followup:schedule", args=[schedule.episode_id]) if manage else ""))
    for visit in ScheduledVisit.objects.filter(schedule__episode__in=episodes,
                                               status=VisitState.COMPLETED) \
            .select_related("schedule").order_by("-completed_on")[:limit]:
        entries.append(TimelineEntry(
            on=visit.completed_on or visit.target, what="Visit",
            title=f"{visit.label} {visit.get_kind_display().lower()} completed",
            episode_id=visit.schedule.episode_id))
    for response in QuestionnaireResponse.objects.filter(episode__in=episodes) \
            .only("episode_id", "instrument_id", "scores", "completed_on", "submitted_at",
                  "timepoint", "source") \
            .order_by("-completed_on", "-id")[:limit]:
        when = "baseline" if response.timepoint == "baseline" else \
            response.timepoint.replace("_", " ")
        entries.append(TimelineEntry(
            on=response.completed_on, at=response.submitted_at, what="Questionnaire",
            title=f"{instrument_name(response.instrument_id)} ({when})",
            detail=scores_in_words(response), episode_id=response.episode_id))
    for task in ReviewTask.objects.filter(visit__schedule__episode__in=episodes) \
            .select_related("visit__schedule").order_by("-created_at")[:limit]:
        entries.append(TimelineEntry(
            on=localdate(task.created_at), at=task.created_at, what="Task",
            title=f"{task.get_kind_display()} ({task.get_status_display().lower()})",
            detail=task.outcome_note or task.detail, episode_id=task.visit.schedule.episode_id,
            tone="alert" if task.status == TaskStatus.OPEN
            and task.kind == TaskKind.COMPLICATION_REVIEW else "",
            url=reverse("followup:task-close", args=[task.pk])
            if manage and task.status == TaskStatus.OPEN else ""))
    withdrawal = Withdrawal.objects.filter(patient=patient).first()
    if withdrawal is not None:
        entries.append(TimelineEntry(
            on=withdrawal.withdrawn_on, what="Withdrawal",
            title="Withdrew from follow-up", detail=withdrawal.reason, tone="alert"))
    return entries


def joint_state(episodes: Sequence[JointEpisode]) -> dict[int, str]:
    """Say where each joint's follow-up stands: the next visit, or that it is over."""
    if not episodes:
        return {}
    today = localdate()
    patient_ids = {episode.patient_id for episode in episodes}
    withdrawn = dict(Withdrawal.objects.filter(patient_id__in=patient_ids)
                     .values_list("patient_id", "withdrawn_on"))
    state: dict[int, str] = {}
    followed = set(FollowUpSchedule.objects.filter(episode__in=episodes)
                   .values_list("episode_id", flat=True))
    pending = ScheduledVisit.objects.filter(schedule__episode__in=episodes,
                                            status=VisitState.PENDING, latest__gte=today) \
        .select_related("schedule").order_by("target", "id")
    for visit in pending:
        episode_id = visit.schedule.episode_id
        if episode_id in state:
            continue
        if visit.target < today:
            state[episode_id] = (f"In follow-up: {visit.label} visit overdue "
                                 f"(target {visit.target:%d %b %Y}, window closes "
                                 f"{visit.latest:%d %b %Y})")
        else:
            state[episode_id] = (f"In follow-up: next {visit.label} visit due "
                                 f"{visit.target:%d %b %Y}")
    for episode in episodes:
        if episode.pk in followed and episode.pk not in state:
            state[episode.pk] = "Follow-up visits all done or closed"
        if episode.pk in followed and episode.patient_id in withdrawn:
            state[episode.pk] = (f"Withdrawn from follow-up on "
                                 f"{withdrawn[episode.patient_id]:%d %b %Y}")
    return state


def chart_alerts(patient: Patient, *, user: User, today: dt.date) -> list[ChartAlert]:
    """Flag overdue visits and reported complications awaiting review."""
    alerts = []
    manage = user.may(Action.MANAGE_FOLLOW_UP)
    visits = ScheduledVisit.objects.filter(overdue(today), schedule__episode__patient=patient) \
        .select_related("schedule__episode").order_by("target")[:5]
    for visit in visits:
        alerts.append(ChartAlert(
            text=f"Visit overdue: {visit.label} {visit.get_kind_display().lower()} for the "
                 f"{visit.schedule.episode} (target {visit.target:%d %b %Y}, window closes "
                 f"{visit.latest:%d %b %Y})",
            url=reverse("followup:schedule", args=[visit.schedule.episode_id]) if manage
            else ""))
    tasks = ReviewTask.objects.filter(visit__schedule__episode__patient=patient,
                                      status=TaskStatus.OPEN,
                                      kind=TaskKind.COMPLICATION_REVIEW)[:5]
    for task in tasks:
        alerts.append(ChartAlert(
            text=f"Complication reported, awaiting review: {task.detail or task}",
            url=reverse("followup:task-close", args=[task.pk]) if manage else ""))
    return alerts


def day_list(user: User, *, sites: Sequence[Any], start: dt.date, end: dt.date,
             today: dt.date) -> list[DayRow]:
    """Return visits due in the period (or overdue today), and open calls and reviews."""
    if not user.may(Action.MANAGE_FOLLOW_UP):
        return []
    rows = []
    visits = scope(ScheduledVisit.objects, user).filter(
        schedule__episode__patient__site__in=sites, status=VisitState.PENDING) \
        .filter(Q(target__range=(start, end)) | overdue(today)) \
        .select_related("schedule__episode__patient__site").order_by("target", "id")[:300]
    for visit in visits:
        episode = visit.schedule.episode
        late = visit.target < today
        rows.append(DayRow(
            on=max(visit.target, start) if late else visit.target,
            kind="Visit overdue" if late else "Visit due", patient=episode.patient,
            joint=str(episode),
            detail=f"{visit.label} {visit.get_kind_display().lower()}, window "
                   f"{visit.earliest:%d %b}–{visit.latest:%d %b %Y}",
            action="Send the questionnaire link", action_url=reverse(
                "followup:schedule", args=[episode.pk]) + f"#visit-{visit.pk}"))
    tasks = scope(ReviewTask.objects, user).filter(
        visit__schedule__episode__patient__site__in=sites, status=TaskStatus.OPEN) \
        .select_related("visit__schedule__episode__patient__site") \
        .order_by("created_at", "id")[:300]
    for task in tasks:
        episode = task.visit.schedule.episode
        call = task.kind == TaskKind.CALL_PATIENT
        rows.append(DayRow(
            on=max(localdate(task.created_at), start),
            kind="Call" if call or task.kind == TaskKind.PRODUCT_LOOKBACK else "Review",
            patient=episode.patient, joint=str(episode),
            detail=task.get_kind_display() + (f": {task.detail}" if task.detail else ""),
            action="Record the call" if call else "Record the review",
            action_url=reverse("followup:task-close", args=[task.pk])))
    return rows


def patient_filters(user: User, *, today: dt.date) -> list[PatientFilter]:
    """Offer follow-up's stages and the overdue filter to the patient list."""
    def stage(value: str) -> Q | None:
        if value == "in_follow_up":
            return Q(Exists(ScheduledVisit.objects.filter(
                schedule__episode__patient=OuterRef("pk"), status=VisitState.PENDING,
                latest__gte=today))) & ~Q(Exists(Withdrawal.objects.filter(
                    patient=OuterRef("pk"))))
        if value == "withdrawn":
            return Q(Exists(Withdrawal.objects.filter(patient=OuterRef("pk"))))
        return None

    def is_overdue(value: str) -> Q | None:
        if value != "yes":
            return None
        return Q(Exists(ScheduledVisit.objects.filter(
            overdue(today), schedule__episode__patient=OuterRef("pk"))))

    return [
        PatientFilter(name="stage", label="Stage", choices=(
            ("in_follow_up", "In follow-up"), ("withdrawn", "Withdrawn from follow-up")),
            condition=stage),
        PatientFilter(name="overdue", label="Overdue visit",
                      choices=(("yes", "Has an overdue visit"),), condition=is_overdue),
    ]
