"""KOOS JR, HOOS JR, KOOS-PS and HOOS-PS: every row of the published conversion tables.

Tables are the published conversion tables named beside each (docs/instruments.md#koos-ps,
#koos-jr, #hoos-ps, #hoos-jr) and are compared exactly.
"""

import pytest

from orthoregen.instruments import get_instrument, score

from .helpers import summing_to

# HSS KOOS JR table (Lyman 2016), identical in two public implementations [V].
KOOS_JR = {
    0: 100.000, 1: 91.975, 2: 84.600, 3: 79.914, 4: 76.332, 5: 73.342, 6: 70.704,
    7: 68.284, 8: 65.994, 9: 63.776, 10: 61.583, 11: 59.381, 12: 57.140, 13: 54.840,
    14: 52.465, 15: 50.012, 16: 47.487, 17: 44.905, 18: 42.281, 19: 39.625, 20: 36.931,
    21: 34.174, 22: 31.307, 23: 28.251, 24: 24.875, 25: 20.941, 26: 15.939, 27: 8.291,
    28: 0.000,
}  # fmt: skip
# HSS HOOS JR table (Lyman 2016), one public implementation, raw 6 and 11 corroborated [S].
HOOS_JR = {
    0: 100.000, 1: 92.340, 2: 85.257, 3: 80.550, 4: 76.776, 5: 73.472, 6: 70.426,
    7: 67.516, 8: 64.664, 9: 61.815, 10: 58.930, 11: 55.985, 12: 52.965, 13: 49.858,
    14: 46.652, 15: 43.335, 16: 39.902, 17: 36.363, 18: 32.735, 19: 29.009, 20: 25.103,
    21: 20.805, 22: 15.633, 23: 8.104, 24: 0.000,
}  # fmt: skip
# KOOS-PS: (100 = no difficulty, koos.nu Table 1a; original Perruccio 2008).
KOOS_PS = {
    0: (100.0, 0.0), 1: (94.4, 5.6), 2: (89.5, 10.5), 3: (85.2, 14.8), 4: (81.4, 18.6),
    5: (78.0, 22.0), 6: (75.1, 24.9), 7: (72.5, 27.5), 8: (70.3, 29.7), 9: (68.2, 31.8),
    10: (66.4, 33.6), 11: (64.7, 35.3), 12: (63.0, 37.0), 13: (61.4, 38.6), 14: (59.7, 40.3),
    15: (58.0, 42.0), 16: (56.0, 44.0), 17: (53.9, 46.1), 18: (51.5, 48.5), 19: (48.8, 51.2),
    20: (45.6, 54.4), 21: (42.1, 57.9), 22: (38.0, 62.0), 23: (33.4, 66.6), 24: (28.2, 71.8),
    25: (22.3, 77.7), 26: (15.7, 84.3), 27: (8.2, 91.8), 28: (0.0, 100.0),
}  # fmt: skip
# HOOS-PS: (koos.nu HOOS-PS guide Table 1a; original Davis 2008 Table 1b).
HOOS_PS = {
    0: (100.0, 0.0), 1: (95.4, 4.6), 2: (91.2, 8.8), 3: (87.3, 12.7), 4: (83.6, 16.4),
    5: (80.0, 20.0), 6: (76.6, 23.4), 7: (73.1, 26.9), 8: (69.6, 30.4), 9: (66.1, 33.9),
    10: (62.3, 37.7), 11: (58.3, 41.7), 12: (53.9, 46.1), 13: (49.2, 50.8), 14: (44.1, 55.9),
    15: (38.4, 61.6), 16: (32.1, 67.9), 17: (25.2, 74.8), 18: (17.6, 82.4), 19: (9.2, 90.8),
    20: (0.0, 100.0),
}  # fmt: skip

KOOS_JR_ITEMS = ("S6", "P2", "P3", "P6", "P9", "A3", "A5")  # Lyman 2016, KOOS JR form
HOOS_JR_ITEMS = ("P5", "P10", "A3", "A5", "A12", "A14")  # Lyman 2016, HOOS JR form
KOOS_PS_ITEMS = ("A10", "A9", "A3", "A5", "SP4", "SP5", "SP1")  # Perruccio 2008
HOOS_PS_ITEMS = ("A1", "A13", "A14", "SP2", "SP3")  # Davis 2008


@pytest.mark.parametrize(("raw", "expected"), KOOS_JR.items())
def test_koos_jr_table(raw, expected):
    assert score("koos_jr", summing_to(KOOS_JR_ITEMS, raw))["interval_score"] == expected


@pytest.mark.parametrize(("raw", "expected"), HOOS_JR.items())
def test_hoos_jr_table(raw, expected):
    assert score("hoos_jr", summing_to(HOOS_JR_ITEMS, raw))["interval_score"] == expected


@pytest.mark.parametrize(("raw", "expected"), KOOS_PS.items())
def test_koos_ps_table_in_both_directions(raw, expected):
    responses = summing_to(KOOS_PS_ITEMS, raw)
    no_difficulty_high, original = expected
    assert score("koos_ps", responses)["physical_function"] == no_difficulty_high
    options = {"table_direction": "100_extreme_difficulty"}
    assert score("koos_ps", responses, options=options)["physical_function"] == original


@pytest.mark.parametrize(("raw", "expected"), HOOS_PS.items())
def test_hoos_ps_table_in_both_directions(raw, expected):
    responses = summing_to(HOOS_PS_ITEMS, raw)
    no_difficulty_high, original = expected
    assert score("hoos_ps", responses)["physical_function"] == no_difficulty_high
    options = {"table_direction": "100_extreme_difficulty"}
    assert score("hoos_ps", responses, options=options)["physical_function"] == original


def test_koos_jr_all_twos_is_not_fifty():
    # HSS table: non-linear; raw 14 → 52.465 (one public suite wrongly expects 50).
    assert score("koos_jr", dict.fromkeys(KOOS_JR_ITEMS, 2))["interval_score"] == 52.465


@pytest.mark.parametrize(
    ("instrument_id", "items", "name"),
    [
        ("koos_jr", KOOS_JR_ITEMS, "KOOS JR interval score"),
        ("hoos_jr", HOOS_JR_ITEMS, "HOOS JR interval score"),
        ("koos_ps", KOOS_PS_ITEMS, "KOOS Physical function Short form"),
        ("hoos_ps", HOOS_PS_ITEMS, "HOOS Physical function Short form"),
    ],
)
def test_one_missing_item_gives_no_score_by_default(instrument_id, items, name):
    # JR: no imputation (HSS); PS: all items required by default
    # (docs/instruments.md#ps-short-form-missing-items).
    responses = dict.fromkeys(items, 1)
    complete = score(instrument_id, responses).scores[0]
    assert complete.value is not None
    responses[items[0]] = None
    result = score(instrument_id, responses).scores[0]
    assert result.value is None
    count = len(items)
    assert result.reason == f"{name}: {count - 1} of {count} items answered, {count} needed"


def test_ps_local_proration_rule_is_opt_in():
    # Local rule (documented on the option): 6 of 7 answered, each 2 → mean 2 × 7 = raw 14,
    # which the published KOOS-PS table (koos.nu Table 1a) gives as 59.7.
    responses = dict.fromkeys(KOOS_PS_ITEMS, 2) | {"SP1": None}
    assert score("koos_ps", responses, options={"max_missing": "1"})["physical_function"] == 59.7
    responses["SP5"] = None
    assert score("koos_ps", responses, options={"max_missing": "1"})["physical_function"] is None


def test_short_form_direction_is_stored_with_the_definition():
    default = get_instrument("koos_ps")
    original = get_instrument("koos_ps", {"table_direction": "100_extreme_difficulty"})
    assert default.subscales[0].higher_is_better is True
    assert original.subscales[0].higher_is_better is False
    assert "100 = extreme difficulty" in original.version
    assert ("table_direction", "100_no_difficulty") in default.options


def test_jr_loinc_codes():
    # docs/standards.md#loinc: 82324-5 (KOOS JR, CMS66) and 82323-7 (HOOS JR total, CMS56).
    assert get_instrument("koos_jr").subscales[0].loinc == "82324-5"
    assert get_instrument("hoos_jr").subscales[0].loinc == "82323-7"
