"""Oxford Knee, Hip and Shoulder Scores, 2007 scoring (Murray et al. JBJS Br 2007)."""

import pytest

from orthoregen.instruments import ResponseError, score

from .helpers import every_item

OXFORD = ["oks", "ohs", "oss"]
NAMES = {"oks": "Oxford Knee Score", "ohs": "Oxford Hip Score", "oss": "Oxford Shoulder Score"}


@pytest.mark.parametrize("instrument_id", OXFORD)
@pytest.mark.parametrize(
    ("code", "expected"),
    [(4, 48.0), (0, 0.0), (2, 24.0)],  # sum of 12 items coded 0–4, 4 = best (2007 scoring)
)
def test_total_is_the_sum(instrument_id, code, expected):
    assert score(instrument_id, every_item(instrument_id, code))["total"] == expected


@pytest.mark.parametrize("instrument_id", OXFORD)
def test_two_missing_items_are_replaced_by_the_mean(instrument_id):
    # OUI guidance [S]: 1 or 2 unanswered → mean of the other answers substituted.
    # Q1–Q10 = 3 (sum 30), Q11, Q12 missing → 30 + 2 × 3 = 36.
    responses = {f"Q{n}": 3 for n in range(1, 11)}
    assert score(instrument_id, responses)["total"] == 36.0


@pytest.mark.parametrize("instrument_id", OXFORD)
def test_three_missing_items_give_no_total(instrument_id):
    result = score(instrument_id, {f"Q{n}": 3 for n in range(1, 10)})
    assert result["total"] is None
    assert result.reasons["total"] == f"{NAMES[instrument_id]}: 9 of 12 items answered, 10 needed"


def test_substituted_mean_is_unrounded_by_default_and_rounded_on_request():
    # Q1–Q10 = 3, Q11 = 4 (sum 34, mean 34/11 = 3.0909), Q12 missing.
    responses = {f"Q{n}": 3 for n in range(1, 11)} | {"Q11": 4}
    assert score("oks", responses)["total"] == pytest.approx(37.0909, abs=0.005)
    rounded = score("oks", responses, options={"imputed_rounding": "whole_code"})
    assert rounded["total"] == 37.0  # 34 + 3 (option imputed_rounding=whole_code)


def test_legacy_one_to_five_codes_are_rejected():
    # Murray 2007: never mix legacy 1–5 scoring with 2007 scoring.
    with pytest.raises(ResponseError, match="Q1"):
        score("oks", {"Q1": 5})
