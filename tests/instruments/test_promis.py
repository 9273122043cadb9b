"""PROMIS Global Health v1.2: raw sums and T-scores (docs/instruments.md#promis-global-health).

T-score tables: PROMIS Global Health scoring manual as reproduced, identically, by four public
implementations (one labelled v1.2); the manual itself was not opened here. Pain recode
Global07rc: 0 -> 5, 1-3 -> 4, 4-6 -> 3, 7-9 -> 2, 10 -> 1 (same sources).
"""

import pytest

from orthoregen.instruments import score
from orthoregen.instruments.promis import pain_points

PHYSICAL = {4: 16.2, 5: 19.9, 6: 23.5, 7: 26.7, 8: 29.6, 9: 32.4, 10: 34.9, 11: 37.4,
            12: 39.8, 13: 42.3, 14: 44.9, 15: 47.7, 16: 50.8, 17: 54.1, 18: 57.7, 19: 61.9,
            20: 67.7}  # fmt: skip
MENTAL = {4: 21.2, 5: 25.1, 6: 28.4, 7: 31.3, 8: 33.8, 9: 36.3, 10: 38.8, 11: 41.1,
          12: 43.5, 13: 45.8, 14: 48.3, 15: 50.8, 16: 53.3, 17: 56.0, 18: 59.0, 19: 62.5,
          20: 67.6}  # fmt: skip
MENTAL_ITEMS = ("Global02", "Global04", "Global05", "Global10r")
# Global07rc code that recodes to 5, 4, 3, 2, 1 points.
PAIN_FOR_POINTS = {5: 0, 4: 2, 3: 5, 2: 8, 1: 10}


def summing_to(raw: int, item_ids: tuple[str, ...]) -> dict[str, int]:
    """Four 1-5 codes adding up to raw (4-20), filled from the first item."""
    codes, rest = {}, raw
    for position, item_id in enumerate(item_ids):
        code = min(5, rest - (len(item_ids) - position - 1))
        codes[item_id] = code
        rest -= code
    return codes


@pytest.mark.parametrize(("raw", "expected"), PHYSICAL.items())
def test_global_physical_health_table(raw, expected):
    points = summing_to(raw, ("Global03", "Global06", "pain", "Global08r"))
    responses = points | {"Global07rc": PAIN_FOR_POINTS[points.pop("pain")]}
    result = score("promis_global10", responses)
    assert (result["gph_raw"], result["gph_t"]) == (raw, expected)


@pytest.mark.parametrize(("raw", "expected"), MENTAL.items())
def test_global_mental_health_table(raw, expected):
    result = score("promis_global10", summing_to(raw, MENTAL_ITEMS))
    assert (result["gmh_raw"], result["gmh_t"]) == (raw, expected)


@pytest.mark.parametrize(
    ("rating", "points"),
    [(0, 5), (1, 4), (3, 4), (4, 3), (6, 3), (7, 2), (9, 2), (10, 1)],
)
def test_pain_rating_recode_at_every_band_edge(rating, points):
    assert pain_points(rating) == points


@pytest.mark.parametrize("missing", MENTAL_ITEMS)
def test_one_missing_item_gives_no_summary_score(missing):
    responses = dict.fromkeys(MENTAL_ITEMS, 3) | {missing: None}
    result = score("promis_global10", responses)
    assert result["gmh_raw"] is None and result["gmh_t"] is None
    assert (
        result.reasons["gmh_t"] == "Global Mental Health T-score: 3 of 4 items answered, 4 needed"
    )


def test_global01_and_global09r_enter_neither_score():
    base = dict.fromkeys(MENTAL_ITEMS, 3)
    assert (
        score("promis_global10", base | {"Global01": 1, "Global09r": 1}).values
        == score("promis_global10", base | {"Global01": 5, "Global09r": 5}).values
    )
