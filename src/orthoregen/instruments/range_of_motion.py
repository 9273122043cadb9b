"""Range of motion in whole degrees per movement, neutral-zero method.

See docs/instruments.md#range-of-motion.

Each movement is its own "subscale" holding the degrees as measured; points for Harris or
Constant are derived from degrees elsewhere, never stored instead of them. Whether a
measurement was active or passive, the patient's position and whether it was pain-limited
belong to the visit record.
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

FREE = Licence(owner="generic clinical measurement", terms="free", ships_wording=True)

# joint: ((item id, movement, maximum degrees, is more motion better?), ...)
MOVEMENTS = {
    "knee": (
        # Extension deficit as a positive "lacks X°"; hyperextension is recorded separately.
        ("extension_deficit_deg", "extension deficit (lacks X°)", 90, False),
        ("hyperextension_deg", "hyperextension", 30, None),
        ("flexion_deg", "flexion", 170, True),
    ),
    "hip": (
        ("flexion_deg", "flexion", 150, True),
        ("extension_deg", "extension", 60, True),
        ("abduction_deg", "abduction", 90, True),
        ("adduction_deg", "adduction", 60, True),
        ("internal_rotation_deg", "internal rotation", 90, True),
        ("external_rotation_deg", "external rotation", 90, True),
    ),
    "shoulder": (
        ("forward_flexion_deg", "forward flexion (elevation)", 180, True),
        ("abduction_deg", "abduction", 180, True),
        ("external_rotation_side_deg", "external rotation at the side (0° abduction)", 120, True),
        ("external_rotation_90_deg", "external rotation at 90° abduction", 150, True),
        ("internal_rotation_90_deg", "internal rotation at 90° abduction", 120, True),
    ),
}


def _recipe(joint: str) -> Recipe:
    def build() -> Instrument:
        items, subscales = [], []
        for item_id, movement, maximum, better_high in MOVEMENTS[joint]:
            items.append(
                Item(
                    id=item_id,
                    topic=movement,
                    options=(),
                    scale=Scale(minimum=0, maximum=maximum, unit="degrees"),
                    higher_is_better=better_high,
                )
            )
            subscales.append(
                Subscale(
                    id=item_id,
                    name=movement.capitalize(),
                    items=(item_id,),
                    rule=Single(),
                    minimum=0,
                    maximum=maximum,
                    higher_is_better=bool(better_high),
                    decimals=0,
                )
            )
        return Instrument(
            id=f"rom_{joint}",
            name=f"{joint.capitalize()} range of motion",
            version="goniometer, neutral-zero method",
            joints=(joint,),
            completed_by=CompletedBy.CLINICIAN,
            recall_period="at examination",
            licence=FREE,
            items=tuple(items),
            subscales=tuple(subscales),
            references=(
                "AAOS, Joint Motion: Method of Measuring and Recording, 1965",
                "docs/instruments.md#range-of-motion",
            ),
            notes=("Inter-rater error is several degrees; treat small changes as noise.",),
        )

    build.__doc__ = f"Build the {joint} range-of-motion record in whole degrees."
    return Recipe(build)


RECIPES = {f"rom_{joint}": _recipe(joint) for joint in MOVEMENTS}
