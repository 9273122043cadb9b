"""Every definition carries what docs/instruments.md asks of it, and nothing unverified."""

import pytest

from orthoregen.instruments import Threshold, get_instrument, instrument_ids

# LOINC codes verified in CMS eCQM CMS66v10 and CMS56v10, and 72514-3 for the NRS
# (docs/standards.md#loinc).
VERIFIED_LOINC = {
    "72102-7", "72101-9", "72100-1", "72099-5", "72098-7",  # KOOS subscales
    "72097-9", "72096-1", "72095-3", "72094-6", "72093-8",  # HOOS subscales
    "82324-5", "82323-7",  # KOOS JR, HOOS JR
    "72514-3",  # pain NRS 0–10
    "71971-6", "71969-0",  # PROMIS-10 GPH and GMH T-scores (CMS56/CMS66 CQL)
}  # fmt: skip
# docs/instruments.md#licences-and-item-wording: wording may ship only for these.
FREE_WORDING = {"vas_pain", "nrs_pain", "sane", "hhs", "mhhs", "constant", "ases",
                "ases_clinician", "rom_knee", "rom_hip", "rom_shoulder", "pga_vas",
                "pga_nrs"}  # fmt: skip
REQUIRED_IDS = {
    "vas_pain", "nrs_pain", "womac_lk31", "womac_nrs31", "womac_va31", "koos", "koos_ps",
    "koos_jr", "hoos", "hoos_ps", "hoos_jr", "oks", "ohs", "oss", "ases", "ases_clinician",
    "hhs", "mhhs",
    "constant", "sane", "rom_knee", "rom_hip", "rom_shoulder", "pga_vas", "pga_nrs",
    "promis_global10", "eq5d5l",
}  # fmt: skip


def test_every_instrument_of_the_issue_is_defined():
    assert set(instrument_ids()) == REQUIRED_IDS


def test_only_verified_loinc_codes_are_used():
    used = set()
    for instrument_id in instrument_ids():
        instrument = get_instrument(instrument_id)
        used |= {s.loinc for s in instrument.subscales if s.loinc}
        assert instrument.loinc_panel is None  # no panel code is verified
    assert used <= VERIFIED_LOINC
    assert used == VERIFIED_LOINC  # and each verified code is attached somewhere


@pytest.mark.parametrize("instrument_id", sorted(REQUIRED_IDS))
def test_definition_is_complete(instrument_id):
    instrument = get_instrument(instrument_id)
    assert instrument.version and instrument.recall_period and instrument.references
    assert instrument.licence.ships_wording == (instrument_id in FREE_WORDING)
    subscale_ids = {s.id for s in instrument.subscales}
    for threshold in instrument.thresholds:
        assert isinstance(threshold, Threshold)
        assert threshold.subscale is None or threshold.subscale in subscale_ids
        assert threshold.source and threshold.population
    for subscale in instrument.subscales:
        assert subscale.rule.formula and subscale.rule.missing_rule
        assert subscale.minimum < subscale.maximum


@pytest.mark.parametrize(
    ("instrument_id", "higher_is_better"),
    [
        # docs/instruments.md#direction-of-each-score, the direction table.
        ("vas_pain", False), ("nrs_pain", False), ("womac_lk31", False), ("koos", True),
        ("hoos", True), ("koos_jr", True), ("hoos_jr", True), ("oks", True), ("ases", True),
        ("hhs", True), ("mhhs", True), ("constant", True), ("sane", True),
        ("pga_vas", False), ("pga_nrs", False), ("promis_global10", True), ("eq5d5l", True),
    ],
)  # fmt: skip
def test_direction_of_every_main_score(instrument_id, higher_is_better):
    instrument = get_instrument(instrument_id)
    assert {s.higher_is_better for s in instrument.subscales} == {higher_is_better}


def test_thresholds_are_data_with_sources_not_one_mcid():
    # docs/instruments.md#thresholds: several per instrument, by joint and population.
    vas = get_instrument("vas_pain").thresholds
    assert len({(t.kind, t.joint, t.unit) for t in vas}) == len(vas) >= 6
