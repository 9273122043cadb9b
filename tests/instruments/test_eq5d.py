"""EQ-5D-5L index (England and US value sets) and EQ VAS (docs/instruments.md#eq-5d-5l).

Where each expected value comes from is named beside it. The index is a sum of 3-decimal
coefficients, so the published 3-decimal values are compared to 1e-9 (exact arithmetic).
Unverified here: the coefficient tables of both papers were not opened, and no worked example
such as 21232 was found in either paper's public pages, so none is claimed.
"""

import itertools

import numpy as np
import pytest

from orthoregen.instruments import ResponseError, get_instrument, score, score_batch
from orthoregen.instruments.eq5d import ENGLAND, US, health_state, index_of

US_SET = {"value_set": "us_pickard_2019"}


def state(digits: str) -> dict[str, int]:
    return dict(zip(("MO", "SC", "UA", "PD", "AD"), map(int, digits), strict=True))


@pytest.mark.parametrize(
    ("digits", "expected"),
    [
        ("11111", 1.0),  # full health
        # Devlin 2018 abstract: "values range from -0.285 (extreme problems on all
        # dimensions) to 0.950 (for health states 11211 and 21111)".
        ("55555", -0.285),
        ("11211", 0.950),
        # The abstract's "21111" does not fit the coefficient table (MO2 0.058 gives 0.942,
        # as the eq5d R package's tests also expect); 12111 is the other 0.950 state.
        ("12111", 0.950),
        # eq5d R package tests (fragla/eq5d, test-eq5d5l.R), one decrement each:
        ("21111", 0.942),
        ("11112", 0.922),
        ("11121", 0.937),
        ("23245", 0.247),
    ],
)
def test_england_index(digits, expected):
    assert score("eq5d5l", state(digits))["index"] == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize(
    ("digits", "expected"),
    [
        ("11111", 1.0),
        # eq5d R package tests for the US value set (Pickard 2019); -0.573 is 55555.
        ("55555", -0.573),
        ("21111", 0.904),
        ("12111", 0.911),
        ("11211", 0.932),
        ("11121", 0.940),
        ("11112", 0.943),
        ("21354", 0.090),
    ],
)
def test_us_index(digits, expected):
    result = score("eq5d5l", state(digits), options=US_SET)["index"]
    assert result == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize(
    ("value_set", "expected"),
    # 21232 worked by hand from the coefficient tables, not a published example:
    # England 1 - (0.058 + 0 + 0.050 + 0.084 + 0.078) = 0.730;
    # US 1 - (0.096 + 0 + 0.068 + 0.098 + 0.057) = 0.681.
    [("england_devlin_2018", 0.730), ("us_pickard_2019", 0.681)],
)
def test_health_state_21232_by_hand(value_set, expected):
    assert index_of("21232", value_set) == pytest.approx(expected, abs=1e-9)


def test_the_subscale_minimum_is_the_index_of_55555():
    for options, value_set in (({}, ENGLAND), (US_SET, US)):
        index = get_instrument("eq5d5l", options).subscale("index")
        assert index.minimum == score("eq5d5l", state("55555"), options=options)["index"]
        assert index.maximum == 1
        assert value_set.name in index.name


@pytest.mark.parametrize("missing", ["MO", "SC", "UA", "PD", "AD"])
def test_any_missing_dimension_gives_no_index_but_the_vas_still_scores(missing):
    responses = state("21232") | {missing: None, "VAS": 70}
    result = score("eq5d5l", responses)
    assert result["index"] is None
    assert result.reasons["index"].endswith("4 of 5 items answered, 5 needed")
    assert result["vas"] == 70


@pytest.mark.parametrize(("dimension", "code"), [("MO", 0), ("PD", 6), ("AD", 2.5)])
def test_codes_outside_1_to_5_are_refused(dimension, code):
    with pytest.raises(ResponseError):
        score("eq5d5l", state("11111") | {dimension: code})


@pytest.mark.parametrize(("vas", "ok"), [(0, True), (100, True), (101, False), (-1, False)])
def test_vas_runs_0_to_100(vas, ok):
    if ok:
        assert score("eq5d5l", {"VAS": vas})["vas"] == vas
    else:
        with pytest.raises(ResponseError):
            score("eq5d5l", {"VAS": vas})


def test_health_state_writes_the_five_digits_or_none():
    assert health_state(state("21232")) == "21232"
    assert health_state(state("21232") | {"AD": None}) is None


def test_index_of_refuses_a_malformed_state():
    with pytest.raises(ValueError, match="five digits"):
        index_of("2123")


def test_every_one_of_the_3125_states_scores_the_same_in_a_batch():
    states = np.array(list(itertools.product(range(1, 6), repeat=5)), dtype=float)
    table = np.column_stack([states, np.full(len(states), np.nan)])
    for options in ({}, US_SET):
        batch = score_batch("eq5d5l", table, options=options)["index"].to_numpy()
        one_by_one = [index_of("".join(str(int(v)) for v in row),
                               options.get("value_set", "england_devlin_2018"))
                      for row in states]  # fmt: skip
        np.testing.assert_array_equal(batch, one_by_one)


def test_no_wording_ships_and_a_site_licence_is_needed():
    assert get_instrument("eq5d5l").licence.ships_wording is False
