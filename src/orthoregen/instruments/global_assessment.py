"""Patient global assessment (PGA) of the osteoarthritis: VAS 0–100 mm and NRS 0–10.

The third OMERACT-OARSI domain (Pham T et al., Osteoarthritis Cartilage 2004;12:389–99;
docs/instruments.md#patient-global-assessment): the patient rates, all things considered, how
the osteoarthritis of the index joint affects them, 0 = very well … 100 (or 10) = very
poorly, so higher = worse like the pain scales. The OARSI rules need it on 0–100; an NRS is
multiplied by 10 where the criteria are computed, never stored rescaled.
"""

from __future__ import annotations

from orthoregen.instruments.definitions import (
    CompletedBy,
    Evidence,
    Instrument,
    Item,
    Licence,
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
PHAM_2004 = "Pham T et al., Osteoarthritis Cartilage 2004;12:389–99"
TUBACH_MCII = "Tubach F et al., Ann Rheum Dis 2005;64:29–33, doi:10.1136/ard.2004.022905"
TUBACH_PASS = "Tubach F et al., Ann Rheum Dis 2005;64:34–37, PMC1755171"
TUBACH_COHORT = "knee or hip OA outpatients, 4-week NSAID cohort (VAS 0–100 mm)"
RECALL = "now, considering all the ways the osteoarthritis of the index joint affects the patient"


def _vas_thresholds() -> tuple[Threshold, ...]:
    # (kind, value, unit, joint, source): Tubach 2005, both abstracts.
    rows = [
        (ThresholdKind.MCII, -18.3, "mm", "knee", TUBACH_MCII),
        (ThresholdKind.MCII, -39.0, "%", "knee", TUBACH_MCII),
        (ThresholdKind.MCII, -15.2, "mm", "hip", TUBACH_MCII),
        (ThresholdKind.MCII, -32.6, "%", "hip", TUBACH_MCII),
        (ThresholdKind.PASS, 32.0, "mm", "knee", TUBACH_PASS),
        (ThresholdKind.PASS, 34.6, "mm", "hip", TUBACH_PASS),
    ]
    return tuple(
        Threshold(
            subscale="pga",
            kind=kind,
            value=value,
            unit=unit,
            joint=joint,
            population=TUBACH_COHORT,
            source=source,
            evidence=Evidence.VERIFIED,
            basis=ThresholdBasis.PERCENTAGE if unit == "%" else ThresholdBasis.ABSOLUTE,
            note="PASS: at or below is acceptable" if kind is ThresholdKind.PASS else "",
        )
        for kind, value, unit, joint, source in rows
    )


def build_pga_vas() -> Instrument:
    """Build the PGA on a 100 mm VAS: whole mm from 'very well' (0), higher = worse."""
    item = Item(
        id="PGA",
        topic="patient global assessment of the osteoarthritis",
        options=(0.0, 100.0),
        scale=Scale(minimum=0, maximum=100, unit="mm"),
        higher_is_better=False,
    )
    return _global_assessment(
        instrument_id="pga_vas",
        name="Patient global assessment, visual analogue scale (0–100 mm)",
        version="100 mm line",
        item=item,
        maximum=100,
        thresholds=_vas_thresholds(),
    )


def build_pga_nrs() -> Instrument:
    """Build the PGA as an 11-point NRS: whole numbers 0 (very well) to 10, higher = worse."""
    item = Item(
        id="PGA",
        topic="patient global assessment of the osteoarthritis",
        options=tuple(float(code) for code in range(11)),
        higher_is_better=False,
    )
    # Tubach's values were obtained on the VAS and are not carried over to the NRS.
    return _global_assessment(
        instrument_id="pga_nrs",
        name="Patient global assessment, numeric rating scale (0–10)",
        version="11-point NRS",
        item=item,
        maximum=10,
        thresholds=(),
    )


def _global_assessment(
    *,
    instrument_id: str,
    name: str,
    version: str,
    item: Item,
    maximum: float,
    thresholds: tuple[Threshold, ...],
) -> Instrument:
    subscale = Subscale(
        id="pga",
        name="Patient global assessment",
        items=(item.id,),
        rule=Single(),
        minimum=0,
        maximum=maximum,
        higher_is_better=False,
        decimals=0,
    )
    return Instrument(
        id=instrument_id,
        name=name,
        version=version,
        joints=JOINTS,
        completed_by=CompletedBy.PATIENT,
        recall_period=RECALL,
        licence=FREE,
        items=(item,),
        subscales=(subscale,),
        references=(PHAM_2004, "docs/instruments.md#patient-global-assessment"),
        thresholds=thresholds,
        notes=(
            "The OMERACT-OARSI criteria use it on 0–100 with 100 = worst; the NRS is × 10 "
            "there (analytics.omeract.PGA_DOMAINS).",
        ),
    )


RECIPES = {
    "pga_vas": Recipe(build_pga_vas),
    "pga_nrs": Recipe(build_pga_nrs),
}
