"""What safety adds to the patient chart and the day list (hooks in web/stages.py).

Adverse events and conversions to joint replacement on the timeline; the chart's flag for
a serious adverse event that is still open (its regulatory reports not marked done, or the
patient not yet recovered); a replaced joint's state; the day list's reports falling due.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.urls import reverse

from orthoregen.web.accounts.access import scope
from orthoregen.web.accounts.roles import Action
from orthoregen.web.safety.models import AdverseEvent, AdverseOutcome, OutcomeEvent
from orthoregen.web.safety.services import earliest_due, open_serious_events
from orthoregen.web.stages import ChartAlert, DayRow, TimelineEntry

if TYPE_CHECKING:
    from orthoregen.web.accounts.models import User
    from orthoregen.web.clinic.models import JointEpisode, Patient

SETTLED = [AdverseOutcome.RECOVERED, AdverseOutcome.RECOVERED_WITH_SEQUELAE, AdverseOutcome.FATAL]


def open_serious(events: Any) -> Any:
    """Serious events with reports outstanding or a patient not yet recovered."""
    return events.exclude(seriousness=[]).filter(
        Q(reports_done_on__isnull=True) | ~Q(outcome__in=SETTLED))


def chart_timeline(patient: Patient, *, episodes: Sequence[JointEpisode], limit: int,
                   user: User) -> list[TimelineEntry]:
    """Return the patient's adverse events and these joints' outcome events."""
    entries: list[TimelineEntry] = []
    events = AdverseEvent.objects.filter(patient=patient) \
        .filter(Q(episode__in=episodes) | Q(episode__isnull=True)) \
        .order_by("-onset_on", "-id")[:limit]
    for event in events:
        serious = "Serious adverse event" if event.is_serious else "Adverse event"
        entries.append(TimelineEntry(
            on=event.onset_on, at=event.recorded_at, what=serious,
            title=f"{event.term_display}, CTCAE grade {event.ctcae_grade}",
            detail=f"{event.get_outcome_display()}"
                   + (f", resolved {event.resolved_on:%d %b %Y}" if event.resolved_on else "")
                   + ("" if not event.is_serious or event.reports_done_on
                      else "; regulatory reports outstanding"),
            episode_id=event.episode_id, tone="alert" if event.is_serious else "",
            url=reverse("safety:ae-detail", args=[event.pk])))
    for outcome in OutcomeEvent.objects.filter(episode__in=episodes) \
            .order_by("-occurred_on")[:limit]:
        entries.append(TimelineEntry(
            on=outcome.occurred_on, what="Outcome event", title=outcome.get_kind_display(),
            detail=outcome.note, episode_id=outcome.episode_id))
    return entries


def chart_alerts(patient: Patient, *, user: User, today: dt.date) -> list[ChartAlert]:
    """Flag each open serious adverse event of the patient."""
    events = open_serious(AdverseEvent.objects.filter(patient=patient)) \
        .select_related("episode").order_by("-onset_on")[:5]
    alerts = []
    for event in events:
        where = f" ({event.episode})" if event.episode else ""
        pending = "reports outstanding" if event.reports_done_on is None else \
            event.get_outcome_display().lower()
        alerts.append(ChartAlert(
            level="danger",
            text=f"Serious adverse event open: {event.term_display}{where}, onset "
                 f"{event.onset_on:%d %b %Y}; {pending}",
            url=reverse("safety:ae-detail", args=[event.pk])))
    return alerts


def joint_state(episodes: Sequence[JointEpisode]) -> dict[int, str]:
    """Say which joints were replaced: their injection follow-up has ended."""
    return {outcome.episode_id: f"Converted to joint replacement on "
                                f"{outcome.occurred_on:%d %b %Y}; follow-up ended"
            for outcome in OutcomeEvent.objects.filter(episode__in=episodes)}


def day_list(user: User, *, sites: Sequence[Any], start: dt.date, end: dt.date,
             today: dt.date) -> list[DayRow]:
    """Return serious events whose first regulatory report falls due by the period's end."""
    if not user.may(Action.RECORD_ADVERSE_EVENT):
        return []
    events = open_serious_events(scope(AdverseEvent.objects, user)
                                 .filter(patient__site__in=sites)) \
        .select_related("patient__site", "episode").order_by("aware_on", "id")[:200]
    rows = []
    for event in events:
        due = earliest_due(event)
        if due is not None and due > end:
            continue
        rows.append(DayRow(
            on=max(due or today, start), kind="Report due", patient=event.patient,
            joint=str(event.episode or ""),
            detail=f"Serious adverse event: {event.term_display}"
                   + (f", first report due {due:%d %b %Y}" if due else ""),
            action="Open the event", action_url=reverse("safety:ae-detail", args=[event.pk])))
    return rows
