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
    Subscale,
    Threshold,
    ThresholdKind,
    codes,
)
from orthoregen.instruments.rules import MeanImputedSum, Parts, Rescaled, Reversed

RICHARDS = "Richards RR et al., J Shoulder Elbow Surg 1994;3:347–52"
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
        "VAS",
        "pain today",
        (0.0, 10.0),
        Scale(0, 10, "cm", whole_numbers=False),
        higher_is_better=False,
    )
    adl = tuple(
        Item(f"ADL{number}", topic, codes(0, 3), higher_is_better=True)
        for number, topic in enumerate(ADL_TOPICS, start=1)
    )
    adl_ids = tuple(item.id for item in adl)
    pain_rule = Reversed(10, 5)
    # sum × 5 / 3 rather than sum × (5/3): 30 × 5 / 3 is exactly 50.
    adl_rule = Rescaled(
        MeanImputedSum(0, "no rule in Richards 1994; all required"), 5, 3, "ADL sum × 5 / 3"
    )
    subscales = (
        Subscale("pain", "Pain", ("VAS",), pain_rule, 0, 50, higher_is_better=True),
        Subscale("adl", "ADL", adl_ids, adl_rule, 0, 50, higher_is_better=True),
        Subscale(
            "total",
            "ASES",
            ("VAS", *adl_ids),
            Parts((("Pain", 1, pain_rule), ("ADL", 10, adl_rule))),
            0,
            100,
            higher_is_better=True,
        ),
    )
    thresholds = (
        Threshold(
            "total",
            ThresholdKind.MCID,
            21.0,
            "points",
            "shoulder",
            "shoulder arthroplasty",
            "Tashjian RZ et al., J Shoulder Elbow Surg 2017;26:144–8",
            Evidence.SECONDARY,
            note="approximately",
        ),
        Threshold(
            "total",
            ThresholdKind.MCID,
            27.1,
            "points",
            "shoulder",
            "rotator cuff repair (not OA)",
            "Tashjian RZ et al., J Shoulder Elbow Surg 2020;29:1406–11, via ISSH",
            Evidence.SECONDARY,
        ),
        Threshold(
            "total",
            ThresholdKind.MCID,
            6.4,
            "points",
            "shoulder",
            "mixed shoulder pathology",
            "Michener LA et al., JSES 2002;11:587–94",
            Evidence.UNVERIFIED,
        ),
        Threshold(
            "total",
            ThresholdKind.MDC,
            9.4,
            "points",
            "shoulder",
            "mixed shoulder pathology",
            "Michener LA et al., JSES 2002;11:587–94",
            Evidence.UNVERIFIED,
        ),
    )
    return Instrument(
        id="ases",
        name="ASES Standardized Shoulder Assessment (patient part)",
        version="Richards 1994",
        joints=("shoulder",),
        completed_by=CompletedBy.PATIENT,
        recall_period="pain today; activities as usually managed",
        licence=Licence(
            "ASES Research Committee", "free; no licensing body identified", ships_wording=True
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
