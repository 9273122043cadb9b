"""HOOS scoring against the HOOS Scoring instructions (June 2013); docs/instruments.md#hoos."""

import pytest

from orthoregen.instruments import get_instrument, score

from .helpers import every_item

SUBSCALES = ("pain", "symptoms", "adl", "sport_rec", "qol")


@pytest.mark.parametrize(
    ("code", "expected"),
    [(0, 100.0), (2, 50.0), (4, 0.0)],  # 100 − mean/4 × 100 (HOOS Scoring 2013)
)
def test_every_subscale_of_a_uniform_response(code, expected):
    assert score("hoos", every_item("hoos", code)).values == dict.fromkeys(SUBSCALES, expected)


def test_pain_of_a_mixed_response_is_the_transformed_mean():
    # P1–P10 = 1,1,1,1,1,1,1,2,2,3: sum 14, mean 1.4; 100 − 1.4/4 × 100 = 65.0 (HOOS 2013).
    codes = [1, 1, 1, 1, 1, 1, 1, 2, 2, 3]
    responses = {f"P{n}": code for n, code in enumerate(codes, start=1)}
    assert score("hoos", responses)["pain"] == pytest.approx(65.0, abs=0.005)


# (subscale, name, prefix, items, minimum answered) — HOOS Scoring 2013 (≥ 50 %).
RULE_2013 = [
    ("pain", "Pain", "P", 10, 5),
    ("symptoms", "Symptoms", "S", 5, 3),
    ("adl", "ADL", "A", 17, 9),
    ("sport_rec", "Sport/Rec", "SP", 4, 2),
    ("qol", "QOL", "Q", 4, 2),
]


@pytest.mark.parametrize(("subscale", "name", "prefix", "items", "minimum"), RULE_2013)
def test_missing_item_boundary(subscale, name, prefix, items, minimum):
    at_limit = {f"{prefix}{n}": 4 for n in range(1, minimum + 1)}
    assert score("hoos", at_limit)[subscale] == 0.0  # mean 4: 100 − 4/4 × 100
    short = {f"{prefix}{n}": 4 for n in range(1, minimum)}
    result = score("hoos", short)
    assert result[subscale] is None
    expected = f"{name}: {minimum - 1} of {items} items answered, {minimum} needed"
    assert result.reasons[subscale] == expected


@pytest.mark.parametrize(("prefix", "answered", "scored"), [("P", 7, False), ("P", 8, True)])
def test_superseded_2003_rule_is_an_option(prefix, answered, scored):
    # 2003 rule: Pain needs 8 of 10 (superseded by HOOS Scoring 2013).
    responses = {f"{prefix}{n}": 0 for n in range(1, answered + 1)}
    value = score("hoos", responses, options={"missing_rule": "2003"})["pain"]
    assert (value == 100.0) if scored else value is None


def test_hoos_adl_uses_its_own_loinc_code():
    # HOOS ADL is 72095-3, not a KOOS code (CMS eCQM CMS56v10; docs/standards.md#loinc).
    assert get_instrument("hoos").subscale("adl").loinc == "72095-3"
    assert get_instrument("hoos").subscale("pain").loinc == "72097-9"


def test_item_counts_follow_the_form():
    ids = [item.id for item in get_instrument("hoos").items]
    assert len(ids) == 40
    assert ids[:5] == ["S1", "S2", "S3", "S4", "S5"] and ids[-1] == "Q4"
