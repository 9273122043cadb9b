"""OMERACT-OARSI 2004 responder criteria (Pham T et al., Osteoarthritis Cartilage 2004;12:389-99).

Expected statuses follow from the published rule text: route 1 r >= 50 % and a >= 20 in pain
or function; route 2 r >= 20 % and a >= 10 in two of pain, function, PGA; inclusive bounds.
"""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orthoregen.analytics.omeract import (
    OARSI_COLUMNS,
    PGA_DOMAINS,
    OarsiDomain,
    classify,
    invert_100_best,
    omeract_oarsi_by_timepoint,
    omeract_oarsi_rate,
    omeract_oarsi_response,
)
from orthoregen.instruments import get_instrument

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


def _tidy(rows):
    return pd.DataFrame(
        rows, columns=["episode_id", "instrument", "subscale", "timepoint", "value"]
    )


def test_rates_per_timepoint_from_the_tidy_score_table():
    # Pain: NRS 0-10 (x10 to 0-100). Function: KOOS ADL (100 best, inverted). PGA: VAS 0-100.
    pain = OarsiDomain("NRS pain", "total", scale_max=10)
    function = OarsiDomain("KOOS", "ADL", higher_is_better=True)
    pga = OarsiDomain("PGA", "total")
    rows = [
        # Episode 1: pain 6 -> 3 (60 -> 30: r 50 %, a 30): route 1 responder at 6m.
        (1, "NRS pain", "total", "baseline", 6),
        (1, "NRS pain", "total", "6m", 3),
        (1, "KOOS", "ADL", "baseline", 50),
        (1, "KOOS", "ADL", "6m", 55),
        # Episode 2: pain 5 -> 4 (50 -> 40) and ADL 50 -> 60 (50 -> 40 worst-scale): route 2.
        (2, "NRS pain", "total", "baseline", 5),
        (2, "NRS pain", "total", "6m", 4),
        (2, "KOOS", "ADL", "baseline", 50),
        (2, "KOOS", "ADL", "6m", 60),
        (2, "PGA", "total", "baseline", 50),
        (2, "PGA", "total", "6m", 50),
        # Episode 3: nothing moves: non-responder; PGA never collected.
        (3, "NRS pain", "total", "baseline", 5),
        (3, "NRS pain", "total", "6m", 5),
        (3, "KOOS", "ADL", "baseline", 50),
        (3, "KOOS", "ADL", "6m", 50),
        # Episode 4: no baseline pain and only PGA improves: undetermined.
        (4, "NRS pain", "total", "6m", 5),
        (4, "KOOS", "ADL", "baseline", 50),
        (4, "KOOS", "ADL", "6m", 52),
        (4, "PGA", "total", "baseline", 50),
        (4, "PGA", "total", "6m", 20),
    ]
    out = omeract_oarsi_by_timepoint(_tidy(rows), pain=pain, function=function, pga=pga)
    assert list(out.columns) == OARSI_COLUMNS
    row = out.iloc[0]
    assert row["timepoint"] == "6m"
    assert (row["n_determined"], row["n_responders"], row["n_undetermined"]) == (3, 2, 1)
    assert row["n_pga_missing"] == 2  # episodes 1 and 3
    assert row["too_thin"]


def test_by_timepoint_counts_are_integers_when_nothing_is_undetermined():
    # Regression guard (a count of 0 once came back as the boolean False on the dashboard).
    pain = OarsiDomain("NRS pain", "total", scale_max=10)
    function = OarsiDomain("KOOS", "ADL", higher_is_better=True)
    rows = [(1, "NRS pain", "total", "baseline", 6), (1, "NRS pain", "total", "6m", 3),
            (1, "KOOS", "ADL", "baseline", 50), (1, "KOOS", "ADL", "6m", 55)]
    out = omeract_oarsi_by_timepoint(_tidy(rows), pain=pain, function=function)
    assert out["n_undetermined"].tolist() == [0]
    assert out["n_undetermined"].dtype.kind == "i"


def _one_by_one(rows, pain, function, pga):
    """The rate table worked episode by episode with omeract_oarsi_response (the scalar rule
    the parametrised cases above hold to the published text)."""
    values = {(e, i, s, t): v for e, i, s, t, v in rows}
    domains = {"pain": pain, "function": function, "pga": pga}
    visits = sorted({(e, t) for e, i, s, t, _ in rows if t != "baseline"
                     and any((i, s) == (d.instrument, d.subscale) for d in domains.values())})
    counts = {}
    for episode, timepoint in visits:
        pair = {name: tuple(float(d.to_worst_100(values.get(
            (episode, d.instrument, d.subscale, when), NAN))[()]) for when in
            ("baseline", timepoint)) for name, d in domains.items()}
        status = omeract_oarsi_response(pair["pain"], pair["function"], pair["pga"])
        c = counts.setdefault(timepoint, [0, 0, 0, 0])
        c[0] += status.responder is not None
        c[1] += status.responder is True
        c[2] += status.responder is None
        c[3] += status.pga_missing
    return counts


GRID = [(instrument, subscale, timepoint)
        for instrument, subscale in (("NRS", "total"), ("KOOS", "ADL"), ("PGA", "total"),
                                     ("other", "total"))
        for timepoint in ("baseline", "3m", "6m", "12m")]


@given(st.lists(st.lists(st.one_of(st.none(), st.integers(0, 10)), min_size=len(GRID),
                         max_size=len(GRID)), min_size=1, max_size=25))
@settings(max_examples=300, deadline=None)
def test_the_vectorised_rates_equal_the_episode_by_episode_rule(episodes):
    """Every episode draws a value or a gap for each domain at each visit (0-10, scaled)."""
    pain = OarsiDomain("NRS", "total", scale_max=10)
    function = OarsiDomain("KOOS", "ADL", higher_is_better=True)
    pga = OarsiDomain("PGA", "total")
    scale = {"NRS": 1, "KOOS": 10, "PGA": 10, "other": 1}
    rows = [(episode, instrument, subscale, timepoint, float(value * scale[instrument]))
            for episode, values in enumerate(episodes)
            for (instrument, subscale, timepoint), value in zip(GRID, values, strict=True)
            if value is not None]
    out = omeract_oarsi_by_timepoint(_tidy(rows), pain=pain, function=function, pga=pga)
    got = {r.timepoint: [r.n_determined, r.n_responders, r.n_undetermined, r.n_pga_missing]
           for r in out.itertuples()}
    assert got == _one_by_one(rows, pain, function, pga)


# The PGA instruments (pga_vas 0-100 mm, pga_nrs 0-10) are used by default when scored.
# Every case: pain 50 -> 40 (r 20 %, a 10, moderate) and function unchanged, so by route 2 of
# Pham 2004 the episode responds only if the PGA also improves by r >= 20 % and a >= 10.
PAIN, FUNCTION = OarsiDomain("vas_pain", "pain"), OarsiDomain("womac_lk31", "function_normalised")


def _pain_and_function_rows():
    return [(1, "vas_pain", "pain", "baseline", 50), (1, "vas_pain", "pain", "m6", 40),
            (1, "womac_lk31", "function_normalised", "baseline", 50),
            (1, "womac_lk31", "function_normalised", "m6", 50)]  # fmt: skip


@pytest.mark.parametrize(
    ("pga_rows", "responders", "pga_missing"),
    [
        # PGA VAS 50 -> 40: r 20 %, a 10: second moderate domain, responder.
        ([("pga_vas", "baseline", 50), ("pga_vas", "m6", 40)], 1, 0),
        # PGA NRS 5 -> 4 is 50 -> 40 on 0-100 (x 10): responder.
        ([("pga_nrs", "baseline", 5), ("pga_nrs", "m6", 4)], 1, 0),
        # VAS at baseline, NRS at 6 months: never compared across scales, so PGA is missing.
        ([("pga_vas", "baseline", 50), ("pga_nrs", "m6", 4)], 0, 1),
        # Both scales at both visits: the VAS (first in PGA_DOMAINS) decides; it is unchanged.
        ([("pga_vas", "baseline", 50), ("pga_vas", "m6", 50),
          ("pga_nrs", "baseline", 5), ("pga_nrs", "m6", 4)], 0, 0),  # fmt: skip
        # No PGA scored at all: flagged, and pain alone cannot qualify.
        ([], 0, 1),
    ],
)
def test_the_pga_instruments_are_used_when_present(pga_rows, responders, pga_missing):
    rows = _pain_and_function_rows() + [(1, i, "pga", t, v) for i, t, v in pga_rows]
    out = omeract_oarsi_by_timepoint(_tidy(rows), pain=PAIN, function=FUNCTION)
    row = out.iloc[0]
    assert (row["n_determined"], row["n_responders"]) == (1, responders)
    assert row["n_pga_missing"] == pga_missing


def test_pga_none_leaves_the_pga_instruments_out():
    rows = _pain_and_function_rows() + [(1, "pga_vas", "pga", "baseline", 50),
                                        (1, "pga_vas", "pga", "m6", 40)]  # fmt: skip
    out = omeract_oarsi_by_timepoint(_tidy(rows), pain=PAIN, function=FUNCTION, pga=None)
    assert (out.iloc[0]["n_responders"], out.iloc[0]["n_pga_missing"]) == (0, 1)


def test_pga_domains_name_the_defined_instruments():
    for domain in PGA_DOMAINS:
        subscale = get_instrument(domain.instrument).subscale(domain.subscale)
        assert subscale.maximum == domain.scale_max and not subscale.higher_is_better
