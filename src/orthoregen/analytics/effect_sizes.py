"""Study effect sizes to feed a meta-analysis: Hedges g and the log risk ratio."""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

from scipy import stats


class HedgesVariance(enum.Enum):
    """Convention for the sampling variance of Hedges g (they differ for the same g).

    Borenstein g = 0.5924 example (docs/statistics.md#effect-sizes): BORENSTEIN 0.041143,
    METAFOR_LS 0.041755, REVMAN 0.041827.
    """

    BORENSTEIN = "J²·Vd, Vd = N/(n1·n2) + d²/(2N) (Borenstein et al. 2009, eq. 4.20 and 4.24)"
    METAFOR_LS = "1/n1 + 1/n2 + g²/(2N) (metafor escalc measure='SMD', vtype='LS')"
    REVMAN = "N/(n1·n2) + g²/(2(N − 3.94)) (Cochrane RevMan; statsmodels effectsize_smd)"


@dataclass(frozen=True)
class EffectSize:
    """An effect estimate with its sampling variance, on the analysis scale."""

    estimate: float
    variance: float

    @property
    def se(self) -> float:
        """Return the standard error, √variance."""
        return math.sqrt(self.variance)


def small_sample_correction(df: float) -> float:
    """Return Hedges' J = 1 − 3/(4·df − 1), the approximate bias correction for d.

    Hedges LV, J Educ Stat 1981;6:107-28. The exact gamma-function J agrees to 4 dp once
    df ≳ 10 (docs/statistics.md#effect-sizes).
    """
    return 1 - 3 / (4 * df - 1)


def hedges_g(
    mean_1: float,
    sd_1: float,
    n_1: int,
    mean_2: float,
    sd_2: float,
    n_2: int,
    *,
    variance: HedgesVariance = HedgesVariance.BORENSTEIN,
) -> EffectSize:
    """Return Hedges g for group 1 minus group 2, with the chosen variance convention.

    d = (m1 − m2)/S_pooled with S_pooled² = ((n1−1)s1² + (n2−1)s2²)/(n1+n2−2); g = J·d
    (Borenstein M et al., Introduction to Meta-Analysis, Wiley 2009, chapter 4).
    The sign follows the order of the groups: check which direction is "better" per scale.
    """
    n = n_1 + n_2
    s_pooled = math.sqrt(((n_1 - 1) * sd_1**2 + (n_2 - 1) * sd_2**2) / (n - 2))
    d = (mean_1 - mean_2) / s_pooled
    j = small_sample_correction(n - 2)
    g = j * d
    if variance is HedgesVariance.BORENSTEIN:
        v = j**2 * (n / (n_1 * n_2) + d**2 / (2 * n))
    elif variance is HedgesVariance.METAFOR_LS:
        v = 1 / n_1 + 1 / n_2 + g**2 / (2 * n)
    else:
        v = n / (n_1 * n_2) + g**2 / (2 * (n - 3.94))
    return EffectSize(g, v)


def mean_difference(
    mean_1: float, sd_1: float, n_1: int, mean_2: float, sd_2: float, n_2: int
) -> EffectSize:
    """Return the raw mean difference m1 − m2 with variance S_pooled²·(1/n1 + 1/n2).

    The equal-variance (pooled SD) form, as Normand SLT, Stat Med 1999;18:321-59, Table VIII.
    Units are those of the outcome (e.g. mm on a VAS), so only pool studies on one scale.
    """
    s2 = ((n_1 - 1) * sd_1**2 + (n_2 - 1) * sd_2**2) / (n_1 + n_2 - 2)
    return EffectSize(mean_1 - mean_2, s2 * (1 / n_1 + 1 / n_2))


def log_risk_ratio(
    events_1: int, non_events_1: int, events_2: int, non_events_2: int
) -> EffectSize:
    """Return log(RR) of group 1 vs group 2 with variance 1/a − 1/(a+b) + 1/c − 1/(c+d).

    The large-sample delta-method variance (metafor escalc measure='RR'). Zero cells are
    rejected rather than silently corrected: the caller decides on a continuity correction.
    """
    a, b, c, d = events_1, non_events_1, events_2, non_events_2
    if min(a, c) <= 0 or min(b, d) < 0:
        raise ValueError("log risk ratio needs at least one event in each group")
    rr = (a / (a + b)) / (c / (c + d))
    return EffectSize(math.log(rr), 1 / a - 1 / (a + b) + 1 / c - 1 / (c + d))


def se_from_interval(low: float, high: float, *, level: float = 0.95) -> float:
    """Return the standard error implied by a symmetric normal-theory interval (high−low)/(2z).

    Cochrane Handbook 6.3.1. For ratios pass the logs of the bounds.
    """
    return (high - low) / (2 * stats.norm.ppf(0.5 + level / 2))
