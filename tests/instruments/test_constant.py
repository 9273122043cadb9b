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


@pytest.mark.parametrize(
    ("hand_position", "adl"),
    # Hand position, modified Constant score test protocol (Ban I et al., Dan Med J
    # 2013;60(4), "after Constant CR et al., J Shoulder Elbow Surg 2008"): below the waist 0,
    # up to waist 2, xiphoid 4, neck 6, top of head 8, above the head 10.
    [(0, 0), (2, 2), (4, 4), (6, 6), (8, 8), (10, 10)],
)
def test_every_hand_position_step_scores_its_points(hand_position, adl):
    no_other_adl = {"sleep": 0, "work": 0, "recreation": 0}
    assert score("constant", no_other_adl | {"hand_position": hand_position})["adl"] == adl


def test_a_hand_that_cannot_reach_the_waist_scores_and_the_lowest_answers_total_0():
    # Before the 0 step was added this response was refused ("hand_position: 0 is not allowed").
    lowest = dict.fromkeys(BEST, 0)
    result = score("constant", lowest)
    assert (result["adl"], result["total"]) == (0, 0)


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
