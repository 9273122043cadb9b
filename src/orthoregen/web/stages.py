"""The clinic's pathway, stage by stage, and what each stage adds to pages it does not own.

A stage's app imports only the stages before it (tests/test_stage_order.py). Where an
earlier stage shows or starts what a later one knows — the patient chart's lines about each
joint, the navigation, the coordinator's alerts, the follow-up schedule an administration
starts — the later stage declares it here and the earlier one asks this registry. Hooks are
dotted paths, imported on first use, so reading this file never loads a stage's models; and
nothing is discovered by looking for attributes on app configs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from django.utils.module_loading import import_string

from orthoregen.web.accounts.roles import Action

if TYPE_CHECKING:
    from django.db.models import Model

    from orthoregen.web.accounts.models import User


@dataclass(frozen=True, kw_only=True)
class NavLink:
    label: str
    url_name: str
    action: Action


@dataclass(frozen=True, kw_only=True)
class Stage:
    """One room of the clinic: its app label, navigation and the hooks it provides."""

    app: str
    nav: tuple[NavLink, ...] = ()
    # (episodes) -> {episode id: [{"label": ..., "value": ...}]}: lines on the patient chart.
    chart_panels: str = ""
    # (user) -> {"template": ..., ...}: shown at the top of the follow-up worklist.
    worklist_alerts: str = ""
    # (administration, *, by) -> None: runs in the administration's own transaction.
    after_administration: str = ""
    # (administrations, *, reason, by) -> None: a look-back reached these recipients (a donor
    # re-opened, a lot recalled); runs in the cell lab's transaction.
    after_lookback: str = ""
    # (episode, *, user) -> [{"template", "anchor", "title", ...}]: consultation page sections.
    consultation_panels: str = ""


# Django apps every stage may import: who is asking, for which site, and the audit trail.
FOUNDATION = ("accounts", "audit", "clinic")

STAGES: tuple[Stage, ...] = (
    Stage(app="clinic",
          nav=(NavLink(label="Patients", url_name="patient-list", action=Action.VIEW_PATIENT),)),
    Stage(app="consultation",
          nav=(NavLink(label="Protocols", url_name="consultation:protocols",
                       action=Action.MANAGE_PROTOCOLS),),
          chart_panels="orthoregen.web.consultation.panels.latest_decisions"),
    Stage(app="cellbank",
          nav=(NavLink(label="Cell lab", url_name="cellbank:units",
                       action=Action.MANAGE_PRODUCTS),),
          chart_panels="orthoregen.web.cellbank.panels.open_investigations"),
    Stage(app="procedures"),
    Stage(app="followup",
          nav=(NavLink(label="Follow-up", url_name="followup:worklist",
                       action=Action.MANAGE_FOLLOW_UP),),
          chart_panels="orthoregen.web.followup.panels.latest_scores",
          after_administration="orthoregen.web.followup.services.schedule_after_administration",
          after_lookback="orthoregen.web.followup.services.lookback_tasks_create"),
    Stage(app="safety",
          worklist_alerts="orthoregen.web.safety.panels.serious_events_alert"),
    Stage(app="portal"),
    Stage(app="evidence"),
    Stage(app="registry",
          nav=(NavLink(label="Outcomes", url_name="registry:dashboard",
                       action=Action.VIEW_REGISTRY),),
          consultation_panels="orthoregen.web.registry.panels.patients_like_you"),
    # What comes in and goes out: MRI studies, bulk imports and REDCap, the API and FHIR.
    Stage(app="imaging"),
    Stage(app="imports"),
    Stage(app="api"),
    Stage(app="fhir"),
)

STAGE_ORDER: tuple[str, ...] = tuple(stage.app for stage in STAGES)


@cache
def _hooks(name: str) -> tuple[Callable[..., Any], ...]:
    return tuple(import_string(path) for stage in STAGES if (path := getattr(stage, name)))


def chart_panels(episodes: Sequence[Model]) -> dict[int, list[dict]]:
    """Collect every stage's lines about each of a patient's joints, in pathway order."""
    panels: dict[int, list[dict]] = {episode.pk: [] for episode in episodes}
    for contribute in _hooks("chart_panels"):
        for episode_id, lines in contribute(episodes).items():
            panels.setdefault(episode_id, []).extend(lines)
    return panels


def worklist_alerts(user: User) -> list[dict]:
    """Return each later stage's alert box for the follow-up worklist (empty ones left out)."""
    return [alert for provide in _hooks("worklist_alerts") if (alert := provide(user))]


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


def nav_links(can: dict[str, bool]) -> list[NavLink]:
    """Return the navigation the user's role may follow, in pathway order."""
    return [link for stage in STAGES for link in stage.nav if can.get(link.action)]
