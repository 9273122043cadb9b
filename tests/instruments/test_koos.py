"""KOOS scoring against the KOOS Scoring guide (August 2012) and User's Guide (2003).

Formula (KOOS Scoring 2012, docs/instruments.md#koos): score = 100 − mean(answered) / 4 × 100,
each subscale on its own; scored when ≥ 50 % of its items are answered.
"""

import pytest

from orthoregen.instruments import get_instrument, score

from .helpers import every_item, with_missing

SUBSCALES = ("pain", "symptoms", "adl", "sport_rec", "qol")


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (0, 100.0),  # no problems: 100 − 0/4 × 100 (KOOS Scoring 2012)
        (1, 75.0),  # 100 − 1/4 × 100
        (2, 50.0),  # mid: 100 − 2/4 × 100
        (3, 25.0),
        (4, 0.0),  # extreme problems: 100 − 4/4 × 100
    ],
)
def test_every_subscale_of_a_uniform_response(code, expected):
    result = score("koos", every_item("koos", code))
    assert result.values == dict.fromkeys(SUBSCALES, expected)
    assert result.reasons == {}


def test_pain_of_a_mixed_response_is_the_transformed_mean():
    # P1–P9 = 0,1,2,3,4,0,1,2,3: sum 16, mean 16/9; 100 − (16/9)/4 × 100 = 55.5556
    # (KOOS Scoring 2012 formula; 4 dp as docs/instruments.md#conventions asks).
    codes = dict(zip([f"P{n}" for n in range(1, 10)], [0, 1, 2, 3, 4, 0, 1, 2, 3], strict=True))
    assert score("koos", codes)["pain"] == pytest.approx(55.5556, abs=0.005)


# (subscale, name, item prefix, items, minimum answered) — KOOS Scoring 2012.
RULE_2012 = [
    ("pain", "Pain", "P", 9, 5),
    ("symptoms", "Symptoms", "S", 7, 4),
    ("adl", "ADL", "A", 17, 9),
    ("sport_rec", "Sport/Rec", "SP", 5, 3),
    ("qol", "QOL", "Q", 4, 2),
]


@pytest.mark.parametrize(("subscale", "name", "prefix", "items", "minimum"), RULE_2012)
def test_subscale_scores_with_exactly_half_its_items_answered(
    subscale, name, prefix, items, minimum
):
    answered = {f"{prefix}{n}": 1 for n in range(1, minimum + 1)}
    # Mean of the answered items is 1: 100 − 1/4 × 100 = 75 (no imputation, 2012 rule).
    assert score("koos", answered)[subscale] == 75.0


@pytest.mark.parametrize(("subscale", "name", "prefix", "items", "minimum"), RULE_2012)
def test_subscale_is_not_scored_one_item_short(subscale, name, prefix, items, minimum):
    answered = {f"{prefix}{n}": 1 for n in range(1, minimum)}
    result = score("koos", answered)
    assert result[subscale] is None
    assert result.reasons[subscale] == (
        f"{name}: {minimum - 1} of {items} items answered, {minimum} needed"
    )


def test_reason_reads_as_the_issue_describes():
    result = score("koos", {"P1": 0, "P2": 1, "P3": 2, "P4": 3})
    assert result.reasons["pain"] == "Pain: 4 of 9 items answered, 5 needed"


def test_subscales_are_independent():
    # KOOS Scoring 2012: Sport/Rec may be invalid while the others are reported.
    responses = with_missing(every_item("koos", 2), ["SP1", "SP2", "SP3"])
    result = score("koos", responses)
    assert result["sport_rec"] is None
    assert result["pain"] == result["adl"] == 50.0


@pytest.mark.parametrize(
    ("prefix", "answered", "expected_scored"),
    [
        ("P", 6, False),  # 1998 rule needs 7 of 9 pain items
        ("P", 7, True),
        ("A", 14, False),  # 1998 rule needs 15 of 17 ADL items
        ("A", 15, True),
        ("S", 4, False),  # 1998 rule needs 5 of 7 symptom items
        ("S", 5, True),
    ],
)
def test_superseded_1998_rule_is_available_as_an_option(prefix, answered, expected_scored):
    responses = {f"{prefix}{n}": 0 for n in range(1, answered + 1)}
    subscale = {"P": "pain", "A": "adl", "S": "symptoms"}[prefix]
    value = score("koos", responses, options={"missing_rule": "1998"})[subscale]
    assert (value == 100.0) if expected_scored else value is None


def test_item_ids_follow_the_form_order():
    # KOOS User's Guide 2003: S1–S7, P1–P9, A1–A17, SP1–SP5, Q1–Q4.
    ids = [item.id for item in get_instrument("koos").items]
    expected = (
        [f"S{n}" for n in range(1, 8)]
        + [f"P{n}" for n in range(1, 10)]
        + [f"A{n}" for n in range(1, 18)]
        + [f"SP{n}" for n in range(1, 6)]
        + [f"Q{n}" for n in range(1, 5)]
    )
    assert ids == expected


def test_loinc_codes_are_those_verified_in_cms66():
    # CMS eCQM CMS66v10 code list (docs/standards.md#loinc).
    koos = get_instrument("koos")
    assert {s.id: s.loinc for s in koos.subscales} == {
        "pain": "72102-7",
        "symptoms": "72101-9",
        "adl": "72100-1",
        "sport_rec": "72099-5",
        "qol": "72098-7",
    }
    assert koos.loinc_panel is None  # 72091-2 is not verified (docs/standards.md#loinc)


def test_there_is_no_total_score():
    # KOOS User's Guide: five subscales, no aggregate.
    assert "total" not in score("koos", every_item("koos", 0)).values
