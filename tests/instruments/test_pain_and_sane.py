"""Pain VAS (0–100 mm), pain NRS (0–10) and SANE (0–100 %): single items, no transformation."""

import pytest

from orthoregen.instruments import ResponseError, ThresholdKind, get_instrument, score


@pytest.mark.parametrize(
    ("instrument_id", "item_id", "value"),
    [
        ("vas_pain", "VAS", 0),  # no pain (docs/instruments.md#pain-vas-and-nrs)
        ("vas_pain", "VAS", 100),  # worst imaginable pain
        ("vas_pain", "VAS", 47),
        ("nrs_pain", "NRS", 0),
        ("nrs_pain", "NRS", 10),
        ("nrs_pain", "NRS", 5),
        ("sane", "SANE", 0),
        ("sane", "SANE", 100),  # 100 % of normal (Williams 1999)
        ("sane", "SANE", 65),
    ],
)
def test_value_is_reported_as_recorded(instrument_id, item_id, value):
    assert score(instrument_id, {item_id: value}).scores[0].value == value


@pytest.mark.parametrize(
    ("instrument_id", "item_id", "value"),
    [
        ("vas_pain", "VAS", 104),  # docs/instruments.md#conventions: reject, never clip
        ("vas_pain", "VAS", -1),
        ("vas_pain", "VAS", 55.5),  # whole mm as measured
        ("nrs_pain", "NRS", 11),
        ("nrs_pain", "NRS", 7.5),
        ("sane", "SANE", 101),
    ],
)
def test_out_of_range_values_are_rejected(instrument_id, item_id, value):
    with pytest.raises(ResponseError, match=item_id):
        score(instrument_id, {item_id: value})


@pytest.mark.parametrize("instrument_id", ["vas_pain", "nrs_pain", "sane"])
def test_unanswered_single_item_gives_no_score(instrument_id):
    result = score(instrument_id, {})
    assert result.scores[0].value is None
    assert "0 of 1 item answered, 1 needed" in result.scores[0].reason


def test_vas_thresholds_are_tubach_2005_by_joint():
    # Tubach 2005 (both papers): MCII knee −19.9 mm, hip −15.3 mm; PASS knee 32.3, hip 35.0.
    thresholds = get_instrument("vas_pain").thresholds
    found = {(t.kind, t.joint, t.unit): t.value for t in thresholds}
    assert found[(ThresholdKind.MCII, "knee", "mm")] == -19.9
    assert found[(ThresholdKind.MCII, "hip", "mm")] == -15.3
    assert found[(ThresholdKind.PASS, "knee", "mm")] == 32.3
    assert found[(ThresholdKind.PASS, "hip", "mm")] == 35.0
    assert all("Tubach" in t.source or "2014;15:235" in t.source for t in thresholds)


def test_nrs_carries_its_loinc_code_and_vas_none():
    # docs/standards.md#loinc: 72514-3 verified for NRS; the VAS code 38214-3 is not confirmed.
    assert get_instrument("nrs_pain").subscales[0].loinc == "72514-3"
    assert get_instrument("vas_pain").subscales[0].loinc is None


def test_recall_period_is_a_registry_choice_that_is_stored():
    now = get_instrument("vas_pain", {"recall_period": "pain now"})
    assert now.recall_period == "pain now"
    assert get_instrument("vas_pain").recall_period.startswith("average pain")
