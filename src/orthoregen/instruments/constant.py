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
    Subscale,
    Threshold,
    ThresholdKind,
    codes,
)
from orthoregen.instruments.rules import Parts, PointsSum

CONSTANT_1987 = "Constant CR, Murley AH, Clin Orthop Relat Res 1987;214:160–4"
CONSTANT_2008 = "Constant CR et al., J Shoulder Elbow Surg 2008;17:355–61"
POUND_KG = 0.45359237  # exact, by definition of the international pound


def _choice(item_id: str, topic: str, points: tuple[float, ...]) -> Item:
    return Item(item_id, topic, points, higher_is_better=True)


def _degrees(item_id: str, topic: str) -> Item:
    return Item(item_id, topic, (), Scale(0, 180, "degrees"), higher_is_better=True)


ITEMS = (
    # 15 = no pain; the original's four steps (15, 10, 5, 0) are points of this scale.
    Item(
        "pain",
        "pain during ordinary activities",
        (0.0, 15.0),
        Scale(0, 15, "points"),
        higher_is_better=True,
    ),
    _choice("sleep", "sleep", (0.0, 1.0, 2.0)),
    _choice("work", "full work", codes(0, 4)),
    _choice("recreation", "full recreation or sport", codes(0, 4)),
    _choice("hand_position", "position the hand can reach", (2.0, 4.0, 6.0, 8.0, 10.0)),
    _degrees("forward_flexion_deg", "active pain-free forward flexion"),
    _degrees("abduction_deg", "active pain-free abduction"),
    _choice("er_behind_head_elbow_forward", "hand behind head, elbow forward", (0.0, 2.0)),
    _choice("er_behind_head_elbow_back", "hand behind head, elbow back", (0.0, 2.0)),
    _choice("er_on_head_elbow_forward", "hand on top of head, elbow forward", (0.0, 2.0)),
    _choice("er_on_head_elbow_back", "hand on top of head, elbow back", (0.0, 2.0)),
    _choice("er_full_elevation", "full elevation from on top of head", (0.0, 2.0)),
    _choice("internal_rotation", "back of hand reaches", (0.0, 2.0, 4.0, 6.0, 8.0, 10.0)),
    Item(
        "strength_kg",
        "isometric abduction strength at 90° (best of attempts)",
        (),
        Scale(0, 100, "kg", whole_numbers=False),
        higher_is_better=True,
    ),
)


def elevation_points(degrees: Any) -> Any:
    """Return points for flexion or abduction: 0–30° 0, 31–60° 2, … 121–150° 8, > 150° 10."""
    return 2 * np.clip(np.ceil((degrees - 30) / 30), 0, 5)


def _strength_rule(convention: str) -> PointsSum:
    if convention == "pound_1987":
        return PointsSum(
            (None,), "1 point per lb (kg / 0.45359237), at most 25", divide=POUND_KG, cap=25
        )
    return PointsSum((None,), "1 point per 0.5 kg (kg × 2), at most 25", multiply=2, cap=25)


def build_constant(strength_convention: str) -> Instrument:
    """Build the Constant–Murley score with the chosen strength convention."""
    ids = [item.id for item in ITEMS]
    pain = PointsSum((None,), "points (15 = no pain)")
    adl = PointsSum((None,) * 4, "sleep + work + recreation + hand position")
    motion = PointsSum(
        (elevation_points, elevation_points) + (None,) * 6,
        "flexion and abduction bands + external rotation positions + internal rotation landmark",
    )
    strength = _strength_rule(strength_convention)
    parts = (
        ("Pain", 1, pain),
        ("ADL", 4, adl),
        ("Range of motion", 8, motion),
        ("Strength", 1, strength),
    )
    subscales = (
        Subscale("pain", "Pain", tuple(ids[:1]), pain, 0, 15, True, decimals=0),
        Subscale("adl", "ADL", tuple(ids[1:5]), adl, 0, 20, True, decimals=0),
        Subscale(
            "range_of_motion", "Range of motion", tuple(ids[5:13]), motion, 0, 40, True, decimals=0
        ),
        Subscale("strength", "Strength", tuple(ids[13:]), strength, 0, 25, True),
        Subscale("total", "Constant score", tuple(ids), Parts(parts), 0, 100, True),
    )
    return Instrument(
        id="constant",
        name="Constant–Murley score",
        version=f"{'2008 guideline' if strength_convention == 'half_kg_2008' else '1987'} "
        "strength convention",
        joints=("shoulder",),
        completed_by=CompletedBy.PATIENT_AND_CLINICIAN,
        recall_period="pain: ordinary activities in the last 24 hours",
        licence=Licence("Constant & Murley 1987", "free", ships_wording=True),
        items=ITEMS,
        subscales=subscales,
        references=(CONSTANT_1987, CONSTANT_2008, "docs/instruments.md#constant-murley-score"),
        thresholds=(
            Threshold(
                "total",
                ThresholdKind.MCID,
                10.4,
                "points",
                "shoulder",
                "rotator cuff surgery (not OA)",
                "Kukkonen J et al., J Shoulder Elbow Surg 2013;22:1650–5",
                Evidence.UNVERIFIED,
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
                "strength_convention",
                ("half_kg_2008", "pound_1987"),
                "half_kg_2008",
                "[U] 2008 guideline 1 point per 0.5 kg, or the original 1 point per lb "
                "(docs/instruments.md#constant-strength-convention)",
            ),
        ),
    ),
}
