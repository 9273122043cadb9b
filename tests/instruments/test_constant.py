"""Constant–Murley score (Constant & Murley 1987; 2008 guideline).

See docs/instruments.md#constant-murley-score.
"""

import pytest

from orthoregen.instruments import score
from orthoregen.instruments.constant import elevation_points

BEST = {"pain": 15, "sleep": 2, "work": 4, "recreation": 4, "hand_position": 10,
        "forward_flexion_deg": 180, "abduction_deg": 180, "er_behind_head_elbow_forward": 2,
        "er_behind_head_elbow_back": 2, "er_on_head_elbow_forward": 2,
        "er_on_head_elbow_back": 2, "er_full_elevation": 2, "internal_rotation": 10,
        "strength_kg": 12.5}  # fmt: skip


@pytest.mark.parametrize(
    ("degrees", "points"),
    # 0–30° 0, 31–60° 2, 61–90° 4, 91–120° 6, 121–150° 8, > 150° 10 (Constant & Murley 1987)
    [
        (0, 0),
        (30, 0),
        (31, 2),
        (60, 2),
        (61, 4),
        (90, 4),
        (91, 6),
        (120, 6),
        (121, 8),
        (150, 8),
        (151, 10),
        (180, 10),
    ],  # fmt: skip
)
def test_elevation_bands(degrees, points):
    assert elevation_points(degrees) == points


def test_best_shoulder_scores_100():
    # Pain 15 + ADL 20 + motion 40 + strength 25 (12.5 kg × 2, 2008 guideline).
    assert score("constant", BEST).values == {"pain": 15, "adl": 20, "range_of_motion": 40,
                                               "strength": 25, "total": 100}  # fmt: skip


def test_lowest_answers_score_2_because_the_hand_position_scale_starts_at_waist():
    lowest = {key: 0 for key in BEST} | {"hand_position": 2}  # up to waist = 2 points
    assert score("constant", lowest)["total"] == 2


@pytest.mark.parametrize(
    ("kg", "convention", "points"),
    [
        (10, "half_kg_2008", 20.0),  # 1 point per 0.5 kg (2008 guideline)
        (20, "half_kg_2008", 25.0),  # capped at 25
        (10, "pound_1987", 22.0462),  # 1 point per lb: 10 / 0.45359237
        (20, "pound_1987", 25.0),
        (0, "half_kg_2008", 0.0),
    ],
)
def test_strength_conventions(kg, convention, points):
    result = score("constant", {"strength_kg": kg}, options={"strength_convention": convention})
    assert result["strength"] == pytest.approx(points, abs=0.005)
