"""Constant–Murley shoulder score (docs/instruments.md#constant-murley-score).

Constant CR, Murley AH, Clin Orthop Relat Res 1987;214:160–4; guideline update Constant
CR et al., J Shoulder Elbow Surg 2008;17:355–61. Pain and ADL by the patient (35 points),
motion and strength by the clinician (65 points); total 0–100, higher = better.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from orthoregen.instruments.definitions import (
    CompletedBy,
    Evidence,
    Instrument,
    Item,
    Licence,
    OptionSpec,
    Recipe,
    Scale,
    Threshold,
    ThresholdKind,
    codes,
)
from orthoregen.instruments.rules import PointsSum
from orthoregen.instruments.totals import Part, part_subscales

CONSTANT_1987 = "Constant CR, Murley AH, Clin Orthop Relat Res 1987;214:160–4"
CONSTANT_2008 = "Constant CR et al., J Shoulder Elbow Surg 2008;17:355–61"
POUND_KG = 0.45359237  # exact, by definition of the international pound


def _choice(*, item_id: str, topic: str, points: tuple[float, ...]) -> Item:
    return Item(id=item_id, topic=topic, options=points, higher_is_better=True)


def _degrees(*, item_id: str, topic: str) -> Item:
    return Item(
        id=item_id,
        topic=topic,
        options=(),
        scale=Scale(minimum=0, maximum=180, unit="degrees"),
        higher_is_better=True,
    )


ITEMS = (
    # 15 = no pain; the original's four steps (15, 10, 5, 0) are points of this scale.
    Item(
        id="pain",
        topic="pain during ordinary activities",
        options=(0.0, 15.0),
        scale=Scale(minimum=0, maximum=15, unit="points"),
        higher_is_better=True,
    ),
    _choice(item_id="sleep", topic="sleep", points=(0.0, 1.0, 2.0)),
    _choice(item_id="work", topic="full work", points=codes(0, 4)),
    _choice(item_id="recreation", topic="full recreation or sport", points=codes(0, 4)),
    # Below the waist 0 … above the head 10: the 0 step is printed in the standardised test
    # protocol of the modified score (Ban I et al., Dan Med J 2013;60(4), after Constant 2008).
    _choice(
        item_id="hand_position",
        topic="position the hand can reach",
        points=(0.0, 2.0, 4.0, 6.0, 8.0, 10.0),
    ),
    _degrees(item_id="forward_flexion_deg", topic="active pain-free forward flexion"),
    _degrees(item_id="abduction_deg", topic="active pain-free abduction"),
    _choice(
        item_id="er_behind_head_elbow_forward",
        topic="hand behind head, elbow forward",
        points=(0.0, 2.0),
    ),
    _choice(
        item_id="er_behind_head_elbow_back", topic="hand behind head, elbow back", points=(0.0, 2.0)
    ),
    _choice(
        item_id="er_on_head_elbow_forward",
        topic="hand on top of head, elbow forward",
        points=(0.0, 2.0),
    ),
    _choice(
        item_id="er_on_head_elbow_back", topic="hand on top of head, elbow back", points=(0.0, 2.0)
    ),
    _choice(
        item_id="er_full_elevation", topic="full elevation from on top of head", points=(0.0, 2.0)
    ),
    _choice(
        item_id="internal_rotation",
        topic="back of hand reaches",
        points=(0.0, 2.0, 4.0, 6.0, 8.0, 10.0),
    ),
    Item(
        id="strength_kg",
        topic="isometric abduction strength at 90° (best of attempts)",
        options=(),
        scale=Scale(minimum=0, maximum=100, unit="kg", whole_numbers=False),
        higher_is_better=True,
    ),
)


def elevation_points(degrees: Any) -> Any:
    """Return points for flexion or abduction: 0–30° 0, 31–60° 2, … 121–150° 8, > 150° 10."""
    return 2 * np.clip(np.ceil((degrees - 30) / 30), 0, 5)


def _strength_rule(convention: str) -> PointsSum:
    if convention == "pound_1987":
        return PointsSum(
            points=(None,),
            description="1 point per lb (kg / 0.45359237), at most 25",
            divide=POUND_KG,
            cap=25,
        )
    return PointsSum(
        points=(None,), description="1 point per 0.5 kg (kg × 2), at most 25", multiply=2, cap=25
    )


def build_constant(strength_convention: str) -> Instrument:
    """Build the Constant–Murley score with the chosen strength convention."""
    ids = [item.id for item in ITEMS]
    pain = PointsSum(points=(None,), description="points (15 = no pain)")
    adl = PointsSum(points=(None,) * 4, description="sleep + work + recreation + hand position")
    motion = PointsSum(
        points=(elevation_points, elevation_points) + (None,) * 6,
        description=(
            "flexion and abduction bands + external rotation positions + internal rotation landmark"
        ),
    )
    strength = _strength_rule(strength_convention)
    parts = (
        Part(id="pain", name="Pain", item_count=1, rule=pain, maximum=15),
        Part(id="adl", name="ADL", item_count=4, rule=adl, maximum=20),
        Part(id="range_of_motion", name="Range of motion", item_count=8, rule=motion, maximum=40),
        # Strength is measured in kg, so its points and the total can have fractions.
        Part(id="strength", name="Strength", item_count=1, rule=strength, maximum=25, decimals=1),
    )
    subscales = part_subscales(parts, ids, total_name="Constant score", total_decimals=1)
    return Instrument(
        id="constant",
        name="Constant–Murley score",
        version=f"{'2008 guideline' if strength_convention == 'half_kg_2008' else '1987'} "
        "strength convention",
        joints=("shoulder",),
        completed_by=CompletedBy.PATIENT_AND_CLINICIAN,
        recall_period="pain: ordinary activities in the last 24 hours",
        licence=Licence(owner="Constant & Murley 1987", terms="free", ships_wording=True),
        items=ITEMS,
        subscales=subscales,
        references=(CONSTANT_1987, CONSTANT_2008, "docs/instruments.md#constant-murley-score"),
        thresholds=(
            Threshold(
                subscale="total",
                kind=ThresholdKind.MCID,
                value=10.4,
                unit="points",
                joint="shoulder",
                population="rotator cuff surgery (not OA)",
                source="Kukkonen J et al., J Shoulder Elbow Surg 2013;22:1650–5",
                evidence=Evidence.UNVERIFIED,
            ),
        ),
        notes=(
            "Record strength 0 kg when 90° abduction cannot be reached (2008 guideline, "
            "unverified).",
            "The age/sex-adjusted relative score is not implemented.",
        ),
    )


RECIPES = {
    "constant": Recipe(
        build_constant,
        (
            OptionSpec(
                name="strength_convention",
                choices=("half_kg_2008", "pound_1987"),
                default="half_kg_2008",
                description=(
                    "[U] 2008 guideline 1 point per 0.5 kg, or the original 1 point per lb "
                    "(docs/instruments.md#constant-strength-convention)"
                ),
            ),
        ),
    ),
}
