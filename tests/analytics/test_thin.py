"""The too-thin rule as data."""

import pytest

from orthoregen.analytics.thin import MIN_N_TO_CONCLUDE, is_too_thin


@pytest.mark.parametrize(
    ("n", "expected"),
    [(0, True), (MIN_N_TO_CONCLUDE - 1, True), (MIN_N_TO_CONCLUDE, False), (500, False)],
)
def test_too_thin_below_the_minimum(n, expected):
    assert is_too_thin(n) is expected


def test_minimum_can_be_raised_by_a_clinic():
    assert is_too_thin(40, minimum=50)
