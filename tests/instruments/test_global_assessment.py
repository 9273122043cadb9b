"""Patient global assessment, VAS 0-100 mm and NRS 0-10.

docs/instruments.md#patient-global-assessment.

Thresholds are Tubach F et al., Ann Rheum Dis 2005;64:29-33 (MCII, abstract) and 64:34-37
(PASS, abstract), obtained with the PGA on a 0-100 mm VAS.
"""

import pytest

from orthoregen.instruments import ResponseError, ThresholdKind, get_instrument, score


@pytest.mark.parametrize(
    ("instrument_id", "value"),
    [("pga_vas", 0), ("pga_vas", 100), ("pga_vas", 37), ("pga_nrs", 0), ("pga_nrs", 10)],
)
def test_the_recorded_value_is_the_score(instrument_id, value):
    assert score(instrument_id, {"PGA": value})["pga"] == value


@pytest.mark.parametrize(
    ("instrument_id", "value"),
    [("pga_vas", 101), ("pga_vas", -1), ("pga_vas", 37.5), ("pga_nrs", 11), ("pga_nrs", 4.5)],
)
def test_values_off_the_scale_are_refused(instrument_id, value):
    with pytest.raises(ResponseError):
        score(instrument_id, {"PGA": value})


def test_not_answered_gives_no_score():
    result = score("pga_vas", {})
    assert result["pga"] is None
    assert result.reasons["pga"] == "Patient global assessment: 0 of 1 item answered, 1 needed"


@pytest.mark.parametrize(
    ("kind", "joint", "unit", "value"),
    [
        (ThresholdKind.MCII, "knee", "mm", -18.3),  # Tubach MCII abstract
        (ThresholdKind.MCII, "knee", "%", -39.0),
        (ThresholdKind.MCII, "hip", "mm", -15.2),
        (ThresholdKind.MCII, "hip", "%", -32.6),
        (ThresholdKind.PASS, "knee", "mm", 32.0),  # Tubach PASS abstract
        (ThresholdKind.PASS, "hip", "mm", 34.6),
    ],
)
def test_vas_thresholds_are_tubach_2005(kind, joint, unit, value):
    found = [
        t.value
        for t in get_instrument("pga_vas").thresholds
        if (t.kind, t.joint, t.unit) == (kind, joint, unit)
    ]
    assert found == [value]


def test_vas_values_are_not_carried_over_to_the_nrs():
    assert get_instrument("pga_nrs").thresholds == ()
