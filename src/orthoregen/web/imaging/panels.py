"""The MRI studies of each episode, for the patient chart (web/stages.py chart_panels)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.html import format_html

from orthoregen.web.imaging.models import MriStudy


def mri_studies(episodes: list) -> dict[int, list[dict]]:
    """Return one linked line per MRI study of these episodes, newest first."""
    panels: dict[int, list[dict]] = {}
    studies = MriStudy.objects.filter(episode__in=episodes).select_related("visit") \
        .order_by("episode_id", "-study_date", "-id")
    for study in studies:
        panels.setdefault(study.episode_id, []).append({
            "label": "MRI",
            "value": format_html('<a href="{}">{} MRI of {}</a> ({} series{})',
                                 reverse("imaging:study", args=[study.pk]), study.visit.label,
                                 study.study_date.strftime("%d %b %Y"), len(study.series),
                                 ", read" if study.measures.exists() else ""),
        })
    return panels
