"""tau² estimators with and without Knapp-Hartung: Raudenbush (2009) Table 16.3."""

import pytest

from orthoregen.analytics.meta import Tau2Method, cochran_q, random_effects

# Raudenbush 2009 Table 16.3 (p. 309), 3 dp, as checked by wviechtb/metafor
# tests/testthat/test_analysis_example_raudenbush2009.r (all 20 numbers below confirmed there):
# (method, hartung_knapp, tau2, mu, se, ci_low, ci_high)
TABLE_16_3 = [
    (Tau2Method.REML, False, 0.019, 0.084, 0.052, -0.018, 0.185),
    (Tau2Method.DL, False, 0.026, 0.089, 0.056, -0.020, 0.199),
    (Tau2Method.REML, True, 0.019, 0.084, 0.062, -0.046, 0.213),
    (Tau2Method.DL, True, 0.026, 0.089, 0.064, -0.044, 0.223),
]


@pytest.mark.parametrize(
    ("method", "knha", "tau2", "mu", "se", "low", "high"),
    TABLE_16_3,
    ids=["REML-z", "DL-z", "REML-knha", "DL-knha"],
)
def test_matches_table_16_3(raudenbush, method, knha, tau2, mu, se, low, high):
    res = random_effects(raudenbush["yi"], raudenbush["vi"], method=method, hartung_knapp=knha)
    got = (res.tau2, res.estimate, res.se, res.ci_low, res.ci_high)
    assert got == pytest.approx((tau2, mu, se, low, high), abs=5e-4)


def test_heterogeneity_q_matches_page_302(raudenbush):
    # Raudenbush 2009 pp. 301-302: Q = 35.83 on 18 df (confirmed in the same metafor test).
    assert cochran_q(raudenbush["yi"], raudenbush["vi"]) == pytest.approx(35.83, abs=5e-3)
