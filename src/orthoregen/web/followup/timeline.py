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
from django.utils.formats import date_format
from django.utils.timezone import localdate
from django.utils.translation import gettext as _

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
from orthoregen.web.stages import ChartAlert, ChartFacts, DayRow, PatientFilter, TimelineEntry

if TYPE_CHECKING:
    from orthoregen.web.accounts.models import User
    from orthoregen.web.clinic.models import JointEpisode


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
        or _("not scorable")


def _day(day: dt.date) -> str:
    """A date as the chart writes it, "09 Apr 2026", with the active language's month."""
    return date_format(day, "d M Y")


def instrument_name(instrument_id: str) -> str:
    try:
        return get_instrument(instrument_id).name
    except (KeyError, LookupError, ValueError):
        return instrument_id


# Each table once per chart (ChartFacts.rows): the joints' state, the scores panel, the
# timeline and the flags share these rows; the timeline keeps the joints it shows.

def _schedules(facts: ChartFacts) -> list[FollowUpSchedule]:
    return list(FollowUpSchedule.objects.filter(episode_id__in=facts.episode_ids)
                .select_related("protocol").order_by("-administered_on", "id"))


def _visits(facts: ChartFacts) -> list[ScheduledVisit]:
    """Every visit of the patient's joints, the latest completed first (ties by id)."""
    return list(ScheduledVisit.objects.filter(schedule__episode__in=facts.episode_ids)
                .select_related("schedule").order_by("-completed_on", "id"))


def chart_responses(facts: ChartFacts) -> list[QuestionnaireResponse]:
    """Every questionnaire of the patient's joints, the latest first."""
    return list(QuestionnaireResponse.objects.filter(episode_id__in=facts.episode_ids)
                .only("episode_id", "instrument_id", "scores", "completed_on", "submitted_at",
                      "timepoint", "source")
                .order_by("-completed_on", "-id"))


def _tasks(facts: ChartFacts) -> list[ReviewTask]:
    return list(ReviewTask.objects.filter(visit__schedule__episode__in=facts.episode_ids)
                .select_related("visit__schedule").order_by("-created_at", "id"))


def _withdrawal(facts: ChartFacts) -> Withdrawal | None:
    return Withdrawal.objects.filter(patient_id=facts.patient.pk).first()


def chart_timeline(facts: ChartFacts, *, episodes: Sequence[JointEpisode],
                   limit: int) -> list[TimelineEntry]:
    """Return follow-up schedules, completed visits, questionnaires, tasks and withdrawal."""
    entries: list[TimelineEntry] = []
    manage = facts.user.may(Action.MANAGE_FOLLOW_UP)
    shown = {episode.pk for episode in episodes}
    schedules = [schedule for schedule in facts.rows(_schedules)
                 if schedule.episode_id in shown]
    for schedule in schedules[:limit]:
        entries.append(TimelineEntry(
            # A baseline schedule may start before any administration (no date yet).
            on=schedule.administered_on or localdate(schedule.created_at),
            at=schedule.created_at, what=_("Follow-up"),
            title=_("Follow-up started (protocol %(protocol)s)") % {"protocol": schedule.protocol},
            episode_id=schedule.episode_id,
            url=reverse("followup:schedule", args=[schedule.episode_id]) if manage else ""))
    completed = [visit for visit in facts.rows(_visits)
                 if visit.status == VisitState.COMPLETED and visit.schedule.episode_id in shown]
    for visit in completed[:limit]:
        entries.append(TimelineEntry(
            on=visit.completed_on or visit.target, what=_("Visit"),
            title=_("%(visit)s %(kind)s completed")
            % {"visit": visit.label, "kind": visit.get_kind_display().lower()},
            episode_id=visit.schedule.episode_id))
    responses = [response for response in facts.rows(chart_responses)
                 if response.episode_id in shown]
    for response in responses[:limit]:
        when = _("baseline") if response.timepoint == "baseline" else \
            response.timepoint.replace("_", " ")
        entries.append(TimelineEntry(
            on=response.completed_on, at=response.submitted_at, what=_("Questionnaire"),
            title=_("%(instrument)s (%(when)s)") % {
                "instrument": instrument_name(response.instrument_id), "when": when},
            detail=scores_in_words(response), episode_id=response.episode_id))
    tasks = [task for task in facts.rows(_tasks) if task.visit.schedule.episode_id in shown]
    for task in tasks[:limit]:
        entries.append(TimelineEntry(
            on=localdate(task.created_at), at=task.created_at, what=_("Task"),
            title=f"{task.get_kind_display()} ({task.get_status_display().lower()})",
            detail=task.outcome_note or task.detail, episode_id=task.visit.schedule.episode_id,
            tone="alert" if task.status == TaskStatus.OPEN
            and task.kind == TaskKind.COMPLICATION_REVIEW else "",
            url=reverse("followup:task-close", args=[task.pk])
            if manage and task.status == TaskStatus.OPEN else ""))
    withdrawal = facts.rows(_withdrawal)
    if withdrawal is not None:
        entries.append(TimelineEntry(
            on=withdrawal.withdrawn_on, what=_("Withdrawal"),
            title=_("Withdrew from follow-up"), detail=withdrawal.reason, tone="alert"))
    return entries


def _by_target(visit: ScheduledVisit) -> tuple[dt.date, int]:
    return visit.target, visit.pk


def joint_state(facts: ChartFacts) -> dict[int, str]:
    """Say where each joint's follow-up stands: the next visit, or that it is over."""
    if not facts.episodes:
        return {}
    today = facts.today
    withdrawal = facts.rows(_withdrawal)
    state: dict[int, str] = {}
    followed = {schedule.episode_id for schedule in facts.rows(_schedules)}
    pending = sorted((visit for visit in facts.rows(_visits)
                      if visit.status == VisitState.PENDING and visit.latest >= today),
                     key=_by_target)
    for visit in pending:
        episode_id = visit.schedule.episode_id
        if episode_id in state:
            continue
        if visit.target < today:
            state[episode_id] = _(
                "In follow-up: %(visit)s visit overdue (target %(target)s, window closes "
                "%(closes)s)") % {"visit": visit.label, "target": _day(visit.target),
                                  "closes": _day(visit.latest)}
        else:
            state[episode_id] = _("In follow-up: next %(visit)s visit due %(target)s") % {
                "visit": visit.label, "target": _day(visit.target)}
    for episode in facts.episodes:
        if episode.pk in followed and episode.pk not in state:
            state[episode.pk] = _("Follow-up visits all done or closed")
        if episode.pk in followed and withdrawal is not None:
            state[episode.pk] = _("Withdrawn from follow-up on %(day)s") % {
                "day": _day(withdrawal.withdrawn_on)}
    return state


def chart_alerts(facts: ChartFacts) -> list[ChartAlert]:
    """Flag overdue visits and reported complications awaiting review."""
    alerts = []
    today = facts.today
    manage = facts.user.may(Action.MANAGE_FOLLOW_UP)
    names = {episode.pk: str(episode) for episode in facts.episodes}
    # overdue(today), in Python: pending, its target passed, its window still open.
    visits = sorted((visit for visit in facts.rows(_visits)
                     if visit.status == VisitState.PENDING and visit.target < today
                     and visit.latest >= today), key=_by_target)[:5]
    for visit in visits:
        alerts.append(ChartAlert(
            text=_("Visit overdue: %(visit)s %(kind)s for the %(joint)s (target %(target)s, "
                   "window closes %(closes)s)") % {
                "visit": visit.label, "kind": visit.get_kind_display().lower(),
                "joint": names[visit.schedule.episode_id], "target": _day(visit.target),
                "closes": _day(visit.latest)},
            url=reverse("followup:schedule", args=[visit.schedule.episode_id]) if manage
            else ""))
    tasks = sorted((task for task in facts.rows(_tasks)
                    if task.status == TaskStatus.OPEN
                    and task.kind == TaskKind.COMPLICATION_REVIEW),
                   key=lambda task: (task.created_at, task.pk))[:5]
    for task in tasks:
        alerts.append(ChartAlert(
            text=_("Complication reported, awaiting review: %(report)s")
            % {"report": task.detail or task},
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
            kind=_("Visit overdue") if late else _("Visit due"), patient=episode.patient,
            joint=str(episode),
            detail=_("%(visit)s %(kind)s, window %(opens)s–%(closes)s") % {
                "visit": visit.label, "kind": visit.get_kind_display().lower(),
                "opens": date_format(visit.earliest, "d M"), "closes": _day(visit.latest)},
            action=_("Send the questionnaire link"), action_url=reverse(
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
            kind=_("Call") if call or task.kind == TaskKind.PRODUCT_LOOKBACK else _("Review"),
            patient=episode.patient, joint=str(episode),
            detail=task.get_kind_display() + (f": {task.detail}" if task.detail else ""),
            action=_("Record the call") if call else _("Record the review"),
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
        PatientFilter(name="stage", label=_("Stage"), choices=(
            ("in_follow_up", _("In follow-up")), ("withdrawn", _("Withdrawn from follow-up"))),
            condition=stage),
        PatientFilter(name="overdue", label=_("Overdue visit"),
                      choices=(("yes", _("Has an overdue visit")),), condition=is_overdue),
    ]
