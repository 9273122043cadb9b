"""Bad responses raise one error class naming the item and the allowed values; nothing clipped."""

import math

import numpy as np
import pandas as pd
import pytest

from orthoregen.instruments import (
    OptionError,
    ResponseError,
    UnknownInstrumentError,
    score,
    score_batch,
)


@pytest.mark.parametrize(
    ("responses", "item_id", "message"),
    [
        ({"P10": 1}, "P10", "no such item"),
        ({"P1": 5}, "P1", "5 is not allowed; allowed: one of 0, 1, 2, 3, 4"),
        ({"P1": -1}, "P1", "-1 is not allowed"),
        ({"P1": 1.5}, "P1", "1.5 is not allowed"),
        ({"P1": True}, "P1", "True is not a number"),
        ({"P1": "2"}, "P1", "'2' is not a number"),
        ({"P1": [2]}, "P1", "is not a number"),
        ({"P1": math.inf}, "P1", "inf is not allowed"),
    ],
)
def test_bad_koos_responses_name_the_item(responses, item_id, message):
    with pytest.raises(ResponseError) as caught:
        score("koos", responses)
    assert caught.value.item_id == item_id
    assert message in str(caught.value)


def test_response_error_is_a_value_error():
    assert issubclass(ResponseError, ValueError)


def test_scale_items_say_their_range_and_unit():
    with pytest.raises(ResponseError, match=r"allowed: a whole number from 0 to 100 mm"):
        score("vas_pain", {"VAS": 104})


def test_numpy_numbers_and_nan_are_accepted():
    result = score("koos", {"P1": np.int64(2), "P2": np.float64(2.0), "P3": math.nan})
    assert result.reasons["pain"] == "Pain: 2 of 9 items answered, 5 needed"


def test_a_response_must_be_a_mapping():
    with pytest.raises(ResponseError):
        score("koos", [("P1", 1)])


def test_unknown_instrument_and_options():
    with pytest.raises(UnknownInstrumentError, match="koos_xyz"):
        score("koos_xyz", {})
    with pytest.raises(OptionError, match="missing_rule"):
        score("koos", {}, options={"missing_rule": "2020"})
    with pytest.raises(OptionError, match="no option"):
        score("koos", {}, options={"rounding": "up"})


def test_batch_names_item_and_row_of_an_out_of_range_code():
    table = np.zeros((5, 42))
    table[3, 10] = 7  # column 10 is P4 (S1–S7 then P1…)
    with pytest.raises(ResponseError, match=r"'P4': 7 is not allowed \(row 3\)"):
        score_batch("koos", table)


@pytest.mark.parametrize(
    ("frame", "item_id"),
    [
        (pd.DataFrame({"P1": [1, 2], "patient_id": [1, 2]}), "patient_id"),
        (pd.DataFrame({"P1": ["1", "2"]}), "P1"),
        (pd.DataFrame({"P1": [True, False]}), "P1"),
        (pd.DataFrame({"P1": [1.0, 4.5]}), "P1"),
        (pd.DataFrame([[1, 2]], columns=["P1", "P1"]), "P1"),
    ],
)
def test_batch_rejects_bad_frames(frame, item_id):
    with pytest.raises(ResponseError) as caught:
        score_batch("koos", frame)
    assert caught.value.item_id == item_id


def test_batch_rejects_a_wrongly_shaped_array():
    with pytest.raises(ResponseError, match="42 columns"):
        score_batch("koos", np.zeros((3, 41)))
    with pytest.raises(ResponseError, match="bool"):
        score_batch("koos", np.zeros((3, 42), dtype=bool))


def test_batch_keeps_the_index_and_treats_absent_columns_as_unanswered():
    frame = pd.DataFrame({f"P{n}": [0, 4] for n in range(1, 10)}, index=["a", "b"])
    result = score_batch("koos", frame)
    assert list(result.index) == ["a", "b"]
    assert list(result["pain"]) == [100.0, 0.0]  # 100 − mean/4 × 100 (KOOS Scoring 2012)
    assert result["adl"].isna().all()


def test_batch_accepts_nullable_integer_columns():
    frame = pd.DataFrame({"VAS": pd.array([10, None, 100], dtype="Int64")})
    assert score_batch("vas_pain", frame)["pain"].tolist()[0::2] == [10.0, 100.0]
