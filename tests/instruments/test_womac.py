"""WOMAC 3.1 sums and missing-item rules (docs/instruments.md#womac-31; WOMAC 3.1 convention)."""

import pytest

from orthoregen.instruments import ResponseError, score
from orthoregen.instruments.womac import derive_womac_responses

from .helpers import every_item, with_missing

PAIN = [f"P{n}" for n in range(1, 6)]
FUNCTION = [f"F{n}" for n in range(1, 18)]


@pytest.mark.parametrize(
    ("instrument_id", "code", "expected"),
    [
        # (pain, stiffness, function, total) — ranges of each WOMAC 3.1 version.
        ("womac_lk31", 0, (0, 0, 0, 0)),
        ("womac_lk31", 2, (10, 4, 34, 48)),
        ("womac_lk31", 4, (20, 8, 68, 96)),
        ("womac_nrs31", 10, (50, 20, 170, 240)),
        ("womac_nrs31", 5, (25, 10, 85, 120)),
        ("womac_va31", 100, (500, 200, 1700, 2400)),
        ("womac_va31", 0, (0, 0, 0, 0)),
    ],
)
def test_sums_span_the_published_ranges(instrument_id, code, expected):
    result = score(instrument_id, every_item(instrument_id, code))
    assert (result["pain"], result["stiffness"], result["function"], result["total"]) == expected


@pytest.mark.parametrize("instrument_id", ["womac_lk31", "womac_nrs31", "womac_va31"])
def test_normalised_scores_keep_100_as_worst(instrument_id):
    # 100 × raw / max, 100 = worst (the form OMERACT-OARSI and Tubach 2005 use).
    worst = {"womac_lk31": 4, "womac_nrs31": 10, "womac_va31": 100}[instrument_id]
    result = score(instrument_id, every_item(instrument_id, worst))
    for subscale in ("pain", "stiffness", "function", "total"):
        assert result[f"{subscale}_normalised"] == 100.0
    half = score(instrument_id, every_item(instrument_id, worst // 2))
    assert half["function_normalised"] == 50.0


def test_one_missing_pain_item_is_replaced_by_the_mean():
    # P1–P4 = 1, 2, 3, 4 (mean 2.5); P5 missing → 10 + 2.5 = 12.5 (WOMAC 3.1 convention [S]).
    result = score("womac_lk31", {"P1": 1, "P2": 2, "P3": 3, "P4": 4, "P5": None})
    assert result["pain"] == 12.5
    assert result["pain_normalised"] == pytest.approx(62.5, abs=0.005)  # 100 × 12.5 / 20


def test_two_missing_pain_items_give_no_pain_score():
    result = score("womac_lk31", {"P1": 1, "P2": 2, "P3": 3})
    assert result["pain"] is None
    assert result.reasons["pain"] == "Pain: 3 of 5 items answered, 4 needed"


def test_stiffness_needs_both_items_by_default():
    # docs/instruments.md#womac-missing-items: default "invalid if any stiffness item missing".
    result = score("womac_lk31", {"S1": 2})
    assert result["stiffness"] is None
    assert result.reasons["stiffness"] == "Stiffness: 1 of 2 items answered, 2 needed"


def test_stiffness_imputation_is_an_option():
    result = score("womac_lk31", {"S1": 3}, options={"stiffness_missing": "impute_one"})
    assert result["stiffness"] == 6.0  # S2 replaced by S1's value: 3 + 3


def test_pain_imputation_can_be_switched_off():
    result = score(
        "womac_lk31", {f"P{n}": 1 for n in range(1, 5)}, options={"pain_missing": "none"}
    )
    assert result["pain"] is None


def test_function_without_missing_items_is_the_plain_sum():
    codes = [1] * 7 + [2] * 7 + [1, 1, 2]  # sum 7 + 14 + 4 = 25 (WOMAC: subscale = sum)
    result = score("womac_lk31", dict(zip(FUNCTION, codes, strict=True)))
    assert result["function"] == 25.0


def test_three_missing_function_items_are_imputed():
    # Whitehouse et al. JBJS Br 2004 (standard protocol): 1–3 missing → mean substitution.
    # F1–F7 = 1 and F8–F14 = 2: sum 21, mean 1.5; 21 + 3 × 1.5 = 25.5 (= mean × 17).
    codes = dict(zip(FUNCTION[:14], [1] * 7 + [2] * 7, strict=True))
    assert score("womac_lk31", codes)["function"] == 25.5


def test_four_missing_function_items_invalidate_function():
    codes = dict.fromkeys(FUNCTION[:13], 2)
    result = score("womac_lk31", codes)
    assert result["function"] is None
    assert result.reasons["function"] == "Function: 13 of 17 items answered, 14 needed"


def test_total_adds_imputed_subscales_and_needs_all_three():
    responses = with_missing(every_item("womac_lk31", 2), ["P5", "F1", "F2", "F3"])
    # Pain 8 + 2 = 10, stiffness 4, function 28 + 3 × 2 = 34 → total 48 (Whitehouse 2004).
    assert score("womac_lk31", responses)["total"] == 48.0
    responses["S1"] = None
    result = score("womac_lk31", responses)
    assert result["total"] is None
    assert result.reasons["total"] == (
        "Total: Stiffness not scored (1 of 2 items answered, 2 needed)"
    )


def test_nrs_version_accepts_only_whole_numbers_to_ten():
    with pytest.raises(ResponseError, match="P1"):
        score("womac_nrs31", {"P1": 11})
    with pytest.raises(ResponseError, match="P1"):
        score("womac_nrs31", {"P1": 2.5})


def test_womac_is_derived_from_the_koos_items_it_embeds():
    # KOOS User's Guide 2003: WOMAC pain = KOOS P5–P9, stiffness = S6–S7, function = A1–A17.
    koos = {"P5": 1, "P6": 2, "P7": 3, "P8": 4, "P9": 0, "S6": 2, "S7": 3, "P1": 4}
    koos |= {f"A{n}": 1 for n in range(1, 18)}
    womac = score("womac_lk31", derive_womac_responses("koos", koos))
    assert (womac["pain"], womac["stiffness"], womac["function"]) == (10, 5, 17)


def test_womac_is_derived_from_the_hoos_items_it_embeds():
    # Nilsdotter 2003 (HOOS): WOMAC pain = HOOS P4–P8, stiffness = S4–S5 [S].
    hoos = {"P4": 4, "P5": 4, "P6": 4, "P7": 4, "P8": 4, "P9": 0, "S4": 1, "S5": 1}
    womac = score("womac_lk31", derive_womac_responses("hoos", hoos))
    assert (womac["pain"], womac["stiffness"], womac["function"]) == (20, 2, None)
