"""Hedges g against Borenstein et al. (2009), Introduction to Meta-Analysis, chapter 4."""

import pytest

from orthoregen.analytics.effect_sizes import (
    HedgesVariance,
    hedges_g,
    se_from_interval,
    small_sample_correction,
)

# Borenstein 2009 section 4.2 worked example: treated mean 103, SD 5.5, n 50;
# control mean 100, SD 4.5, n 50 -> d = 0.5970, Vd = 0.0418, J = 0.9923, g = 0.5924,
# Vg = 0.0411 (book, 4 dp). The book is not in the reference corpus, so these were not read
# from it; all five are reproduced from the inputs by the book's formulas (numpy, this review).
# The 6 dp variances are computed values (docs/statistics.md#effect-sizes), not published ones.
BORENSTEIN = (103, 5.5, 50, 100, 4.5, 50)


def test_small_sample_correction_matches_borenstein():
    assert small_sample_correction(98) == pytest.approx(0.9923, abs=5e-5)


@pytest.mark.parametrize(
    ("convention", "expected_variance"),
    [
        (HedgesVariance.BORENSTEIN, 0.041143),
        (HedgesVariance.METAFOR_LS, 0.041755),
        (HedgesVariance.REVMAN, 0.041827),
    ],
)
def test_hedges_g_and_its_variance_conventions(convention, expected_variance):
    es = hedges_g(*BORENSTEIN, variance=convention)
    assert es.estimate == pytest.approx(0.5924, abs=5e-5)
    assert es.variance == pytest.approx(expected_variance, abs=5e-7)


def test_hedges_g_sign_follows_group_order():
    treated, control = BORENSTEIN[:3], BORENSTEIN[3:]
    assert hedges_g(*control, *treated).estimate == pytest.approx(-0.5924, abs=5e-5)


def test_standard_error_from_a_95_percent_interval():
    # Cochrane Handbook 6.3.1: SE = (upper - lower)/3.92 for a 95 % CI.
    assert se_from_interval(-1.0, 2.92) == pytest.approx(1.0, abs=1e-3)
