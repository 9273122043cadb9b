"""The folded-key duplicate check of valid_scores marks exactly what pandas' own check marks."""

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from orthoregen.analytics.scores import KEYS, LABELS, _duplicated

REPRODUCIBLE = settings(derandomize=True, deadline=None, max_examples=60)

rows = st.lists(
    st.tuples(st.integers(0, 5), st.sampled_from(["KOOS", "WOMAC", None]),
              st.sampled_from(["pain", "adl", None]), st.sampled_from(["baseline", "6m", "12m"])),
    max_size=40)


def table(data) -> pd.DataFrame:
    frame = pd.DataFrame(data, columns=["episode_id", "instrument", "subscale", "timepoint"])
    frame["episode_id"] = frame["episode_id"].astype(np.int64)
    frame["value"] = 1.0
    return frame.astype({c: "category" for c in LABELS})


@REPRODUCIBLE
@given(rows)
def test_folded_key_agrees_with_pandas(data):
    frame = table(data)
    expected = frame.duplicated([*KEYS, "timepoint"], keep=False)
    assert _duplicated(frame).tolist() == expected.tolist()


def test_a_missing_label_never_collides_with_the_next_episode():
    # (episode 2, no subscale) and (episode 1, last subscale) would fold to one key if a
    # missing label's code (-1) were used as it is.
    frame = table([(2, "KOOS", None, "6m"), (1, "KOOS", "pain", "6m")])
    assert not _duplicated(frame).any()


def test_ids_large_enough_to_overflow_the_folded_key_fall_back_to_pandas():
    # One category per label: the key is 8 × episode + 7, and 8 × 2**61 wraps to 0 in int64,
    # so episodes 0 and 2**61 would fold to one key and look like duplicates.
    frame = table([(0, "KOOS", "pain", "6m"), (0, "KOOS", "pain", "6m")])
    frame["episode_id"] = np.array([0, 2**61], dtype=np.int64)
    assert _duplicated(frame).tolist() == [False, False]


def test_negative_ids_fold_to_distinct_keys():
    frame = table([(0, "KOOS", None, "6m"), (0, "KOOS", "pain", "6m")])
    frame["episode_id"] = np.array([-1, -2], dtype=np.int64)
    expected = frame.duplicated([*KEYS, "timepoint"], keep=False)
    assert _duplicated(frame).tolist() == expected.tolist() == [False, False]
