"""Single Assessment Numeric Evaluation (docs/instruments.md#sane).

Williams GN et al., Am J Sports Med 1999;27:214–21: the joint rated as a percentage of
normal, 0–100, 100 = normal. No transformation; MCID not verified.
"""

from __future__ import annotations

from orthoregen.instruments.definitions import (
    CompletedBy,
    Instrument,
    Item,
    Licence,
    Recipe,
    Scale,
    Subscale,
)
from orthoregen.instruments.rules import Single


def build_sane() -> Instrument:
    """Build SANE: one whole-number rating 0–100 % of normal, higher = better."""
    item = Item(
        id="SANE",
        topic="joint as a percentage of normal",
        options=(0.0, 100.0),
        scale=Scale(minimum=0, maximum=100, unit="%"),
        higher_is_better=True,
    )
    subscale = Subscale(
        id="sane",
        name="SANE",
        items=("SANE",),
        rule=Single(),
        minimum=0,
        maximum=100,
        higher_is_better=True,
        decimals=0,
    )
    return Instrument(
        id="sane",
        name="Single Assessment Numeric Evaluation",
        version="Williams 1999",
        joints=("knee", "hip", "shoulder"),
        completed_by=CompletedBy.PATIENT,
        recall_period="current state",
        licence=Licence(
            owner="generic instrument, no owner", terms="free to use", ships_wording=True
        ),
        items=(item,),
        subscales=(subscale,),
        references=(
            "Williams GN et al., Am J Sports Med 1999;27:214–21",
            "docs/instruments.md#sane",
        ),
    )


RECIPES = {"sane": Recipe(build_sane)}
