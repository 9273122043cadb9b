"""Loss to follow-up: denominators only count visits whose window has closed."""

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orthoregen.analytics.follow_up import FOLLOW_UP_COLUMNS, loss_to_follow_up


def test_counts_due_completed_and_lost_per_timepoint():
    visits = pd.DataFrame(
        {
            "episode_id": [1, 2, 3, 4, 1, 2, 3, 4],
            "timepoint": ["6m"] * 4 + ["12m"] * 4,
            "due": [True, True, True, False, True, False, False, False],
            "completed": [True, False, True, False, False, False, False, True],
        }
    )
    out = loss_to_follow_up(visits, timepoints=["6m", "12m"]).set_index("timepoint")
    assert list(out.reset_index().columns) == FOLLOW_UP_COLUMNS
    six = out.loc["6m"]
    assert (six.n_scheduled, six.n_due, six.n_completed, six.n_lost, six.n_not_yet_due) == (
        4,
        3,
        2,
        1,
        1,
    )
    assert six.proportion_lost == pytest.approx(1 / 3)
    twelve = out.loc["12m"]
    # Episode 4 completed early inside an open window: counted as completed and due.
    assert (twelve.n_due, twelve.n_completed, twelve.n_lost) == (2, 1, 1)


def test_loss_interval_is_wilson():
    # Newcombe 1998 method 3, worked example 81/263 -> 0.2553 to 0.3662 (see
    # test_intervals.py for what was and was not confirmed).
    visits = pd.DataFrame(
        {
            "episode_id": range(263),
            "timepoint": "12m",
            "due": True,
            "completed": [False] * 81 + [True] * 182,
        }
    )
    row = loss_to_follow_up(visits).iloc[0]
    assert (row.ci_low, row.ci_high) == pytest.approx((0.2553, 0.3662), abs=5e-5)
    assert not row.too_thin


def test_visit_completion_from_schedule_and_scores():
    from datetime import date

    from orthoregen.analytics.follow_up import visit_completion

    schedule = pd.DataFrame(
        {
            "episode_id": [1, 2, 3],
            "timepoint": ["6m", "6m", "6m"],
            "window_closes": [date(2026, 5, 1), date(2026, 5, 1), date(2026, 12, 1)],
        }
    )
    scores = pd.DataFrame(
        {
            "episode_id": [1, 1, 2],
            "instrument": "KOOS",
            "subscale": "pain",
            "timepoint": ["6m", "baseline", "baseline"],
            "value": [60.0, 40.0, 45.0],
        }
    )
    visits = visit_completion(schedule, scores, as_of=date(2026, 11, 25))
    assert visits["due"].tolist() == [True, True, False]
    assert visits["completed"].tolist() == [True, False, False]
    row = loss_to_follow_up(visits).iloc[0]
    assert (row.n_due, row.n_lost, row.n_not_yet_due) == (2, 1, 1)


@settings(derandomize=True, deadline=None, max_examples=40)
@given(st.lists(st.tuples(st.sampled_from(["6m", "12m", "24m"]), st.booleans(), st.booleans()),
                min_size=1, max_size=60))
def test_counted_cells_give_the_same_table_as_one_row_per_visit(rows):
    visits = pd.DataFrame(rows, columns=["timepoint", "due", "completed"])
    visits["episode_id"] = range(len(visits))
    counts = (visits.groupby(["timepoint", "due", "completed"], sort=False).size()
              .rename("n").reset_index())
    order = ["6m", "12m", "24m"]
    pd.testing.assert_frame_equal(loss_to_follow_up(counts, timepoints=order),
                                  loss_to_follow_up(visits, timepoints=order))
