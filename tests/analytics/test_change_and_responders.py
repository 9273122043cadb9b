"""change_and_responder_rates gives exactly the tables of the two calls it replaces, and the
dense duplicate check marks exactly what pandas marks."""

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from orthoregen.analytics import change_from_baseline, responder_rates
from orthoregen.analytics.responders import Better, Thresholds, change_and_responder_rates
from orthoregen.analytics.scores import KEYS, LABELS, _duplicated

REPRODUCIBLE = settings(derandomize=True, deadline=None, max_examples=60)
TIMEPOINTS = ["baseline", "6m", "12m"]
THRESHOLDS = {("KOOS", "pain"): Thresholds(Better.HIGHER, improvement=8.0, acceptable=70.0),
              ("WOMAC", "pain"): Thresholds(Better.LOWER, improvement=10.0)}

scores = st.lists(
    st.tuples(st.integers(1, 12), st.sampled_from(["KOOS", "WOMAC"]),
              st.sampled_from(["pain", "adl"]), st.sampled_from([*TIMEPOINTS, None]),
              st.one_of(st.none(), st.floats(0, 100, allow_nan=False))),
    max_size=60)


def table(rows) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["episode_id", "instrument", "subscale", "timepoint",
                                        "value"])
    frame = frame.drop_duplicates(["episode_id", "instrument", "subscale", "timepoint"])
    return frame.astype({"episode_id": np.int64, "value": float})


@REPRODUCIBLE
@given(scores)
def test_together_equals_the_two_calls(rows):
    frame = table(rows)
    change, rates = change_and_responder_rates(frame, THRESHOLDS, timepoints=TIMEPOINTS)
    pd.testing.assert_frame_equal(change, change_from_baseline(frame, timepoints=TIMEPOINTS),
                                  check_exact=True)
    pd.testing.assert_frame_equal(rates, responder_rates(frame, THRESHOLDS,
                                                         timepoints=TIMEPOINTS),
                                  check_exact=True)


sparse_rows = st.lists(
    st.tuples(st.sampled_from([3, 10**9, 7 * 10**12]), st.sampled_from(["KOOS", None]),
              st.sampled_from(["pain", "adl"]), st.sampled_from(["baseline", "6m"])),
    max_size=30)


@REPRODUCIBLE
@given(sparse_rows)
def test_sparse_episode_ids_are_checked_like_pandas(rows):
    """Ids too far apart for counting in an array fall back to hashing the folded key."""
    frame = pd.DataFrame(rows, columns=["episode_id", "instrument", "subscale", "timepoint"])
    frame["episode_id"] = frame["episode_id"].astype(np.int64)
    frame = frame.astype({c: "category" for c in LABELS})
    expected = frame.duplicated([*KEYS, "timepoint"], keep=False)
    assert _duplicated(frame).tolist() == expected.tolist()
