"""The latest candidacy decision of each episode, for the patient page."""

from __future__ import annotations

from orthoregen.web.consultation.models import CandidacyDecision


def latest_decisions(episodes: list) -> dict[int, list[dict]]:
    """Return the latest recorded decision of each episode, marking overrides."""
    panels: dict[int, list[dict]] = {}
    decisions = CandidacyDecision.objects.filter(episode__in=episodes) \
        .order_by("episode_id", "-decided_on", "-id")
    for decision in decisions:
        if decision.episode_id in panels:
            continue
        text = f"{decision.get_outcome_display()} — {decision.get_kind_display().lower()}"
        if decision.defer_until:
            text += f", until {decision.defer_until:%d %b %Y}"
        panels[decision.episode_id] = [{
            "label": "Candidacy", "value": f"{text} ({decision.decided_on:%d %b %Y})"}]
    return panels
