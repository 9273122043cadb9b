"""Pooling evidence-library arms, checked against metafor's BCG results."""

import math
from dataclasses import replace

import pytest

from orthoregen.analytics.effect_sizes import log_risk_ratio
from orthoregen.analytics.meta import Tau2Method
from orthoregen.evidence.library import Arm, ArmResult, load_library
from orthoregen.evidence.pooling import (
    NotEnoughStudies,
    Outcome,
    Pooled,
    pool_arm,
    pool_every_outcome,
    pool_msc_and_placebo,
)

STRICT_6M = Outcome("knee", "OMERACT-OARSI strict responder", "responder", "risk ratio", 6)

# metadat dat.bcg counts (tpos, tneg, cpos, cneg), as tests/analytics/reference/bcg.csv.
BCG = [
    (4, 119, 11, 128),
    (6, 300, 29, 274),
    (3, 228, 11, 209),
    (62, 13536, 248, 12619),
    (33, 5036, 47, 5761),
    (180, 1361, 372, 1079),
    (8, 2537, 10, 619),
    (505, 87886, 499, 87892),
    (29, 7470, 45, 7232),
    (17, 1699, 65, 1600),
    (186, 50448, 141, 27197),
    (5, 2493, 3, 2338),
    (27, 16886, 29, 17825),
]


def test_library_rows_without_intervals_are_not_pooled():
    # No MSC or placebo arm of the seed library carries a CI for this outcome.
    result = pool_msc_and_placebo(
        load_library(), replace(STRICT_6M, measure="responder proportion")
    )
    assert isinstance(result[Arm.MSC], NotEnoughStudies)
    assert isinstance(result[Arm.PLACEBO], NotEnoughStudies)
    assert result[Arm.PLACEBO].k == 0


def test_a_single_trial_is_not_enough_to_pool():
    result = pool_arm(load_library(), Arm.BETWEEN_ARMS, STRICT_6M)
    assert isinstance(result, NotEnoughStudies)
    assert (result.k, result.study_ids) == (1, ("adipoa2-2025",))


def test_hip_outcomes_have_nothing_to_pool():
    hip = replace(STRICT_6M, joint="hip")
    assert pool_arm(load_library(), Arm.BETWEEN_ARMS, hip).k == 0


def _bcg_as_staff_added_studies():
    template = load_library()[0]  # ADIPOA2, knee
    z = 1.959963984540054
    studies = []
    for i, counts in enumerate(BCG, start=1):
        es = log_risk_ratio(*counts)
        half = z * es.se
        result = ArmResult(
            Arm.BETWEEN_ARMS,
            STRICT_6M.instrument,
            STRICT_6M.subscale,
            "proportion",
            "higher",
            "risk ratio",
            6,
            math.exp(es.estimate),
            math.exp(es.estimate - half),
            math.exp(es.estimate + half),
        )
        studies.append(replace(template, id=f"bcg-{i}", results=(result,)))
    return studies


def test_pooling_library_rows_reproduces_metafor_dl_with_hartung_knapp():
    # 13 rows built like staff-added studies (RR with its 95 % CI) from the BCG trials.
    pooled = pool_arm(
        _bcg_as_staff_added_studies(), Arm.BETWEEN_ARMS, STRICT_6M, method=Tau2Method.DL
    )
    assert isinstance(pooled, Pooled)
    assert pooled.k == 13
    # metafor rma(yi, vi, method="DL", test="knha"): -0.7141, CI -1.1078 to -0.3204.
    assert math.log(pooled.estimate) == pytest.approx(-0.7141, abs=5e-5)
    assert math.log(pooled.ci_low) == pytest.approx(-1.1078, abs=5e-5)
    assert math.log(pooled.ci_high) == pytest.approx(-0.3204, abs=5e-5)


def test_default_pooling_is_reml():
    pooled = pool_arm(_bcg_as_staff_added_studies(), Arm.BETWEEN_ARMS, STRICT_6M)
    # metafor rma(yi, vi) REML estimate -0.7145, tau² 0.3132; predict(transf=exp) RR 0.4894.
    assert pooled.estimate == pytest.approx(0.4894, abs=5e-5)
    assert pooled.meta.tau2 == pytest.approx(0.3132, abs=5e-5)
    assert pooled.meta.hartung_knapp


def test_pool_every_outcome_pools_what_three_studies_share_and_says_the_rest_is_too_few():
    template = load_library()[0]

    def study(i, estimate, scale="0-10"):
        return replace(template, id=f"s{i}", results=(ArmResult(
            Arm.MSC, "NRS pain", "total", scale, "lower", "change from baseline", 6,
            estimate, estimate - 1, estimate + 1),))

    # Three arms at -2, -3, -4 with equal intervals: equal weights, pooled mean exactly -3;
    # a fourth on another scale is a separate outcome and is never pooled with them.
    added = [study(1, -2), study(2, -3), study(3, -4), study(4, -30, scale="0-100 mm")]
    results = pool_every_outcome((*load_library(), *added))
    nrs = [r for r in results if r.outcome.instrument == "NRS pain" and r.arm is Arm.MSC
           and r.outcome.timepoint_months == 6]
    pooled = {r.outcome.scale: r for r in nrs}
    assert pooled["0-10"].k == 3 and pooled["0-10"].estimate == pytest.approx(-3.0, abs=1e-9)
    assert isinstance(pooled["0-100 mm"], NotEnoughStudies) and pooled["0-100 mm"].k == 1
    # The seed library alone: every outcome is reported without intervals or by fewer than 3.
    assert all(isinstance(r, NotEnoughStudies) for r in pool_every_outcome(load_library()))
