"""Harris Hip Score (clinician) and modified Harris Hip Score (patient).

See docs/instruments.md#harris-hip-score and docs/instruments.md#modified-harris-hip-score.

Response codes are the points printed on the form (pain 44, 40, 30, 20, 10, 0 …), so the
stored value is what the clinician ticked. Measurements are raw degrees or cm, and the
points are derived from them, never stored instead of them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from orthoregen.instruments.definitions import (
    CompletedBy,
    Instrument,
    Item,
    Licence,
    OptionSpec,
    Recipe,
    Scale,
    Subscale,
)
from orthoregen.instruments.rules import AllBelow, Banded, PointsSum
from orthoregen.instruments.totals import Part, part_subscales

HARRIS = "Harris WH, J Bone Joint Surg Am 1969;51:737–55"
BYRD = "Byrd JW, Jones KS, Arthroscopy 2000;16:578–87"
FREE = Licence(owner="Harris 1969 (JBJS)", terms="free", ships_wording=True)


def _points(*, item_id: str, topic: str, points: tuple[int, ...]) -> Item:
    return Item(
        id=item_id, topic=topic, options=tuple(float(p) for p in points), higher_is_better=True
    )


def _measure(*, item_id: str, topic: str, maximum: float, unit: str, better_high: bool) -> Item:
    return Item(
        id=item_id,
        topic=topic,
        options=(),
        scale=Scale(minimum=0, maximum=maximum, unit=unit, whole_numbers=unit == "degrees"),
        higher_is_better=better_high,
    )


PATIENT_ITEMS = (
    _points(item_id="pain", topic="pain", points=(44, 40, 30, 20, 10, 0)),
    _points(item_id="limp", topic="limp", points=(11, 8, 5, 0)),
    _points(item_id="support", topic="support", points=(11, 7, 5, 3, 2, 0)),
    _points(item_id="distance", topic="distance walked", points=(11, 8, 5, 2, 0)),
    _points(item_id="stairs", topic="stairs", points=(4, 2, 1, 0)),
    _points(item_id="shoes_socks", topic="putting on shoes and socks", points=(4, 2, 0)),
    _points(item_id="sitting", topic="sitting", points=(5, 3, 0)),
    _points(item_id="public_transport", topic="enter public transportation", points=(1, 0)),
)
DEFORMITY_ITEMS = (
    _measure(
        item_id="flexion_contracture_deg",
        topic="fixed flexion contracture",
        maximum=90,
        unit="degrees",
        better_high=False,
    ),
    # Adduction, not abduction as two public implementations label it (Harris 1969).
    _measure(
        item_id="fixed_adduction_deg",
        topic="fixed adduction",
        maximum=45,
        unit="degrees",
        better_high=False,
    ),
    _measure(
        item_id="fixed_internal_rotation_deg",
        topic="fixed internal rotation in extension",
        maximum=45,
        unit="degrees",
        better_high=False,
    ),
    _measure(
        item_id="limb_length_discrepancy_cm",
        topic="limb-length discrepancy",
        maximum=10,
        unit="cm",
        better_high=False,
    ),
)
MOTION_ITEMS = (
    _measure(item_id="flexion_deg", topic="flexion", maximum=150, unit="degrees", better_high=True),
    _measure(
        item_id="abduction_deg", topic="abduction", maximum=90, unit="degrees", better_high=True
    ),
    _measure(
        item_id="adduction_deg", topic="adduction", maximum=60, unit="degrees", better_high=True
    ),
    _measure(
        item_id="external_rotation_deg",
        topic="external rotation in extension",
        maximum=90,
        unit="degrees",
        better_high=True,
    ),
    _measure(
        item_id="internal_rotation_deg",
        topic="internal rotation in extension",
        maximum=90,
        unit="degrees",
        better_high=True,
    ),
)


def flexion_index(degrees: Any) -> Any:
    """Return Harris's flexion index: 0–45° × 1.0, 45–90° × 0.6, 90–110° × 0.3 (Harris 1969)."""
    return (
        np.minimum(degrees, 45) * 1.0
        + np.clip(degrees - 45, 0, 45) * 0.6
        + np.clip(degrees - 90, 0, 20) * 0.3
    )


def abduction_index(degrees: Any) -> Any:
    """Return Harris's abduction index: 0–15° × 0.8, 15–20° × 0.3, beyond 20° nothing."""
    return np.minimum(degrees, 15) * 0.8 + np.clip(degrees - 15, 0, 5) * 0.3


def adduction_index(degrees: Any) -> Any:
    """Return Harris's adduction index: 0–15° × 0.2."""
    return np.minimum(degrees, 15) * 0.2


def external_rotation_index(degrees: Any) -> Any:
    """Return Harris's external rotation (in extension) index: 0–15° × 0.4."""
    return np.minimum(degrees, 15) * 0.4


def internal_rotation_index(degrees: Any) -> Any:
    """Return Harris's internal rotation index, which is weighted 0."""
    return degrees * 0.0


def _motion_rule(method: str) -> PointsSum | Banded:
    if method == "harris_index":
        indices = (
            flexion_index,
            abduction_index,
            adduction_index,
            external_rotation_index,
            internal_rotation_index,
        )
        return PointsSum(
            points=indices,
            description="Σ Harris 1969 motion indices × 0.05, at most 5",
            multiply=5,
            divide=100,
            cap=5,
        )
    degrees = PointsSum(points=(None,) * 5, description="sum of the five arcs in degrees")
    return Banded(
        inner=degrees,
        cutoffs=(31, 61, 101, 161, 211),
        description=(
            "summed degrees: 0–30 → 0, 31–60 → 1, 61–100 → 2, 101–160 → 3, "
            "161–210 → 4, 211 or more → 5"
        ),
    )


def build_hhs(rom_method: str) -> Instrument:
    """Build the Harris Hip Score: pain 44 + function 47 + deformity 4 + motion 5 = 100."""
    ids = [item.id for item in PATIENT_ITEMS + DEFORMITY_ITEMS + MOTION_ITEMS]
    pain = PointsSum(points=(None,), description="points ticked")
    function = PointsSum(
        points=(None,) * 7, description="gait (limp, support, distance) + activities"
    )
    deformity = AllBelow(
        limits=(30, 10, 10, 3.2),
        points=4.0,
        description=(
            "4 points only if fixed flexion < 30°, fixed adduction < 10°, fixed "
            "internal rotation < 10° and limb-length discrepancy < 3.2 cm"
        ),
    )
    motion = _motion_rule(rom_method)
    parts = (
        Part(id="pain", name="Pain", item_count=1, rule=pain, maximum=44),
        Part(id="function", name="Function", item_count=7, rule=function, maximum=47),
        Part(id="deformity", name="Absence of deformity", item_count=4, rule=deformity, maximum=4),
        Part(id="range_of_motion", name="Range of motion", item_count=5, rule=motion, maximum=5),
    )
    subscales = part_subscales(parts, ids, total_name="Harris Hip Score")
    return Instrument(
        id="hhs",
        name="Harris Hip Score",
        version=f"Harris 1969; motion by {rom_method}",
        joints=("hip",),
        completed_by=CompletedBy.CLINICIAN,
        recall_period="current state",
        licence=FREE,
        items=PATIENT_ITEMS + DEFORMITY_ITEMS + MOTION_ITEMS,
        subscales=subscales,
        references=(HARRIS, "docs/instruments.md#harris-hip-score"),
        notes=(
            "Bands: < 70 poor, 70–79 fair, 80–89 good, 90–100 excellent.",
            "The two motion methods can differ by about 1 point; the method is stored.",
        ),
    )


def build_mhhs(cap_at_100: str) -> Instrument:
    """Build the modified HHS: Harris pain + function points (0–91) × 1.1 (Byrd & Jones 2000)."""
    ids = tuple(item.id for item in PATIENT_ITEMS)
    raw = PointsSum(points=(None,) * 8, description="pain + function points")
    cap = 100.0 if cap_at_100 == "yes" else None
    # × 11 / 10 rather than × 1.1, so that 91 gives exactly 100.1.
    scaled = PointsSum(
        points=(None,) * 8,
        description="(pain + function points) × 1.1",
        multiply=11,
        divide=10,
        cap=cap,
    )
    subscales = (
        Subscale(
            id="raw",
            name="mHHS raw",
            items=ids,
            rule=raw,
            minimum=0,
            maximum=91,
            higher_is_better=True,
            decimals=0,
        ),
        Subscale(
            id="total",
            name="mHHS",
            items=ids,
            rule=scaled,
            minimum=0,
            maximum=100.0 if cap else 100.1,
            higher_is_better=True,
        ),
    )
    return Instrument(
        id="mhhs",
        name="modified Harris Hip Score",
        version="Byrd & Jones 2000 (× 1.1)",
        joints=("hip",),
        completed_by=CompletedBy.PATIENT,
        recall_period="current state",
        licence=FREE,
        items=PATIENT_ITEMS,
        subscales=subscales,
        references=(BYRD, HARRIS, "docs/instruments.md#modified-harris-hip-score"),
        notes=("Developed for hip arthroscopy; no OA-specific MCID verified.",),
    )


RECIPES = {
    "hhs": Recipe(
        build_hhs,
        (
            OptionSpec(
                name="rom_method",
                choices=("summed_degrees", "harris_index"),
                default="summed_degrees",
                description=(
                    "summed-degrees table of most forms, or Harris's original motion indices"
                ),
            ),
        ),
    ),
    "mhhs": Recipe(
        build_mhhs,
        (
            OptionSpec(
                name="cap_at_100",
                choices=("no", "yes"),
                default="no",
                description="× 1.1 gives at most 100.1; some registries cap at 100",
            ),
        ),
    ),
}
