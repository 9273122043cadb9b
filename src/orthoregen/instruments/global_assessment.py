"""Patient global assessment (PGA) of the osteoarthritis: VAS 0–100 mm and NRS 0–10.

The third OMERACT-OARSI domain (Pham T et al., Osteoarthritis Cartilage 2004;12:389–99;
docs/instruments.md#patient-global-assessment): the patient rates, all things considered, how
the osteoarthritis of the index joint affects them, 0 = very well … 100 (or 10) = very
poorly, so higher = worse like the pain scales. The OARSI rules need it on 0–100; an NRS is
multiplied by 10 where the criteria are computed, never stored rescaled.
"""

from __future__ import annotations

from orthoregen.instruments.definitions import Instrument, Recipe, Threshold, ThresholdKind
from orthoregen.instruments.rating_scales import (
    TUBACH_MCII,
    TUBACH_PASS,
    nrs_item,
    rating_scale,
    vas_item,
    vas_thresholds,
)

PHAM_2004 = "Pham T et al., Osteoarthritis Cartilage 2004;12:389–99"
TUBACH_COHORT = "knee or hip OA outpatients, 4-week NSAID cohort (VAS 0–100 mm)"
RECALL = "now, considering all the ways the osteoarthritis of the index joint affects the patient"
TOPIC = "patient global assessment of the osteoarthritis"
SUBSCALE = ("pga", "Patient global assessment")
REFERENCES = (PHAM_2004, "docs/instruments.md#patient-global-assessment")
NOTES = (
    "The OMERACT-OARSI criteria use it on 0–100 with 100 = worst; the NRS is × 10 "
    "there (analytics.omeract.PGA_DOMAINS).",
)


def _vas_thresholds() -> tuple[Threshold, ...]:
    # (kind, value, unit, joint, source, population): Tubach 2005, both abstracts.
    return vas_thresholds(
        "pga",
        (
            (ThresholdKind.MCII, -18.3, "mm", "knee", TUBACH_MCII, TUBACH_COHORT),
            (ThresholdKind.MCII, -39.0, "%", "knee", TUBACH_MCII, TUBACH_COHORT),
            (ThresholdKind.MCII, -15.2, "mm", "hip", TUBACH_MCII, TUBACH_COHORT),
            (ThresholdKind.MCII, -32.6, "%", "hip", TUBACH_MCII, TUBACH_COHORT),
            (ThresholdKind.PASS, 32.0, "mm", "knee", TUBACH_PASS, TUBACH_COHORT),
            (ThresholdKind.PASS, 34.6, "mm", "hip", TUBACH_PASS, TUBACH_COHORT),
        ),
    )


def build_pga_vas() -> Instrument:
    """Build the PGA on a 100 mm VAS: whole mm from 'very well' (0), higher = worse."""
    return rating_scale(
        instrument_id="pga_vas",
        name="Patient global assessment, visual analogue scale (0–100 mm)",
        version="100 mm line",
        item=vas_item("PGA", TOPIC),
        subscale=SUBSCALE,
        maximum=100,
        recall_period=RECALL,
        references=REFERENCES,
        thresholds=_vas_thresholds(),
        notes=NOTES,
    )


def build_pga_nrs() -> Instrument:
    """Build the PGA as an 11-point NRS: whole numbers 0 (very well) to 10, higher = worse."""
    # Tubach's values were obtained on the VAS and are not carried over to the NRS.
    return rating_scale(
        instrument_id="pga_nrs",
        name="Patient global assessment, numeric rating scale (0–10)",
        version="11-point NRS",
        item=nrs_item("PGA", TOPIC),
        subscale=SUBSCALE,
        maximum=10,
        recall_period=RECALL,
        references=REFERENCES,
        thresholds=(),
        notes=NOTES,
    )


RECIPES = {
    "pga_vas": Recipe(build_pga_vas),
    "pga_nrs": Recipe(build_pga_nrs),
}
