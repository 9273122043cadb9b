"""ASES physician section: items and ranges of the 1994 form, refusals, no summed score.

Source for every item and code below: Richards RR et al., J Shoulder Elbow Surg
1994;3:347–52, the physician assessment section of the ASES form
(docs/instruments.md#ases-clinician-section).
"""

import numpy as np
import pandas as pd
import pytest

from orthoregen.instruments import ResponseError, get_instrument, score, score_batch
from orthoregen.instruments.definitions import CompletedBy

INSTRUMENT = get_instrument("ases_clinician")


def test_clinician_reported_for_the_shoulder_only():
    assert INSTRUMENT.completed_by is CompletedBy.CLINICIAN
    assert INSTRUMENT.joints == ("shoulder",)


@pytest.mark.parametrize(
    ("item_id", "allowed"),
    [
        # Richards 1994, strength: MRC grade 0 (no contraction) to 5 (normal power).
        ("strength_forward_elevation", (0, 1, 2, 3, 4, 5)),
        ("strength_abduction", (0, 1, 2, 3, 4, 5)),
        ("strength_external_rotation", (0, 1, 2, 3, 4, 5)),
        ("strength_internal_rotation", (0, 1, 2, 3, 4, 5)),
        # Richards 1994, instability: 0 none, 1 mild, 2 moderate, 3 severe.
        ("translation_anterior", (0, 1, 2, 3)),
        ("translation_posterior", (0, 1, 2, 3)),
        ("translation_inferior", (0, 1, 2, 3)),
        ("apprehension_anterior", (0, 1, 2, 3)),
        # Richards 1994, signs: tenderness graded 0–3, the other signs yes/no.
        ("tender_supraspinatus", (0, 1, 2, 3)),
        ("tender_ac_joint", (0, 1, 2, 3)),
        ("tender_biceps", (0, 1, 2, 3)),
        ("tender_other", (0, 1, 2, 3)),
        ("impingement_1", (0, 1)),
        ("impingement_2", (0, 1)),
        ("impingement_3", (0, 1)),
        ("subacromial_crepitus", (0, 1)),
        ("scars", (0, 1)),
        ("atrophy", (0, 1)),
        ("deformity", (0, 1)),
        ("instability_voluntary", (0, 1)),
        ("relocation_positive", (0, 1)),
        ("ligamentous_laxity", (0, 1)),
        # Richards 1994: internal rotation as the highest posterior landmark reached,
        # below the trochanter (1) … T1 (21).
        ("active_internal_rotation_level", tuple(range(1, 22))),
        ("passive_internal_rotation_level", tuple(range(1, 22))),
    ],
)  # fmt: skip
def test_codes_of_the_form(item_id, allowed):
    assert INSTRUMENT.item(item_id).options == tuple(float(code) for code in allowed)


@pytest.mark.parametrize(
    ("item_id", "low", "high", "unit"),
    [
        ("active_forward_elevation_deg", 0, 180, "degrees"),
        ("passive_forward_elevation_deg", 0, 180, "degrees"),
        ("active_er_side_deg", -60, 120, "degrees"),  # below 0: rotation contracture
        ("passive_er_90_abduction_deg", -60, 150, "degrees"),
        ("active_cross_body_adduction_cm", 0, 60, "cm"),
    ],
)
def test_motion_ranges(item_id, low, high, unit):
    scale = INSTRUMENT.item(item_id).scale
    assert (scale.minimum, scale.maximum, scale.unit) == (low, high, unit)


@pytest.mark.parametrize(
    ("item_id", "value"),
    [
        ("strength_abduction", 6),  # MRC stops at 5
        ("strength_abduction", 4.5),  # no half grades on the form
        ("active_forward_elevation_deg", 400),
        ("active_forward_elevation_deg", -10),
        ("passive_er_side_deg", 121),
        ("translation_anterior", 4),
        ("impingement_2", 2),
        ("active_internal_rotation_level", 0),
        ("active_internal_rotation_level", 22),
    ],
)
def test_impossible_values_are_refused(item_id, value):
    with pytest.raises(ResponseError, match=item_id):
        score("ases_clinician", {item_id: value})


def test_no_summed_score_only_the_items_as_recorded_and_their_count():
    # A worked record (values chosen to lie inside the form's ranges). The published section
    # has no total, so the result is each value unchanged and how many of 34 were recorded.
    record = {
        "active_forward_elevation_deg": 120, "passive_forward_elevation_deg": 140,
        "active_er_side_deg": -10, "active_internal_rotation_level": 5,  # 5 = L5
        "tender_ac_joint": 2, "impingement_3": 1, "strength_abduction": 4,
        "translation_inferior": 1,
    }  # fmt: skip
    result = score("ases_clinician", record)
    assert {k: result[k] for k in record} == {k: float(v) for k, v in record.items()}
    assert result["items_recorded"] == 8
    assert result["strength_forward_elevation"] is None
    assert {s.id for s in INSTRUMENT.subscales} == {*INSTRUMENT.item_index, "items_recorded"}
    assert len(INSTRUMENT.items) == 34
    assert "total" not in result.values


def test_an_empty_record_has_nothing_recorded_and_the_batch_agrees():
    assert score("ases_clinician", {})["items_recorded"] == 0
    rows = [{"strength_abduction": 5, "scars": 0}, {}]
    batch = score_batch("ases_clinician", pd.DataFrame(rows, columns=list(INSTRUMENT.item_index)))
    assert list(batch["items_recorded"]) == [2.0, 0.0]
    assert np.isnan(batch["strength_forward_elevation"]).all()
