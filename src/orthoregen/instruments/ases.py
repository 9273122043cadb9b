"""ASES Standardized Shoulder Assessment, patient part (docs/instruments.md#ases).

Richards RR et al., J Shoulder Elbow Surg 1994;3:347–52: pain VAS (50 %) and the
cumulative ADL score (50 %); total 0–100, 100 = best.
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
    Study,
    Threshold,
    ThresholdKind,
    codes,
)
from orthoregen.instruments.rules import MeanImputedSum, Rescaled, Reversed
from orthoregen.instruments.totals import Part, part_subscales

RICHARDS = "Richards RR et al., J Shoulder Elbow Surg 1994;3:347–52"
MICHENER_2002 = Study(
    source="Michener LA et al., JSES 2002;11:587–94",
    population="mixed shoulder pathology",
    joint="shoulder",
    evidence=Evidence.UNVERIFIED,
)
ADL_TOPICS = (
    "put on a coat",
    "sleep on the painful or affected side",
    "wash back or do up bra in back",
    "manage toileting",
    "comb hair",
    "reach a high shelf",
    "lift 10 lb (4.5 kg) above shoulder",
    "throw a ball overhand",
    "do usual work",
    "do usual sport",
)


def build_ases() -> Instrument:
    """Build the ASES score: (10 − VAS cm) × 5 + 5/3 × ADL sum; every item required."""
    vas = Item(
        id="VAS",
        topic="pain today",
        options=(0.0, 10.0),
        scale=Scale(minimum=0, maximum=10, unit="cm", whole_numbers=False),
        higher_is_better=False,
    )
    adl = tuple(
        Item(id=f"ADL{number}", topic=topic, options=codes(0, 3), higher_is_better=True)
        for number, topic in enumerate(ADL_TOPICS, start=1)
    )
    adl_ids = tuple(item.id for item in adl)
    pain_rule = Reversed(maximum=10, factor=5)
    # sum × 5 / 3 rather than sum × (5/3): 30 × 5 / 3 is exactly 50.
    adl_rule = Rescaled(
        inner=MeanImputedSum(max_missing=0, source="no rule in Richards 1994; all required"),
        multiply=5,
        divide=3,
        description="ADL sum × 5 / 3",
    )
    # VAS in cm and the ADL sum × 5 / 3 give fractions of a point: one decimal.
    parts = (
        Part(id="pain", name="Pain", item_count=1, rule=pain_rule, maximum=50, decimals=1),
        Part(id="adl", name="ADL", item_count=len(adl), rule=adl_rule, maximum=50, decimals=1),
    )
    subscales = part_subscales(parts, (vas.id, *adl_ids), total_name="ASES", total_decimals=1)
    thresholds = (
        Threshold(
            subscale="total",
            kind=ThresholdKind.MCID,
            value=21.0,
            unit="points",
            joint="shoulder",
            population="shoulder arthroplasty",
            source="Tashjian RZ et al., J Shoulder Elbow Surg 2017;26:144–8",
            evidence=Evidence.SECONDARY,
            note="approximately",
        ),
        Threshold(
            subscale="total",
            kind=ThresholdKind.MCID,
            value=27.1,
            unit="points",
            joint="shoulder",
            population="rotator cuff repair (not OA)",
            source="Tashjian RZ et al., J Shoulder Elbow Surg 2020;29:1406–11, via ISSH",
            evidence=Evidence.SECONDARY,
        ),
        MICHENER_2002.threshold("total", ThresholdKind.MCID, 6.4),
        MICHENER_2002.threshold("total", ThresholdKind.MDC, 9.4),
    )
    return Instrument(
        id="ases",
        name="ASES Standardized Shoulder Assessment (patient part)",
        version="Richards 1994",
        joints=("shoulder",),
        completed_by=CompletedBy.PATIENT,
        recall_period="pain today; activities as usually managed",
        licence=Licence(
            owner="ASES Research Committee",
            terms="free; no licensing body identified",
            ships_wording=True,
        ),
        items=(vas, *adl),
        subscales=subscales,
        references=(RICHARDS, "docs/instruments.md#ases"),
        thresholds=thresholds,
        notes=(
            "ADL items are answered for the affected side.",
            "Not the modified ASES, which has different items.",
        ),
    )


RECIPES = {"ases": Recipe(build_ases)}
