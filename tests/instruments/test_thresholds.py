"""Published thresholds as stored in the definitions (docs/instruments.md#koos-thresholds and
docs/instruments.md#womac-thresholds). Each expected number is the source's, named beside it."""

import pytest

from orthoregen.instruments import (
    Threshold,
    ThresholdBasis,
    ThresholdKind,
    get_instrument,
    instrument_ids,
)
from orthoregen.instruments.definitions import Evidence


def stored(instrument_id, kind, subscale, source_fragment):
    return [
        t.value
        for t in get_instrument(instrument_id).thresholds
        if t.kind is kind and t.subscale == subscale and source_fragment in t.source
    ]


@pytest.mark.parametrize(
    ("subscale", "non_surgical", "physiotherapy", "after_tka"),
    [
        # MIC, points on 0-100. Non-surgical knee OA RCT (n = 131), predictive modelling:
        # PMID 41367621 abstract. Physiotherapy, Persian KOOS (n = 146), ROC: Mostafaee 2021
        # abstract. Rehabilitation after TKA (n = 148), ROC: Monticone 2013 abstract.
        ("pain", 11.3, 15.0, 16.7),
        ("symptoms", 12.1, 12.5, 10.7),
        ("adl", 10.2, 15.5, 18.4),
        ("sport_rec", 15.5, 17.5, 12.5),
        ("qol", 13.2, 12.5, 15.6),
    ],
)
def test_koos_mic_per_subscale(subscale, non_surgical, physiotherapy, after_tka):
    assert stored("koos", ThresholdKind.MIC, subscale, "41367621") == [non_surgical]
    assert stored("koos", ThresholdKind.MIC, subscale, "Mostafaee") == [physiotherapy]
    assert stored("koos", ThresholdKind.MIC, subscale, "Monticone") == [after_tka]


def test_koos_non_surgical_mic_is_listed_first_so_the_dashboard_shows_it():
    pain = [t for t in get_instrument("koos").thresholds if t.subscale == "pain"]
    assert pain[0].kind is ThresholdKind.MIC and "non-surgical" in pain[0].population


def test_no_koos_pass_is_stored_until_one_is_verified():
    # Boffa 2021 (knee OA after PRP injection, doi:10.1177/23259671211026242) reports KOOS
    # PASS values, but they could not be read here, so none is stored.
    assert not [t for t in get_instrument("koos").thresholds if t.kind is ThresholdKind.PASS]


@pytest.mark.parametrize(
    ("instrument_id", "subscale", "published", "raw"),
    [
        # Ehrich 2000 MPCI (J Rheumatol 27:2635, abstract): pain 9.7, function 9.3,
        # stiffness 10.0 mm on the normalised 100 mm WOMAC; raw = published x maximum / 100.
        ("womac_lk31", "pain", -9.7, -1.94),  # maximum 20
        ("womac_lk31", "stiffness", -10.0, -0.8),  # maximum 8
        ("womac_lk31", "function", -9.3, -6.324),  # maximum 68
        ("womac_nrs31", "pain", -9.7, -4.85),  # maximum 50
        ("womac_va31", "function", -9.3, -158.1),  # maximum 1700
    ],
)
def test_womac_mpci_as_published_and_on_the_raw_sum(instrument_id, subscale, published, raw):
    kind = ThresholdKind.MCID
    assert stored(instrument_id, kind, f"{subscale}_normalised", "Ehrich") == [published]
    assert stored(instrument_id, kind, subscale, "Ehrich") == [pytest.approx(raw, abs=1e-9)]


def test_womac_tubach_function_values_are_unchanged():
    # Tubach 2005: MCII knee -9.1 (-26.0 %), hip -7.9 (-21.1 %); PASS knee 31.0, hip 34.4.
    mcii = stored("womac_lk31", ThresholdKind.MCII, "function_normalised", "Tubach")
    assert mcii == [-9.1, -26.0, -7.9, -21.1]
    assert stored("womac_lk31", ThresholdKind.PASS, "function_normalised", "Tubach") == [31.0, 34.4]


def test_percentage_thresholds_say_so():
    relative = [
        t
        for i in instrument_ids()
        for t in get_instrument(i).thresholds
        if t.basis is ThresholdBasis.PERCENTAGE
    ]
    assert {t.unit for t in relative} == {"%"}
    assert len(relative) >= 5  # VAS knee/hip, NRS, WOMAC function knee/hip


def test_a_percentage_unit_without_the_percentage_basis_is_refused():
    with pytest.raises(ValueError, match="basis"):
        Threshold(subscale="pain", kind=ThresholdKind.MCII, value=-40.8, unit="%", joint="knee",
                  population="p", source="s", evidence=Evidence.VERIFIED)  # fmt: skip
