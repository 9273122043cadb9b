"""Display rounding goes half away from zero, unlike Python's round (half to even)."""

import pytest

from orthoregen.instruments import display_value, round_half_away


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (0.5, 0, 1.0),  # round(0.5) is 0
        (2.5, 0, 3.0),  # round(2.5) is 2
        (-2.5, 0, -3.0),
        (0.125, 2, 0.13),  # exactly representable; round(0.125, 2) is 0.12
        (2.675, 2, 2.68),  # as written, not as stored (2.67499…)
        (52.4655, 3, 52.466),
        (1.44, 1, 1.4),
    ],
)
def test_round_half_away_from_zero(value, decimals, expected):
    assert round_half_away(value, decimals) == expected


def test_display_uses_each_subscale_precision():
    # KOOS subscales shown to 1 dp; KOOS JR table values keep their published 3 dp.
    assert display_value("koos", "pain", 55.55555555) == 55.6
    assert display_value("koos", "pain", 62.25) == 62.3
    assert display_value("koos_jr", "interval_score", 52.465) == 52.465
    assert display_value("oks", "total", 37.5) == 38.0
    assert display_value("koos", "pain", None) is None
