"""Mean differences and their pooling against Normand (1999), Tables VIII and IX."""

import numpy as np
import pytest

from orthoregen.analytics.effect_sizes import mean_difference
from orthoregen.analytics.meta import Tau2Method, random_effects


@pytest.fixture(scope="module")
def md(normand):
    sizes = [
        mean_difference(r.m1i, r.sd1i, r.n1i, r.m2i, r.sd2i, r.n2i)
        for r in normand.itertuples(index=False)
    ]
    return np.array([s.estimate for s in sizes]), np.array([s.variance for s in sizes])


def test_mean_differences_match_table_viii(md):
    yi, vi = md
    # Normand 1999 Table VIII (p. 351), as checked by wviechtb/metafor
    # tests/testthat/test_analysis_example_normand1999.r (same values, 2 dp).
    np.testing.assert_array_equal(yi, [-20, -2, -55, -71, -4, 1, 11, -10, 7])
    np.testing.assert_allclose(
        vi, [40.59, 2.05, 15.28, 150.22, 20.19, 1.22, 95.38, 8.03, 20.69], atol=5e-3
    )


def test_dersimonian_laird_matches_table_ix(md):
    res = random_effects(*md, method=Tau2Method.DL)
    # Normand 1999 Table IX (p. 352): -14.10 (-24.45, -3.75), tau² 218.72; confirmed in
    # wviechtb/metafor tests/testthat/test_analysis_example_normand1999.r.
    assert res.estimate == pytest.approx(-14.10, abs=5e-3)
    assert (res.ci_low, res.ci_high) == pytest.approx((-24.45, -3.75), abs=5e-3)
    assert res.tau2 == pytest.approx(218.72, abs=5e-3)


def test_reml_matches_table_ix(md):
    res = random_effects(*md, method=Tau2Method.REML)
    # Normand 1999 Table IX (p. 352): -15.12 (-32.67, 2.43), tau² 685.20; confirmed in
    # wviechtb/metafor tests/testthat/test_analysis_example_normand1999.r.
    assert res.estimate == pytest.approx(-15.12, abs=5e-3)
    assert (res.ci_low, res.ci_high) == pytest.approx((-32.67, 2.43), abs=5e-3)
    assert res.tau2 == pytest.approx(685.20, abs=5e-3)
