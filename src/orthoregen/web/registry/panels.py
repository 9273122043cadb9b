"""What the registry adds to earlier stages' pages, declared as hooks in web/stages.py.

`patients_like_you` is the consultation page's section on what the clinic's earlier patients
like this one experienced (patients_like.py reads it; docs/statistics.md#patients-like-you).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from orthoregen.analytics.matching import Widening
from orthoregen.analytics.patients_like_you import PATIENTS_LIKE_YOU_CAVEAT, PatientsLikeYou
from orthoregen.web.accounts.roles import Action
from orthoregen.web.registry import charts
from orthoregen.web.registry.patients_like import patients_like_read

if TYPE_CHECKING:
    from orthoregen.web.accounts.models import User
    from orthoregen.web.clinic.models import JointEpisode

TEMPLATE = "registry/_patients_like_you.html"

# Each step in the clinic's words: what the match let go of to find more earlier patients.
STEP_WORDS = {
    Widening.NONE: _("Same joint, grade, age band, BMI class and cell source"),
    Widening.ANY_CELL_SOURCE: _("Dropped cell source"),
    Widening.NEIGHBOURING_BMI_BANDS: _("Widened BMI to the neighbouring classes"),
    Widening.NEIGHBOURING_AGE_BANDS: _("Widened age to the neighbouring bands"),
    Widening.NEIGHBOURING_GRADES: _("Widened grade to the neighbouring grades"),
}


def patients_like_you(episode: JointEpisode, *, user: User) -> list[dict]:
    """Return the consultation page's "patients like you" section for a joint episode.

    Only for a user who may see the registry's cohort results (VIEW_REGISTRY); the cohort is
    the user's own sites (patients_like.candidate_facts).
    """
    if not user.may(Action.VIEW_REGISTRY):
        return []
    read = patients_like_read(episode, user=user, today=timezone.localdate())
    result = read.result
    steps = [{"words": STEP_WORDS[s.widening], "criteria": s.criteria, "n": s.n}
             for s in (result.steps if result is not None else ())]
    chart, shown, improvement = None, [], None
    if isinstance(result, PatientsLikeYou):
        # Stored signed as an improvement (NRS −2); the page says "2 points or more".
        if result.thresholds.improvement is not None:
            improvement = abs(result.thresholds.improvement)
        shown = [o for o in (result.month_6, result.month_12) if not o.too_thin]
        if shown and read.measure is not None:  # a result is always read on a measure
            chart = charts.svg_uri(charts.change_spread_chart(shown, read.measure))
    return [{"template": TEMPLATE, "anchor": "patients-like-you",
             "title": gettext("Patients like you"), "read": read, "result": result, "steps": steps,
             "chart": chart, "spreads": shown, "improvement_points": improvement,
             "described": isinstance(result, PatientsLikeYou),
             # The core's sentence, marked gettext_noop there and translated here where it is shown.
             "caveat": gettext(PATIENTS_LIKE_YOU_CAVEAT)}]
