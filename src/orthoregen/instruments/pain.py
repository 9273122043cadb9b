"""Pain intensity: VAS 0–100 mm and NRS 0–10 (docs/instruments.md#pain-vas-and-nrs)."""

from __future__ import annotations

from orthoregen.instruments.definitions import (
    CompletedBy,
    Evidence,
    Instrument,
    Item,
    Licence,
    OptionSpec,
    Recipe,
    Scale,
    Subscale,
    Threshold,
    ThresholdBasis,
    ThresholdKind,
)
from orthoregen.instruments.rules import Single

FREE = Licence(owner="generic instrument, no owner", terms="free to use", ships_wording=True)
JOINTS = ("knee", "hip", "shoulder")

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

TUBACH_MCII = "Tubach F et al., Ann Rheum Dis 2005;64:29–33, doi:10.1136/ard.2004.022905"
TUBACH_PASS = "Tubach F et al., Ann Rheum Dis 2005;64:34–37, PMC1755171"
MDC_2014 = "BMC Musculoskelet Disord 2014;15:235, doi:10.1186/1471-2474-15-235"
OA_COHORT = "knee or hip OA outpatients, 4-week NSAID cohort"


def _vas_thresholds() -> tuple[Threshold, ...]:
    # (kind, value, unit, joint, source, population)
    rows = [
        (ThresholdKind.MCII, -19.9, "mm", "knee", TUBACH_MCII, OA_COHORT),
        (ThresholdKind.MCII, -40.8, "%", "knee", TUBACH_MCII, OA_COHORT),
        (ThresholdKind.MCII, -15.3, "mm", "hip", TUBACH_MCII, OA_COHORT),
        (ThresholdKind.MCII, -32.0, "%", "hip", TUBACH_MCII, OA_COHORT),
        (ThresholdKind.PASS, 32.3, "mm", "knee", TUBACH_PASS, OA_COHORT),
        (ThresholdKind.PASS, 35.0, "mm", "hip", TUBACH_PASS, OA_COHORT),
        (ThresholdKind.MDC95, 28.0, "mm", "knee", MDC_2014, "OA awaiting arthroplasty"),
        (ThresholdKind.MDC95, 33.0, "mm", "hip", MDC_2014, "OA awaiting arthroplasty"),
    ]
    return tuple(
        Threshold(
            subscale="pain",
            kind=kind,
            value=value,
            unit=unit,
            joint=joint,
            population=population,
            source=source,
            evidence=Evidence.VERIFIED,
            basis=ThresholdBasis.PERCENTAGE if unit == "%" else ThresholdBasis.ABSOLUTE,
            note="PASS: at or below is acceptable" if kind is ThresholdKind.PASS else "",
        )
        for kind, value, unit, joint, source, population in rows
    )


def build_vas(recall_period: str) -> Instrument:
    """Build the pain VAS: distance in whole mm from the 'no pain' anchor, higher = worse."""
    item = Item(
        id="VAS",
        topic="pain intensity",
        options=(0.0, 100.0),
        scale=Scale(minimum=0, maximum=100, unit="mm"),
        higher_is_better=False,
    )
    return _pain_scale(
        instrument_id="vas_pain",
        name="Pain visual analogue scale (0–100 mm)",
        version="100 mm line",
        item=item,
        maximum=100,
        loinc=None,
        recall_period=recall_period,
        thresholds=_vas_thresholds(),
        note="Paper forms: measure with a ruler to the whole mm; sliders have no default.",
    )


def build_nrs(recall_period: str) -> Instrument:
    """Build the 11-point pain NRS: whole numbers 0 (no pain) to 10 (worst), higher = worse."""
    item = Item(
        id="NRS",
        topic="pain intensity",
        options=tuple(float(c) for c in range(11)),
        higher_is_better=False,
    )
    salaffi = "Salaffi F et al., Eur J Pain 2004;8:283–91"
    population = "chronic musculoskeletal pain"
    thresholds = (
        Threshold(
            subscale="pain",
            kind=ThresholdKind.MCID,
            value=-2.0,
            unit="points",
            joint=None,
            population=population,
            source=salaffi,
            evidence=Evidence.UNVERIFIED,
        ),
        Threshold(
            subscale="pain",
            kind=ThresholdKind.MCID,
            value=-30.0,
            unit="%",
            basis=ThresholdBasis.PERCENTAGE,
            joint=None,
            population=population,
            source=salaffi,
            evidence=Evidence.UNVERIFIED,
        ),
    )
    return _pain_scale(
        instrument_id="nrs_pain",
        name="Pain numeric rating scale (0–10)",
        version="11-point NRS",
        item=item,
        maximum=10,
        loinc="72514-3",
        recall_period=recall_period,
        thresholds=thresholds,
        note="Keep the native 0–10 value; any ×10 rescaling for pooling is flagged elsewhere.",
    )


def _pain_scale(
    *,
    instrument_id: str,
    name: str,
    version: str,
    item: Item,
    maximum: float,
    loinc: str | None,
    recall_period: str,
    thresholds: tuple[Threshold, ...],
    note: str,
) -> Instrument:
    """Build a one-item pain scale: the value as recorded, 0 = no pain, higher = worse."""
    subscale = Subscale(
        id="pain",
        name=f"Pain {item.id}",
        items=(item.id,),
        rule=Single(),
        minimum=0,
        maximum=maximum,
        higher_is_better=False,
        decimals=0,
        loinc=loinc,
    )
    return Instrument(
        id=instrument_id,
        name=name,
        version=version,
        joints=JOINTS,
        completed_by=CompletedBy.PATIENT,
        recall_period=recall_period,
        licence=FREE,
        items=(item,),
        subscales=(subscale,),
        references=("docs/instruments.md#pain-vas-and-nrs",),
        thresholds=thresholds,
        notes=(note,),
    )


RECIPES = {
    "vas_pain": Recipe(build_vas, (RECALL,)),
    "nrs_pain": Recipe(build_nrs, (RECALL,)),
}
