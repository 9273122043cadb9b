"""OMERACT-OARSI 2004 responder criteria (Pham 2004, as given in instruments.md section 9).

Expected statuses follow from the published rule text: route 1 r >= 50 % and a >= 20 in pain
or function; route 2 r >= 20 % and a >= 10 in two of pain, function, PGA; inclusive bounds.
"""

import math

import numpy as np
import pandas as pd
import pytest

from orthoregen.analytics.omeract import (
    classify,
    invert_100_best,
    omeract_oarsi_rate,
    omeract_oarsi_response,
)

NAN = math.nan


@pytest.mark.parametrize(
    ("pain", "function", "pga", "responder"),
    [
        ((60, 30), (50, 50), (50, 50), True),  # pain r 50 %, a 30: route 1
        ((40, 20), (50, 50), (50, 50), True),  # r 50 %, a 20 exactly: inclusive
        ((39, 19.5), (50, 50), (50, 50), False),  # r 50 % but a 19.5
        ((30, 10), (50, 50), (50, 50), True),  # r 66.7 %, a 20
        ((50, 50), (80, 40), (50, 50), True),  # route 1 through function
        ((50, 40), (50, 40), (50, 50), True),  # pain and function r 20 %, a 10: route 2
        ((50, 40), (50, 50), (50, 40), True),  # pain and PGA: route 2
        ((50, 40), (50, 50), (50, 50), False),  # only one domain moderate
        ((50, 41), (50, 40), (50, 40), True),  # function and PGA carry it
        ((40, 31), (40, 31), (40, 31), False),  # r 22.5 % but a 9 everywhere
        ((0, 0), (50, 40), (50, 50), False),  # b = 0: pain cannot count
        ((60, 70), (80, 20), (50, 50), True),  # pain worse, function route 1
    ],
)
def test_responder_status_follows_the_published_rule(pain, function, pga, responder):
    assert omeract_oarsi_response(pain, function, pga).responder is responder


def test_missing_pga_is_flagged_and_pain_plus_function_can_still_qualify():
    res = omeract_oarsi_response((50, 40), (50, 40))
    assert res.responder is True
    assert res.pga_missing


def test_missing_pga_cannot_rescue_a_single_moderate_domain():
    res = omeract_oarsi_response((50, 40), (50, 50))
    assert res.responder is False
    assert res.pga_missing


def test_missing_pain_is_undetermined_unless_a_route_already_qualifies():
    assert omeract_oarsi_response((NAN, 40), (50, 45), (50, 10)).responder is None
    assert omeract_oarsi_response((NAN, 40), (80, 20)).responder is True


def test_koos_is_inverted_before_relative_change():
    # KOOS pain 40 -> 70 is 60 -> 30 on the 100-worst scale: r 50 %, a 30 -> route 1.
    # On the raw scale the relative change would be 75 %, a different quantity.
    b, f = invert_100_best([40, 70])
    assert omeract_oarsi_response((b, f), (50, 50), (50, 50)).responder is True


def test_rate_excludes_undetermined_and_counts_missing_pga():
    classified = classify(
        np.array([60, 50, NAN, 50]),
        np.array([30, 50, 40, 40]),
        np.array([50, 50, 50, 50]),
        np.array([50, 50, 45, 40]),
        np.array([50, NAN, 50, 50]),
        np.array([50, NAN, 10, 50]),
    )
    rate = omeract_oarsi_rate(classified)
    assert (rate.responders.count, rate.responders.n) == (2, 3)
    assert rate.n_undetermined == 1
    assert rate.n_pga_missing == 1
    assert isinstance(classified, pd.DataFrame)
