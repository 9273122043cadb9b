"""Pain intensity: VAS 0–100 mm and NRS 0–10 (docs/instruments.md#pain-vas-and-nrs)."""

from __future__ import annotations

from orthoregen.instruments.definitions import (
    Evidence,
    Instrument,
    OptionSpec,
    Recipe,
    Study,
    Threshold,
    ThresholdKind,
)
from orthoregen.instruments.rating_scales import (
    TUBACH_MCII,
    TUBACH_PASS,
    nrs_item,
    rating_scale,
    vas_item,
    vas_thresholds,
)

# The instrument fixes no recall period; the registry must choose and store one (1).
RECALL = OptionSpec(
    name="recall_period",
    choices=("average pain in the index joint over the past week", "pain now"),
    default="average pain in the index joint over the past week",
    description=(
        "the instrument fixes no recall period, so the registry fixes it and stores it "
        "(docs/instruments.md#pain-vas-and-nrs)"
    ),
)

MDC_2014 = "BMC Musculoskelet Disord 2014;15:235, doi:10.1186/1471-2474-15-235"
OA_COHORT = "knee or hip OA outpatients, 4-week NSAID cohort"
REFERENCES = ("docs/instruments.md#pain-vas-and-nrs",)


def _vas_thresholds() -> tuple[Threshold, ...]:
    # (kind, value, unit, joint, source, population)
    return vas_thresholds(
        "pain",
        (
            (ThresholdKind.MCII, -19.9, "mm", "knee", TUBACH_MCII, OA_COHORT),
            (ThresholdKind.MCII, -40.8, "%", "knee", TUBACH_MCII, OA_COHORT),
            (ThresholdKind.MCII, -15.3, "mm", "hip", TUBACH_MCII, OA_COHORT),
            (ThresholdKind.MCII, -32.0, "%", "hip", TUBACH_MCII, OA_COHORT),
            (ThresholdKind.PASS, 32.3, "mm", "knee", TUBACH_PASS, OA_COHORT),
            (ThresholdKind.PASS, 35.0, "mm", "hip", TUBACH_PASS, OA_COHORT),
            (ThresholdKind.MDC95, 28.0, "mm", "knee", MDC_2014, "OA awaiting arthroplasty"),
            (ThresholdKind.MDC95, 33.0, "mm", "hip", MDC_2014, "OA awaiting arthroplasty"),
        ),
    )


def build_vas(recall_period: str) -> Instrument:
    """Build the pain VAS: distance in whole mm from the 'no pain' anchor, higher = worse."""
    return rating_scale(
        instrument_id="vas_pain",
        name="Pain visual analogue scale (0–100 mm)",
        version="100 mm line",
        item=vas_item("VAS", "pain intensity"),
        subscale=("pain", "Pain VAS"),
        maximum=100,
        recall_period=recall_period,
        references=REFERENCES,
        thresholds=_vas_thresholds(),
        notes=("Paper forms: measure with a ruler to the whole mm; sliders have no default.",),
    )


def build_nrs(recall_period: str) -> Instrument:
    """Build the 11-point pain NRS: whole numbers 0 (no pain) to 10 (worst), higher = worse."""
    salaffi = Study(
        source="Salaffi F et al., Eur J Pain 2004;8:283–91",
        population="chronic musculoskeletal pain",
        joint=None,
        evidence=Evidence.UNVERIFIED,
    )
    return rating_scale(
        instrument_id="nrs_pain",
        name="Pain numeric rating scale (0–10)",
        version="11-point NRS",
        item=nrs_item("NRS", "pain intensity"),
        subscale=("pain", "Pain NRS"),
        maximum=10,
        loinc="72514-3",
        recall_period=recall_period,
        references=REFERENCES,
        thresholds=(
            salaffi.threshold("pain", ThresholdKind.MCID, -2.0),
            salaffi.threshold("pain", ThresholdKind.MCID, -30.0, unit="%"),
        ),
        notes=("Keep the native 0–10 value; any ×10 rescaling for pooling is flagged elsewhere.",),
    )


RECIPES = {
    "vas_pain": Recipe(build_vas, (RECALL,)),
    "nrs_pain": Recipe(build_nrs, (RECALL,)),
}
