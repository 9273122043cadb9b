"""The dashboard's published reference bands beside the clinic's change in pain.

Which comparison is shown, and why, is said on the page: trials of cell injections rarely
publish arm-level results with a spread, so pooled MSC arms cannot be formed; published
saline-arm changes and published MSC-versus-control differences can be shown instead
(evidence.benchmarks; docs/evidence.md#reference-bands).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING

from orthoregen.evidence.benchmarks import (
    effect_pools,
    load_arms,
    restore_saline_band,
    saline_bands,
)
from orthoregen.evidence.comparison import EVIDENCE_NAMES
from orthoregen.evidence.published import load_published_pools
from orthoregen.web.registry import svgchart

if TYPE_CHECKING:
    from orthoregen.web.registry.cohort import EvidenceRow

WHY = (
    "Shown: this clinic's mean change from baseline in knee pain at 6 and 12 months, beside the "
    "change of saline (placebo) injection arms in published trials. Why this comparison: "
    "almost no trial of cell injections publishes its arms' results with a spread, so MSC "
    "arms cannot be pooled here, while the saline response has been pooled across many "
    "trials. A clinic change inside a saline band is what a placebo injection achieved in "
    "trials. The MSC-versus-control differences below are differences between arms, not "
    "changes: they are listed on the scale each review published and are not drawn on the "
    "clinic's axis."
)
# Which published instruments' differences to list beside each clinic measure.
EFFECT_INSTRUMENTS = {"NRS pain": ("VAS pain",), "VAS pain": ("VAS pain",),
                      "WOMAC": ("WOMAC",)}


@functools.cache
def _sources():
    return load_published_pools(), load_arms()


def reference_section(evidence_rows: Sequence[EvidenceRow], joint: str | None) -> dict:
    """Return the bands, the listed effects and the chart for the dashboard (knee only)."""
    if (joint or "knee") != "knee" or not evidence_rows:
        return {}
    measure = evidence_rows[0].measure
    names = EVIDENCE_NAMES.get((measure.instrument, measure.subscale))
    if names is None:
        return {}
    instrument, subscale, scale = names
    pools, arms = _sources()
    bands = (*saline_bands(pools, instrument=instrument, subscale=subscale, scale=scale,
                           joint="knee"),
             *restore_saline_band(arms, instrument=instrument, scale=scale))
    clinic = [(row.months, row.clinic) for row in evidence_rows if row.clinic is not None]
    chart = svgchart.uri(svgchart.reference_band_chart(clinic, bands, measure, scale)) \
        if bands else None
    return {"reference_bands": bands, "reference_chart": chart, "reference_why": WHY,
            "reference_scale": scale, "reference_measure": measure,
            "reference_effects": effect_pools(
                pools, joint="knee", instruments=EFFECT_INSTRUMENTS.get(instrument, ()))}
