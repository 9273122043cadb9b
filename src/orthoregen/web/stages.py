"""The clinic's pathway, stage by stage, and what each stage adds to pages it does not own.

A stage's app imports only the stages before it (tests/test_stage_order.py). Where an
earlier stage shows or starts what a later one knows — the patient chart's lines about each
joint, the navigation, the coordinator's alerts, the follow-up schedule an administration
starts — the later stage declares it here and the earlier one asks this registry. Hooks are
dotted paths, imported on first use, so reading this file never loads a stage's models; and
nothing is discovered by looking for attributes on app configs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

from django.utils.module_loading import import_string
from django.utils.translation import gettext_noop

from orthoregen.web.accounts.roles import Action

if TYPE_CHECKING:
    from django.db.models import Model, Q

    from orthoregen.web.accounts.models import User


@dataclass(frozen=True, kw_only=True)
class NavLink:
    label: str  # marked with gettext_noop; base.html translates it when the page is drawn
    url_name: str
    action: Action


@dataclass(frozen=True, kw_only=True)
class Stage:
    """One room of the clinic: its app label, navigation and the hooks it provides."""

    app: str
    nav: tuple[NavLink, ...] = ()
    # (facts) -> {episode id: [{"label": ..., "value": ...}]}: lines on the patient chart.
    chart_panels: str = ""
    # (user) -> {"template": ..., ...}: shown at the top of the follow-up worklist.
    worklist_alerts: str = ""
    # (decision, *, by) -> None: a candidacy decision was recorded; runs in its transaction.
    after_decision: str = ""
    # (administration, *, by) -> None: runs in the administration's own transaction.
    after_administration: str = ""
    # (administrations, *, reason, by) -> None: a look-back reached these recipients (a donor
    # re-opened, a lot recalled); runs in the cell lab's transaction.
    after_lookback: str = ""
    # (episode, *, user) -> [{"template", "anchor", "title", ...}]: consultation page sections.
    consultation_panels: str = ""
    # (facts, *, episodes, limit) -> [TimelineEntry]: the chart's timeline, newest first, at
    # most `limit`, of these episodes (some of facts.episodes) and the patient's own
    # (episode_id None).
    chart_timeline: str = ""
    # (facts) -> [ChartAlert]: flags at the top of the patient chart.
    chart_alerts: str = ""
    # (facts) -> {episode id: words}: each joint's state; the latest stage's words win.
    joint_state: str = ""
    # (user, *, sites, start, end, today) -> [DayRow]: the day list's rows for these sites.
    day_list: str = ""
    # (user, *, today) -> [PatientFilter]: filters of the patient list on a stage's data.
    patient_filters: str = ""


T = TypeVar("T")


class ChartFacts:
    """One patient's chart for one request: who asks, the joints, and each table read once.

    The clinic's patient page makes one and hands it to every chart hook (panels, joint
    state, timeline, alerts). A stage reads a table through ``rows(load)``: the first call
    runs ``load(facts)``, later calls return the same rows, so the decisions read for a
    joint's state also give its panel line and its timeline entries.
    """

    def __init__(self, patient: Model, *, episodes: Sequence[Model], user: User,
                 today: dt.date) -> None:
        self.patient = patient
        self.episodes = tuple(episodes)  # all the patient's joints, whatever the page shows
        self.episode_ids = tuple(episode.pk for episode in self.episodes)
        self.user = user
        self.today = today
        self._rows: dict[Callable[..., Any], Any] = {}

    def rows(self, load: Callable[[ChartFacts], T]) -> T:
        """Return what ``load`` reads for this chart, reading it on the first call only."""
        if load not in self._rows:
            self._rows[load] = load(self)
        found: T = self._rows[load]
        return found


@dataclass(frozen=True, kw_only=True)
class TimelineEntry:
    """One dated line of the patient chart's timeline."""

    on: dt.date
    at: dt.datetime | None = None  # orders entries of one day; None sorts first
    what: str  # the kind of entry in words: "Candidacy decision", "Questionnaire"
    title: str
    detail: str = ""
    episode_id: int | None = None  # None: about the patient, not one joint
    url: str = ""
    tone: str = ""  # "alert" for an entry a clinician must not miss


@dataclass(frozen=True, kw_only=True)
class ChartAlert:
    """A flag at the top of the patient chart."""

    text: str
    url: str = ""
    level: str = "warning"  # "danger" for a serious event, "warning" otherwise


@dataclass(frozen=True, kw_only=True)
class DayRow:
    """One row of the day list: what is on, for whom, and the next action."""

    on: dt.date
    kind: str  # "Consultation", "Procedure", "Visit due", "Call", "Review", ...
    patient: Model
    joint: str = ""
    detail: str = ""
    action: str = ""
    action_url: str = ""


@dataclass(frozen=True, kw_only=True)
class PatientFilter:
    """A filter of the patient list; filters of one name from several stages share a select.

    ``condition(value)`` returns the condition on Patient for one of this stage's choices,
    or None for a value it does not know.
    """

    name: str
    label: str
    choices: tuple[tuple[str, str], ...]
    condition: Callable[[str], Q | None]


# Django apps every stage may import: who is asking, for which site, and the audit trail.
FOUNDATION = ("accounts", "audit", "clinic")

STAGES: tuple[Stage, ...] = (
    Stage(app="clinic",
          nav=(NavLink(label=gettext_noop("Patients"), url_name="patient-list",
                       action=Action.VIEW_PATIENT),
               NavLink(label=gettext_noop("Day list"), url_name="day-list",
                       action=Action.VIEW_PATIENT))),
    Stage(app="consultation",
          nav=(NavLink(label=gettext_noop("Protocols"), url_name="consultation:protocols",
                       action=Action.MANAGE_PROTOCOLS),),
          chart_panels="orthoregen.web.consultation.timeline.latest_decisions",
          chart_timeline="orthoregen.web.consultation.timeline.chart_timeline",
          chart_alerts="orthoregen.web.consultation.timeline.chart_alerts",
          joint_state="orthoregen.web.consultation.timeline.joint_state",
          day_list="orthoregen.web.consultation.timeline.day_list",
          patient_filters="orthoregen.web.consultation.timeline.patient_filters"),
    Stage(app="cellbank",
          nav=(NavLink(label=gettext_noop("Cell lab"), url_name="cellbank:units",
                       action=Action.MANAGE_PRODUCTS),
               NavLink(label=gettext_noop("Release specifications"),
                       url_name="cellbank:spec-list", action=Action.MANAGE_RELEASE_SPECS)),
          chart_panels="orthoregen.web.cellbank.panels.open_investigations",
          chart_timeline="orthoregen.web.cellbank.timeline.chart_timeline",
          chart_alerts="orthoregen.web.cellbank.timeline.chart_alerts",
          day_list="orthoregen.web.cellbank.timeline.day_list"),
    Stage(app="procedures",
          chart_timeline="orthoregen.web.procedures.timeline.chart_timeline",
          joint_state="orthoregen.web.procedures.timeline.joint_state",
          day_list="orthoregen.web.procedures.timeline.day_list"),
    Stage(app="followup",
          nav=(NavLink(label=gettext_noop("Follow-up"), url_name="followup:worklist",
                       action=Action.MANAGE_FOLLOW_UP),),
          chart_panels="orthoregen.web.followup.panels.latest_scores",
          after_decision="orthoregen.web.followup.services.baseline_after_decision",
          after_administration="orthoregen.web.followup.services.schedule_after_administration",
          after_lookback="orthoregen.web.followup.services.lookback_tasks_create",
          chart_timeline="orthoregen.web.followup.timeline.chart_timeline",
          chart_alerts="orthoregen.web.followup.timeline.chart_alerts",
          joint_state="orthoregen.web.followup.timeline.joint_state",
          day_list="orthoregen.web.followup.timeline.day_list",
          patient_filters="orthoregen.web.followup.timeline.patient_filters"),
    Stage(app="safety",
          worklist_alerts="orthoregen.web.safety.panels.serious_events_alert",
          chart_timeline="orthoregen.web.safety.timeline.chart_timeline",
          chart_alerts="orthoregen.web.safety.timeline.chart_alerts",
          joint_state="orthoregen.web.safety.timeline.joint_state",
          day_list="orthoregen.web.safety.timeline.day_list"),
    Stage(app="portal"),
    Stage(app="evidence"),
    Stage(app="registry",
          nav=(NavLink(label=gettext_noop("Outcomes"), url_name="registry:dashboard",
                       action=Action.VIEW_REGISTRY),),
          consultation_panels="orthoregen.web.registry.panels.patients_like_you"),
    # What comes in and goes out: MRI studies, bulk imports and REDCap, the API and FHIR.
    Stage(app="imaging",
          nav=(NavLink(label=gettext_noop("MRI"), url_name="imaging:upload",
                       action=Action.MANAGE_FOLLOW_UP),),
          chart_panels="orthoregen.web.imaging.panels.mri_studies"),
    Stage(app="imports",
          nav=(NavLink(label=gettext_noop("Import"), url_name="imports:upload",
                       action=Action.IMPORT_DATA),)),
    Stage(app="api"),
    Stage(app="fhir"),
)

STAGE_ORDER: tuple[str, ...] = tuple(stage.app for stage in STAGES)


@cache
def _hooks(name: str) -> tuple[Callable[..., Any], ...]:
    return tuple(import_string(path) for stage in STAGES if (path := getattr(stage, name)))


def chart_panels(facts: ChartFacts) -> dict[int, list[dict]]:
    """Collect every stage's lines about each of a patient's joints, in pathway order."""
    panels: dict[int, list[dict]] = {episode.pk: [] for episode in facts.episodes}
    for contribute in _hooks("chart_panels"):
        for episode_id, lines in contribute(facts).items():
            panels.setdefault(episode_id, []).extend(lines)
    return panels


def worklist_alerts(user: User) -> list[dict]:
    """Return each later stage's alert box for the follow-up worklist (empty ones left out)."""
    return [alert for provide in _hooks("worklist_alerts") if (alert := provide(user))]


def after_decision(decision: Model, *, by: User) -> None:
    """Start the work later stages owe a candidacy decision, inside its transaction."""
    for follow_on in _hooks("after_decision"):
        follow_on(decision, by=by)


def after_administration(administration: Model, *, by: User) -> None:
    """Start the work later stages owe an administration, inside its transaction."""
    for follow_on in _hooks("after_administration"):
        follow_on(administration, by=by)


def after_lookback(administrations: Iterable[Model], *, reason: str, by: User) -> None:
    """Give later stages the recipients a look-back reached, inside its transaction."""
    for follow_on in _hooks("after_lookback"):
        follow_on(administrations, reason=reason, by=by)


def consultation_panels(episode: Model, *, user: User) -> list[dict]:
    """Return later stages' sections for a joint's consultation page, in pathway order."""
    return [panel for provide in _hooks("consultation_panels")
            for panel in provide(episode, user=user)]


def chart_timeline(facts: ChartFacts, *, episodes: Sequence[Model],
                   limit: int) -> list[TimelineEntry]:
    """Return the newest `limit` entries every later stage has about a patient, newest first."""
    entries = [entry for provide in _hooks("chart_timeline")
               for entry in provide(facts, episodes=episodes, limit=limit)]
    entries.sort(key=_newest_first, reverse=True)
    return entries[:limit]


def _newest_first(entry: TimelineEntry) -> tuple[dt.date, float]:
    return entry.on, entry.at.timestamp() if entry.at else 0.0


def chart_alerts(facts: ChartFacts) -> list[ChartAlert]:
    """Return every later stage's flags about a patient, the dangerous ones first."""
    alerts = [alert for provide in _hooks("chart_alerts") for alert in provide(facts)]
    return sorted(alerts, key=lambda alert: alert.level != "danger")


def joint_state(facts: ChartFacts) -> dict[int, str]:
    """Return each joint's state in words: the furthest stage that has something to say."""
    state: dict[int, str] = {}
    for provide in _hooks("joint_state"):
        state.update(provide(facts))
    return state


def day_list(user: User, *, sites: Iterable[Model], start: dt.date, end: dt.date,
             today: dt.date) -> list[DayRow]:
    """Return every later stage's rows for the user's day list between two dates."""
    sites = list(sites)
    return [row for provide in _hooks("day_list")
            for row in provide(user, sites=sites, start=start, end=end, today=today)]


def patient_filters(user: User, *, today: dt.date) -> list[PatientFilter]:
    """Return later stages' filters of the patient list, in pathway order."""
    return [found for provide in _hooks("patient_filters")
            for found in provide(user, today=today)]


def nav_links(can: dict[str, bool]) -> list[NavLink]:
    """Return the navigation the user's role may follow, in pathway order."""
    return [link for stage in STAGES for link in stage.nav if can.get(link.action)]
