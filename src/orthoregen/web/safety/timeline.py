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
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from orthoregen.web.accounts.access import scope
from orthoregen.web.accounts.roles import Action
from orthoregen.web.safety.models import AdverseEvent, AdverseOutcome, OutcomeEvent
from orthoregen.web.safety.services import earliest_due, open_serious_events
from orthoregen.web.stages import ChartAlert, ChartFacts, DayRow, TimelineEntry

if TYPE_CHECKING:
    from orthoregen.web.accounts.models import User
    from orthoregen.web.clinic.models import JointEpisode

SETTLED = [AdverseOutcome.RECOVERED, AdverseOutcome.RECOVERED_WITH_SEQUELAE, AdverseOutcome.FATAL]


def open_serious(events: Any) -> Any:
    """Serious events with reports outstanding or a patient not yet recovered."""
    return events.exclude(seriousness=[]).filter(
        Q(reports_done_on__isnull=True) | ~Q(outcome__in=SETTLED))


def _adverse_events(facts: ChartFacts) -> list[AdverseEvent]:
    """Read once per chart: the patient's adverse events, the latest onset first."""
    return list(AdverseEvent.objects.filter(patient_id=facts.patient.pk)
                .select_related("episode").order_by("-onset_on", "-id"))


def _outcome_events(facts: ChartFacts) -> list[OutcomeEvent]:
    return list(OutcomeEvent.objects.filter(episode_id__in=facts.episode_ids)
                .order_by("occurred_on", "id"))


def is_open_serious(event: AdverseEvent) -> bool:
    """open_serious for one event: serious, and reports outstanding or not yet recovered."""
    return event.seriousness != [] and (event.reports_done_on is None
                                        or event.outcome not in SETTLED)


def _day(day: dt.date) -> str:
    return date_format(day, "d M Y")


def chart_timeline(facts: ChartFacts, *, episodes: Sequence[JointEpisode],
                   limit: int) -> list[TimelineEntry]:
    """Return the patient's adverse events and these joints' outcome events."""
    entries: list[TimelineEntry] = []
    shown = {episode.pk for episode in episodes}
    events = [event for event in facts.rows(_adverse_events)
              if event.episode_id is None or event.episode_id in shown]
    for event in events[:limit]:
        serious = _("Serious adverse event") if event.is_serious else _("Adverse event")
        entries.append(TimelineEntry(
            on=event.onset_on, at=event.recorded_at, what=serious,
            title=_("%(term)s, CTCAE grade %(grade)s") % {
                "term": event.term_display, "grade": event.ctcae_grade},
            detail=str(event.get_outcome_display())
                   + (", " + _("resolved %(day)s") % {"day": _day(event.resolved_on)}
                      if event.resolved_on else "")
                   + ("" if not event.is_serious or event.reports_done_on
                      else "; " + _("regulatory reports outstanding")),
            episode_id=event.episode_id, tone="alert" if event.is_serious else "",
            url=reverse("safety:ae-detail", args=[event.pk])))
    # Newest first; a sort keeps the order it was given among equals (here, by id).
    outcomes = sorted((outcome for outcome in facts.rows(_outcome_events)
                       if outcome.episode_id in shown),
                      key=lambda outcome: outcome.occurred_on, reverse=True)
    for outcome in outcomes[:limit]:
        entries.append(TimelineEntry(
            on=outcome.occurred_on, what=_("Outcome event"), title=outcome.get_kind_display(),
            detail=outcome.note, episode_id=outcome.episode_id))
    return entries


def chart_alerts(facts: ChartFacts) -> list[ChartAlert]:
    """Flag each open serious adverse event of the patient."""
    events = [event for event in facts.rows(_adverse_events) if is_open_serious(event)][:5]
    alerts = []
    for event in events:
        where = f" ({event.episode})" if event.episode else ""
        pending = _("reports outstanding") if event.reports_done_on is None else \
            event.get_outcome_display().lower()
        alerts.append(ChartAlert(
            level="danger",
            text=_("Serious adverse event open: %(term)s%(joint)s, onset %(onset)s; "
                   "%(pending)s") % {"term": event.term_display, "joint": where,
                                     "onset": _day(event.onset_on), "pending": pending},
            url=reverse("safety:ae-detail", args=[event.pk])))
    return alerts


def joint_state(facts: ChartFacts) -> dict[int, str]:
    """Say which joints were replaced: their injection follow-up has ended."""
    return {outcome.episode_id: _("Converted to joint replacement on %(day)s; follow-up ended")
            % {"day": _day(outcome.occurred_on)}
            for outcome in facts.rows(_outcome_events)}


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
            on=max(due or today, start), kind=_("Report due"), patient=event.patient,
            joint=str(event.episode or ""),
            detail=_("Serious adverse event: %(term)s") % {"term": event.term_display}
                   + (", " + _("first report due %(day)s") % {"day": _day(due)} if due else ""),
            action=_("Open the event"), action_url=reverse("safety:ae-detail", args=[event.pk])))
    return rows
