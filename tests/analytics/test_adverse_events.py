"""AE rates per 100 injections: exact Poisson (R poisson.test) and Wilson intervals."""

import pandas as pd
import pytest

from orthoregen.analytics.adverse_events import (
    AE_COLUMNS,
    adverse_event_rates,
    adverse_event_summary,
)


def _events(n, term="joint effusion", grade=1, serious=False, start=0):
    return pd.DataFrame(
        {
            "injection_id": range(start, start + n),
            "term": term,
            "grade": grade,
            "serious": serious,
        }
    )


def test_rate_interval_matches_r_poisson_test():
    # R's example output (r-devel/r-svn tests/Examples/stats-Ex.Rout.save):
    # poisson.test(137, 24.19893) -> rate 5.661407, CI 4.753125 to 6.692709 per unit exposure.
    # 137 events over 2419.893 "injections" is the same per 100.
    # (A fractional exposure is fine for the arithmetic; real injections are whole.)
    out = adverse_event_rates(_events(137), 2419.893, by=())
    row = out.iloc[0]
    assert row["rate_per_100"] == pytest.approx(5.661407, abs=5e-7)
    assert (row["rate_ci_low"], row["rate_ci_high"]) == pytest.approx(
        (4.753125, 6.692709), abs=5e-7
    )


def test_zero_events_have_an_upper_limit_of_3_689_per_n():
    # Exact Poisson limit for 0 observed: 3.689 (as R epitools' pois.exact help page states;
    # no printed Garwood table was found in the reference corpus). Over 100 injections,
    # by term, a term with no events does not appear; the overall row shows it.
    out = adverse_event_rates(_events(0), 100, by=())
    assert out.iloc[0]["rate_ci_high"] == pytest.approx(3.689, abs=5e-4)
    assert out.iloc[0]["rate_ci_low"] == 0


def test_proportion_affected_uses_wilson():
    # Newcombe 1998 method 3, worked example 15/148 -> 0.0624 to 0.1605 (see test_intervals.py
    # for what was and was not confirmed).
    out = adverse_event_rates(_events(15), 148, by=())
    row = out.iloc[0]
    assert (row["proportion_ci_low"], row["proportion_ci_high"]) == pytest.approx(
        (0.0624, 0.1605), abs=5e-5
    )


def test_two_events_on_one_injection_count_twice_as_events_once_as_affected():
    events = pd.concat([_events(1), _events(1, term="pain flare")])
    row = adverse_event_rates(events, 10, by=()).iloc[0]
    assert (row["n_events"], row["n_injections_affected"]) == (2, 1)


def test_summary_splits_by_term_grade_and_seriousness():
    events = pd.concat(
        [
            _events(3, term="joint effusion", grade=1),
            _events(1, term="septic arthritis", grade=3, serious=True, start=3),
        ]
    )
    tables = adverse_event_summary(events, 40)
    assert tables["term"]["term"].tolist() == ["joint effusion", "septic arthritis"]
    assert tables["grade"]["n_events"].tolist() == [3, 1]
    assert tables["serious"].set_index("serious")["rate_per_100"].to_dict() == {
        False: 7.5,
        True: 2.5,
    }
    assert list(tables["overall"].columns) == AE_COLUMNS


def test_refuses_an_empty_denominator():
    with pytest.raises(ValueError):
        adverse_event_rates(_events(1), 0)
