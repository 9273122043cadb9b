"""The latest questionnaire scores of each episode, for the patient page."""

from __future__ import annotations

from orthoregen.instruments import display_value, get_instrument
from orthoregen.web.followup.models import QuestionnaireResponse
from orthoregen.web.followup.timeline import chart_responses
from orthoregen.web.stages import ChartFacts


def latest_scores(facts: ChartFacts) -> dict[int, list[dict]]:
    """Return one line per instrument with the latest scores of each episode."""
    latest: dict[tuple[int, str], QuestionnaireResponse] = {}
    for response in facts.rows(chart_responses):  # the latest first
        latest.setdefault((response.episode_id, response.instrument_id), response)
    panels: dict[int, list[dict]] = {}
    for (episode_id, instrument_id), response in sorted(latest.items()):
        instrument = get_instrument(instrument_id)
        values = ", ".join(
            f"{s.name} {display_value(instrument_id, s.id, response.scores.get(s.id)):g}"
            for s in instrument.subscales if response.scores.get(s.id) is not None)
        panels.setdefault(episode_id, []).append({
            "label": instrument.name,
            "value": f"{values or 'not scorable'} ({response.completed_on:%d %b %Y})",
        })
    return panels
