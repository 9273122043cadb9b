"""The registry's fact tables of a fresh synthetic cohort, built from the stages before it.

The registry comes last in the pathway, so the follow-up scores and administrations the
earlier stages inserted are already in their tables; nothing is generated here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from orthoregen.web.clinic.models import JointEpisode
from orthoregen.web.registry.services import FACT_MODELS, facts_replace
from orthoregen.web.registry.sources import SourceFrames, read_source

if TYPE_CHECKING:
    from orthoregen.web.bulk_load import LoadChecks
    from orthoregen.web.synthetic.clinic import SynthContext


def synth_facts(context: SynthContext, checks: LoadChecks) -> None:
    """Replace the fact rows of the cohort's joint episodes with what their records say.

    ``checks`` is told of each fact table before it is written (web/bulk_load.py).
    """
    if not context.episode_ids:
        return
    for model in FACT_MODELS:
        checks.before_write(model)
    episodes = JointEpisode.objects.filter(
        patient__site=context.site, pk__gte=min(context.episode_ids),
        pk__lte=max(context.episode_ids))
    source = read_source(episodes)
    # Without any follow-up yet the joints still appear, untreated, in the registry.
    facts_replace(episodes, source if source.available else SourceFrames(), as_of=context.as_of)
