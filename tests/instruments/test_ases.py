"""ASES patient score: (10 − VAS cm) × 5 + 5/3 × ADL sum (Richards et al. JSES 1994)."""

import pytest

from orthoregen.instruments import ResponseError, score

ADL = [f"ADL{n}" for n in range(1, 11)]


@pytest.mark.parametrize(
    ("vas", "adl", "pain", "adl_part", "total"),
    [
        (0, [3] * 10, 50.0, 50.0, 100.0),  # best: (10 − 0) × 5 + 5/3 × 30
        (10, [0] * 10, 0.0, 0.0, 0.0),  # worst
        (2.5, [3] * 5 + [0] * 5, 37.5, 25.0, 62.5),  # (10 − 2.5) × 5 + 5/3 × 15
        (4, [2] * 10, 30.0, pytest.approx(33.3333, abs=0.005), pytest.approx(63.3333, abs=0.005)),
    ],
)
def test_formula(vas, adl, pain, adl_part, total):
    result = score("ases", {"VAS": vas, **dict(zip(ADL, adl, strict=True))})
    assert (result["pain"], result["adl"], result["total"]) == (pain, adl_part, total)


def test_every_item_is_required():
    # No missing-item rule in Richards 1994; default: all required (docs/instruments.md#ases).
    result = score("ases", {"VAS": 3, **dict.fromkeys(ADL[:9], 3)})
    assert result["pain"] == 35.0
    assert result["adl"] is None
    assert result.reasons["total"] == "ASES: ADL not scored (9 of 10 items answered, 10 needed)"


def test_vas_takes_tenths_of_a_centimetre_but_not_beyond_ten():
    assert score("ases", {"VAS": 7.3})["pain"] == pytest.approx(13.5, abs=0.005)
    with pytest.raises(ResponseError, match="VAS"):
        score("ases", {"VAS": 10.5})
