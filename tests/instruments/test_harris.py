"""Harris Hip Score (Harris 1969) and modified HHS (Byrd & Jones 2000).

See docs/instruments.md#harris-hip-score.
"""

import pytest

from orthoregen.instruments import score

BEST_PATIENT = {"pain": 44, "limp": 11, "support": 11, "distance": 11, "stairs": 4,
                "shoes_socks": 4, "sitting": 5, "public_transport": 1}  # fmt: skip
WORST_PATIENT = dict.fromkeys(BEST_PATIENT, 0)
NO_DEFORMITY = {"flexion_contracture_deg": 0, "fixed_adduction_deg": 0,
                "fixed_internal_rotation_deg": 0, "limb_length_discrepancy_cm": 0}  # fmt: skip
MOTION_IDS = ["flexion_deg", "abduction_deg", "adduction_deg", "external_rotation_deg",
              "internal_rotation_deg"]  # fmt: skip


def motion(*degrees):
    return dict(zip(MOTION_IDS, degrees, strict=True))


def test_best_hip_scores_100():
    # Pain 44 + function 47 + deformity 4 + motion 5 (Harris 1969 point allocation).
    result = score("hhs", BEST_PATIENT | NO_DEFORMITY | motion(120, 40, 30, 40, 30))
    assert result.values == {"pain": 44, "function": 47, "deformity": 4,
                             "range_of_motion": 5, "total": 100}  # fmt: skip


def test_worst_hip_scores_0():
    deformed = {"flexion_contracture_deg": 30, "fixed_adduction_deg": 10,
                "fixed_internal_rotation_deg": 10, "limb_length_discrepancy_cm": 3.2}  # fmt: skip
    assert score("hhs", WORST_PATIENT | deformed | motion(0, 0, 0, 0, 0))["total"] == 0


@pytest.mark.parametrize(
    ("item_id", "below", "at_limit"),
    [
        ("flexion_contracture_deg", 29, 30),  # < 30° fixed flexion
        ("fixed_adduction_deg", 9, 10),  # < 10° fixed adduction
        ("fixed_internal_rotation_deg", 9, 10),  # < 10° fixed internal rotation
        ("limb_length_discrepancy_cm", 3.1, 3.2),  # < 3.2 cm
    ],
)
def test_deformity_points_are_all_or_nothing(item_id, below, at_limit):
    assert score("hhs", NO_DEFORMITY | {item_id: below})["deformity"] == 4
    assert score("hhs", NO_DEFORMITY | {item_id: at_limit})["deformity"] == 0


@pytest.mark.parametrize(
    ("summed_degrees", "points"),
    # Summed-degrees table (docs/instruments.md#harris-hip-score): 0–30 → 0, 31–60 → 1, 61–100 → 2,
    # 101–160 → 3, 161–210 → 4, 211–300 → 5.
    [
        (0, 0),
        (30, 0),
        (31, 1),
        (60, 1),
        (61, 2),
        (100, 2),
        (101, 3),
        (160, 3),
        (161, 4),
        (210, 4),
        (211, 5),
        (300, 5),
    ],  # fmt: skip
)
def test_summed_degrees_motion_points(summed_degrees, points):
    flexion = min(summed_degrees, 150)
    rest = summed_degrees - flexion
    degrees = motion(flexion, min(rest, 90), max(rest - 90, 0), 0, 0)
    assert score("hhs", degrees)["range_of_motion"] == points


@pytest.mark.parametrize(
    ("degrees", "expected"),
    [
        # Harris 1969 indices × 0.05: flexion 45 × 1 + 45 × 0.6 = 72, abduction 15 × 0.8 = 12,
        # adduction 10 × 0.2 = 2, external rotation 10 × 0.4 = 4, internal 0 → 90 × 0.05 = 4.5
        ((90, 15, 10, 10, 10), 4.5),
        # 110° flexion 45 + 27 + 6 = 78; abduction 12 + 1.5; adduction 3; ER 6 → 100.5 × 0.05
        # = 5.025, capped at the published maximum of 5.
        ((110, 20, 15, 15, 20), 5.0),
        ((0, 0, 0, 0, 0), 0.0),
    ],
)
def test_original_index_method_is_an_option(degrees, expected):
    result = score("hhs", motion(*degrees), options={"rom_method": "harris_index"})
    assert result["range_of_motion"] == pytest.approx(expected, abs=0.005)


def test_missing_measurement_blocks_the_total_with_a_reason():
    result = score(
        "hhs",
        BEST_PATIENT | NO_DEFORMITY | motion(120, 40, 30, 40, 30) | {"internal_rotation_deg": None},
    )
    assert result["total"] is None
    assert "Range of motion not scored (4 of 5 items answered, 5 needed)" in result.reasons["total"]


@pytest.mark.parametrize(
    ("responses", "raw", "total"),
    [
        (BEST_PATIENT, 91, 100.1),  # 91 × 1.1 (Byrd & Jones 2000; max 100.1)
        (WORST_PATIENT, 0, 0.0),
        # 30 + 8 + 7 + 8 + 2 + 2 + 3 + 1 = 61 → 67.1
        (
            {
                "pain": 30,
                "limp": 8,
                "support": 7,
                "distance": 8,
                "stairs": 2,
                "shoes_socks": 2,
                "sitting": 3,
                "public_transport": 1,
            },
            61,
            67.1,
        ),  # fmt: skip
    ],
)
def test_mhhs_is_raw_times_1_1(responses, raw, total):
    result = score("mhhs", responses)
    assert result["raw"] == raw
    assert result["total"] == pytest.approx(total, abs=0.005)


def test_mhhs_cap_at_100_is_opt_in():
    assert score("mhhs", BEST_PATIENT, options={"cap_at_100": "yes"})["total"] == 100.0
