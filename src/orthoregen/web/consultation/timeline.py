"""What the consultation adds to the patient chart and the day list (hooks in web/stages.py).

The timeline's intakes, decisions and consents; each joint's state in the words of its
latest decision ("Cleared to proceed by override", never the protocol's "Defer" read as the
decision); an allergy flag when the consultation records allergies; and the day list's
consultations still awaiting a candidacy decision.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from orthoregen.pathways import Outcome
from orthoregen.web.accounts.access import scope
from orthoregen.web.accounts.roles import Action
from orthoregen.web.consultation.models import CandidacyDecision, ConsentRecord, Intake
from orthoregen.web.consultation.models.vocabulary import DecisionKind
from orthoregen.web.consultation.panels import patient_allergies
from orthoregen.web.stages import ChartAlert, ChartFacts, DayRow, PatientFilter, TimelineEntry

if TYPE_CHECKING:
    from orthoregen.web.accounts.models import User
    from orthoregen.web.clinic.models import JointEpisode


def _on(day: dt.date | None) -> str:
    return date_format(day, "d M Y") if day else ""


def _who(user: Any) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else _("unrecorded")


def decision_words(decision: CandidacyDecision) -> str:
    """Say what a decision means for the joint, the way a clinician reads it at a glance."""
    if decision.kind == DecisionKind.OVERRIDE:
        # The protocol's result stays on record; the decision is to proceed.
        return _("Cleared to proceed by override (%(who)s, %(on)s), against the protocol's "
                 "“%(outcome)s”") % {"who": _who(decision.decided_by),
                                     "on": _on(decision.decided_on),
                                     "outcome": decision.get_outcome_display()}
    words = {"who": _who(decision.decided_by), "on": _on(decision.decided_on)}
    if decision.kind == DecisionKind.DECLINE:
        return _("Declined: not to be treated (%(who)s, %(on)s)") % words
    outcome = decision.outcome
    if outcome == Outcome.SUITABLE_DISCUSS:
        return _("Suitable: cleared to proceed after discussing expectations (%(on)s)") % words
    if outcome == Outcome.SUITABLE:
        return _("Suitable: cleared to proceed (%(on)s)") % words
    if outcome == Outcome.DEFER:
        if decision.defer_until:
            return _("Deferred until %(until)s (decided %(on)s)") % {
                **words, "until": _on(decision.defer_until)}
        return _("Deferred (decided %(on)s)") % words
    if outcome == Outcome.NOT_SUITABLE:
        return _("Not suitable: not to be treated (%(on)s)") % words
    return f"{decision.get_outcome_display()} ({_on(decision.decided_on)})"


# Each table once per chart (ChartFacts.rows): the state, the panel and the timeline share
# these rows; the timeline keeps the joints it shows.

def _intakes(facts: ChartFacts) -> list[Intake]:
    return list(Intake.objects.filter(episode_id__in=facts.episode_ids)
                .select_related("entered_by").order_by("-recorded_on", "id"))


def _decisions(facts: ChartFacts) -> list[CandidacyDecision]:
    """Each joint's decisions, the latest first."""
    return list(CandidacyDecision.objects.filter(episode_id__in=facts.episode_ids)
                .select_related("decided_by")
                .order_by("episode_id", "-decided_on", "-decided_at", "-id"))


def _consents(facts: ChartFacts) -> list[ConsentRecord]:
    """Each joint's consents, the latest first."""
    return list(ConsentRecord.objects.filter(episode_id__in=facts.episode_ids)
                .select_related("document", "taken_by")
                .order_by("episode_id", "-consented_on", "-id"))


def joint_state(facts: ChartFacts) -> dict[int, str]:
    """Return each joint's state from its intake, latest decision and consent."""
    state: dict[int, str] = {}
    for intake in facts.rows(_intakes):
        state[intake.episode_id] = _("Intake recorded %(on)s; awaiting the candidacy decision") % {
            "on": _on(intake.recorded_on)}
    decided: set[int] = set()
    for decision in facts.rows(_decisions):
        if decision.episode_id not in decided:
            decided.add(decision.episode_id)
            state[decision.episode_id] = decision_words(decision)
    seen: set[int] = set()
    for consent in facts.rows(_consents):
        if consent.episode_id in seen:
            continue
        seen.add(consent.episode_id)
        if consent.is_withdrawn:
            state[consent.episode_id] = _("Consent withdrawn %(on)s") % {
                "on": _on(consent.withdrawn_on)}
        elif consent.episode_id in state:
            state[consent.episode_id] += "; " + _("consent recorded %(on)s") % {
                "on": _on(consent.consented_on)}
    return state


R = TypeVar("R", CandidacyDecision, ConsentRecord)


def _newest(rows: Iterable[R], shown: set[int], day: str, limit: int) -> list[R]:
    """Return the rows of the shown episodes, newest ``day`` first (then newest row)."""
    return sorted((row for row in rows if row.episode_id in shown),
                  key=lambda row: (getattr(row, day), row.pk), reverse=True)[:limit]


def chart_timeline(facts: ChartFacts, *, episodes: Sequence[JointEpisode],
                   limit: int) -> list[TimelineEntry]:
    """Return the patient's intakes, candidacy decisions and consents, newest first."""
    shown = {episode.pk for episode in episodes}
    entries: list[TimelineEntry] = []
    intakes = [intake for intake in facts.rows(_intakes) if intake.episode_id in shown]
    for intake in intakes[:limit]:
        entries.append(TimelineEntry(
            on=intake.recorded_on, at=intake.entered_at, what=_("Consultation"),
            title=_("Intake recorded"),
            detail=_("entered by %(who)s") % {"who": _who(intake.entered_by)},
            episode_id=intake.episode_id,
            url=reverse("consultation:episode", args=[intake.episode_id])))
    for decision in _newest(facts.rows(_decisions), shown, "decided_on", limit):
        entries.append(TimelineEntry(
            on=decision.decided_on, at=decision.decided_at,
            what=_("Override") if decision.is_override else _("Candidacy decision"),
            title=decision_words(decision), detail=decision.reason,
            episode_id=decision.episode_id,
            url=reverse("consultation:episode", args=[decision.episode_id])))
    for consent in _newest(facts.rows(_consents), shown, "consented_on", limit):
        entries.append(TimelineEntry(
            on=consent.consented_on, at=consent.recorded_at, what=_("Consent"),
            title=_("Consent recorded: %(title)s, version %(version)s") % {
                "title": consent.document.title, "version": consent.document.version},
            detail=_("given by %(person)s (%(as)s), taken by %(who)s") % {
                "person": consent.consenting_person,
                "as": consent.get_consenting_as_display().lower(),
                "who": _who(consent.taken_by)},
            episode_id=consent.episode_id,
            url=reverse("consultation:episode", args=[consent.episode_id])))
        if consent.withdrawn_on:
            entries.append(TimelineEntry(
                on=consent.withdrawn_on, at=consent.withdrawal_recorded_at,
                what=_("Consent"), title=_("Consent withdrawn"),
                detail=consent.withdrawal_reason,
                episode_id=consent.episode_id, tone="alert",
                url=reverse("consultation:episode", args=[consent.episode_id])))
    return entries


def chart_alerts(facts: ChartFacts) -> list[ChartAlert]:
    """Return an allergy flag for each current allergy (not those removed in error)."""
    return [ChartAlert(text=_("Allergy: %(allergy)s") % {"allergy": line.text}, level="danger")
            for line in patient_allergies(facts.patient.pk)[:10]]


def day_list(user: User, *, sites: Sequence[Any], start: dt.date, end: dt.date,
             today: dt.date) -> list[DayRow]:
    """Return intakes recorded in the period whose joint has no decision yet."""
    if not user.may(Action.DECIDE_CANDIDACY) and not user.may(Action.ENTER_INTAKE):
        return []
    undecided = scope(Intake.objects, user).filter(
        episode__patient__site__in=sites, recorded_on__range=(start, end)) \
        .exclude(Exists(CandidacyDecision.objects.filter(episode=OuterRef("episode")))) \
        .select_related("episode__patient__site").order_by("recorded_on", "id")[:200]
    deciding = user.may(Action.DECIDE_CANDIDACY)
    return [DayRow(on=intake.recorded_on, kind=_("Consultation"),
                   patient=intake.episode.patient, joint=str(intake.episode),
                   detail=_("Intake recorded; no candidacy decision yet"),
                   action=_("Decide candidacy") if deciding else _("Complete the intake"),
                   action_url=reverse("consultation:decide" if deciding
                                      else "consultation:episode", args=[intake.episode_id]))
            for intake in undecided]


def patient_filters(user: User, *, today: dt.date) -> list[PatientFilter]:
    """Offer the consultation's stages and clinicians to the patient list's filters."""
    def stage(value: str) -> Q | None:
        decided = CandidacyDecision.objects.filter(episode__patient=OuterRef("pk"))
        if value == "awaiting_decision":
            return Q(Exists(Intake.objects.filter(episode__patient=OuterRef("pk"))
                            .exclude(Exists(CandidacyDecision.objects.filter(
                                episode=OuterRef("episode"))))))
        if value == "cleared":
            return Q(Exists(decided.filter(
                Q(kind=DecisionKind.OVERRIDE)
                | Q(kind=DecisionKind.AGREE,
                    outcome__in=[Outcome.SUITABLE, Outcome.SUITABLE_DISCUSS]))))
        if value == "deferred":
            return Q(Exists(decided.filter(kind=DecisionKind.AGREE, outcome=Outcome.DEFER,
                                           defer_until__gte=today)))
        return None

    def clinician(value: str) -> Q | None:
        if not value.isdigit():
            return None
        return Q(Exists(CandidacyDecision.objects.filter(episode__patient=OuterRef("pk"),
                                                         decided_by_id=int(value))))

    return [
        PatientFilter(name="stage", label=_("Stage"), choices=(
            ("awaiting_decision", _("Awaiting a candidacy decision")),
            ("cleared", _("Cleared to proceed")),
            ("deferred", _("Deferred")),
        ), condition=stage),
        PatientFilter(name="clinician", label=_("Clinician"), choices=(), condition=clinician),
    ]


def latest_decisions(facts: ChartFacts) -> dict[int, list[dict]]:
    """Return each joint's latest candidacy decision in words, for the chart's joint panel.

    Replaces panels.latest_decisions on the chart: "Defer — override …, until …" read as a
    deferral when the clinician had cleared the joint to proceed.
    """
    panels: dict[int, list[dict]] = {}
    for decision in facts.rows(_decisions):
        if decision.episode_id not in panels:
            panels[decision.episode_id] = [{"label": _("Candidacy"),
                                            "value": decision_words(decision)}]
    return panels
