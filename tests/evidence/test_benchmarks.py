"""Published reference bands and the verified arm-level rows (no database)."""

import pytest

from orthoregen.evidence.benchmarks import (
    effect_pools,
    load_arms,
    restore_saline_band,
    saline_bands,
)
from orthoregen.evidence.published import load_published_pools

POOLS = load_published_pools()


def test_every_arm_row_keeps_its_source_and_a_verbatim_quote_for_each_number():
    arms = load_arms()
    assert len(arms) == 21
    for arm in arms:
        assert arm["citation"] and arm["source_url"] and arm["doi_or_pmid"]
        assert arm["results"]
        assert all(result["quote"] for result in arm["results"])


def test_previtali_saline_band_on_a_womac_pain_scale_is_not_converted():
    # Previtali 2021 abstract: WOMAC-pain -3.3 (95 % CI -3.9/-2.7), up to 6 months.
    (band,) = saline_bands(POOLS, instrument="WOMAC", subscale="pain", scale="0-20",
                           joint="knee")
    assert (band.estimate, band.ci_low, band.ci_high) == (-3.3, -3.9, -2.7)
    assert band.converted_from == ""
    assert "doi:10.1177/1947603520906597" in band.citation


def test_previtali_vas_band_is_converted_to_nrs_only_through_the_published_conversion():
    (band,) = saline_bands(POOLS, instrument="NRS pain", subscale="total", scale="0-10",
                           joint="knee")
    assert (band.estimate, band.ci_low, band.ci_high) == (-1.34, -2.17, -0.51)
    assert band.converted_from == "VAS pain 0-100 mm × 0.1"


def test_no_band_for_a_joint_no_review_pooled():
    assert saline_bands(POOLS, instrument="NRS pain", subscale="total", scale="0-10",
                        joint="hip") == ()


def test_restore_band_derives_its_interval_from_the_published_sd():
    # Bennell 2021 Table 2 (PMC8611484): saline -1.8 (SD 2.5), n = 144; t(143) 0.975 = 1.9767.
    (band,) = restore_saline_band(load_arms(), instrument="NRS pain", scale="0-10")
    assert band.estimate == -1.8
    assert band.ci_low == pytest.approx(-1.8 - 1.9767 * 2.5 / 12, abs=1e-2)
    assert band.ci_high == pytest.approx(-1.8 + 1.9767 * 2.5 / 12, abs=1e-2)
    assert "derived" in band.interval_note
    assert restore_saline_band(load_arms(), instrument="WOMAC", scale="0-20") == ()


def test_effect_pools_keep_placebo_controlled_and_mixed_controls_apart():
    found = effect_pools(POOLS, joint="knee", instruments=("VAS pain",))
    assert [p.id for p in found["MSC vs placebo"]] == ["dai-2021-vas-placebo"]
    assert "ma-2020-vas" in [p.id for p in found["MSC vs mixed controls"]]
    assert all("doi:" in p.citation or "PMC" in p.citation
               for pools in found.values() for p in pools)
