"""The MRI studies of each episode, for the patient chart (web/stages.py chart_panels)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _

from orthoregen.web.imaging.models import MriStudy, StructuralMeasure
from orthoregen.web.stages import ChartFacts


def mri_studies(facts: ChartFacts) -> dict[int, list[dict]]:
    """Return one linked line per MRI study of these episodes, newest first."""
    panels: dict[int, list[dict]] = {}
    # Whether a study was read is asked in the same query, not once per study.
    read = StructuralMeasure.objects.filter(study=OuterRef("pk"))
    studies = MriStudy.objects.filter(episode_id__in=facts.episode_ids) \
        .select_related("visit").annotate(is_read=Exists(read)) \
        .order_by("episode_id", "-study_date", "-id")
    for study in studies:
        panels.setdefault(study.episode_id, []).append({
            "label": _("MRI"),
            "value": format_html(
                _('<a href="{url}">{visit} MRI of {date}</a> ({series} series, read)')
                if study.is_read else
                _('<a href="{url}">{visit} MRI of {date}</a> ({series} series)'),
                url=reverse("imaging:study", args=[study.pk]), visit=study.visit.label,
                date=date_format(study.study_date, "d M Y"), series=len(study.series)),

        })
    return panels
