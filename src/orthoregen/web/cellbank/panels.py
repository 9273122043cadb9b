"""Open product investigations of each episode, for the patient page (clinic.panels)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.timezone import localtime

from orthoregen.web.cellbank.timeline import chart_investigations
from orthoregen.web.cellbank.vocabulary import InvestigationStatus
from orthoregen.web.stages import ChartFacts


def open_investigations(facts: ChartFacts) -> dict[int, list[dict]]:
    """Return one linked line per open investigation that lists a joint of these episodes."""
    joints = {episode.pk for episode in facts.episodes}
    entries = sorted((entry for entry in facts.rows(chart_investigations)
                      if entry.administration.procedure_joint.episode_id in joints
                      and entry.investigation.status == InvestigationStatus.OPEN),
                     key=lambda entry: (entry.investigation_id,
                                        entry.administration.administered_at, entry.pk))
    panels: dict[int, list[dict]] = {}
    for entry in entries:
        given = entry.administration
        url = reverse("cellbank:investigation-detail", args=[entry.investigation_id])
        panels.setdefault(given.procedure_joint.episode_id, []).append({
            "label": "Product investigation",
            # The clinic template prints the value; format_html escapes each part and marks
            # the link safe, so the clinic needs no cell lab markup of its own.
            "value": format_html(
                '<a href="{}">Product investigation {}: review this patient</a> '
                "(unit {} given {})", url, entry.investigation_id, given.unit.identifier,
                date_format(localtime(given.administered_at), "d M Y")),
        })
    return panels
