"""Random-effects meta-analysis (DerSimonian-Laird, REML; optional Hartung-Knapp).

Conventions follow R metafor `rma.uni` (Viechtbauer W, J Stat Softw 2010;36(3)) so that
results can be checked against its published BCG example:

* weights w = 1/(v + tau²); the pooled estimate is the weighted mean;
* DL: tau² = max(0, (Q − (k−1)) / (Σw − Σw²/Σw)) (DerSimonian & Laird, Control Clin Trials
  1986;7:177-88);
* REML: Fisher scoring from the DL value, truncated at 0, as metafor does;
* Q is Cochran's Q under the fixed-effect weights 1/v;
* I² = tau²/(tau² + s²) and H² = (tau² + s²)/s², with the "typical" sampling variance
  s² = (k−1)Σw/((Σw)² − Σw²) (Higgins & Thompson, Stat Med 2002;21:1539-58). For DL this
  equals (Q − df)/Q; for REML it does not (BCG: REML 92.22 % vs DL 92.12 %);
* Wald CI uses the normal quantile. Hartung-Knapp (Hartung & Knapp, Stat Med 2001;20:3875-89)
  replaces the SE by √(Σw(y−μ)²/((k−1)Σw)) and the quantile by t(k−1), without the ad hoc
  "never narrower" truncation (metafor's default `test="knha"`);
* prediction interval: μ ± z·√(SE² + tau²), or with Hartung-Knapp μ ± t(k−1)·√(SE_HK² + tau²)
  (metafor `predict`). Higgins' t(k−2) interval is a third convention, not used here.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats


class Tau2Method(enum.Enum):
    """Estimator of the between-study variance tau²."""

    DL = "DerSimonian-Laird"
    REML = "restricted maximum likelihood"


@dataclass(frozen=True)
class MetaAnalysis:
    """Result of a random-effects meta-analysis on the scale of the inputs (e.g. log RR)."""

    k: int
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    pi_low: float
    pi_high: float
    tau2: float
    q: float
    q_df: int
    q_p_value: float
    i2_percent: float
    h2: float
    method: Tau2Method
    hartung_knapp: bool
    level: float

    @property
    def tau(self) -> float:
        """Return the between-study standard deviation."""
        return math.sqrt(self.tau2)


def random_effects(
    effects: npt.ArrayLike,
    variances: npt.ArrayLike,
    *,
    method: Tau2Method = Tau2Method.REML,
    hartung_knapp: bool = False,
    level: float = 0.95,
) -> MetaAnalysis:
    """Pool study effects with known sampling variances in a random-effects model.

    Method and conventions: see the module docstring (metafor `rma.uni` defaults).
    Needs k ≥ 2 studies with positive variances.
    """
    y = np.asarray(effects, dtype=float)
    v = np.asarray(variances, dtype=float)
    k = y.size
    if k < 2 or v.size != k:
        raise ValueError("a random-effects meta-analysis needs at least two studies")
    if np.any(v <= 0) or np.any(~np.isfinite(v)) or np.any(~np.isfinite(y)):
        raise ValueError("every study needs a finite effect and a positive sampling variance")
    q = cochran_q(y, v)
    tau2 = _tau2_dl(y, v, q) if method is Tau2Method.DL else _tau2_reml(y, v)
    w = 1 / (v + tau2)
    mu = float(np.sum(w * y) / np.sum(w))
    if hartung_knapp:
        se = math.sqrt(float(np.sum(w * (y - mu) ** 2)) / ((k - 1) * float(np.sum(w))))
        crit = stats.t.ppf(0.5 + level / 2, k - 1)
    else:
        se = math.sqrt(1 / float(np.sum(w)))
        crit = stats.norm.ppf(0.5 + level / 2)
    s2 = _typical_variance(v)
    pi_half = crit * math.sqrt(se**2 + tau2)
    return MetaAnalysis(
        k=k,
        estimate=mu,
        se=se,
        ci_low=mu - crit * se,
        ci_high=mu + crit * se,
        pi_low=mu - pi_half,
        pi_high=mu + pi_half,
        tau2=tau2,
        q=q,
        q_df=k - 1,
        q_p_value=float(stats.chi2.sf(q, k - 1)),
        i2_percent=100 * tau2 / (tau2 + s2),
        h2=(tau2 + s2) / s2,
        method=method,
        hartung_knapp=hartung_knapp,
        level=level,
    )


def cochran_q(effects: npt.ArrayLike, variances: npt.ArrayLike) -> float:
    """Return Cochran's Q = Σ(y − ȳ_FE)²/v under inverse-variance fixed-effect weights."""
    y = np.asarray(effects, dtype=float)
    w = 1 / np.asarray(variances, dtype=float)
    mu = np.sum(w * y) / np.sum(w)
    return float(np.sum(w * (y - mu) ** 2))


def _typical_variance(v: np.ndarray) -> float:
    w = 1 / v
    return float((v.size - 1) * np.sum(w) / (np.sum(w) ** 2 - np.sum(w**2)))


def _tau2_dl(y: np.ndarray, v: np.ndarray, q: float) -> float:
    w = 1 / v
    c = np.sum(w) - np.sum(w**2) / np.sum(w)
    return max(0.0, float((q - (y.size - 1)) / c))


def _tau2_reml(y: np.ndarray, v: np.ndarray, *, tol: float = 1e-10, max_iter: int = 200) -> float:
    # Fisher scoring on the restricted likelihood (Viechtbauer, J Educ Behav Stat 2005;30:261-93):
    # tau² ← tau² + (Y'PPY − tr P) / tr(PP), with P = W − W1(1'W1)⁻¹1'W, truncated at 0.
    tau2 = _tau2_dl(y, v, cochran_q(y, v))
    for _ in range(max_iter):
        w = 1 / (v + tau2)
        p_diag_y = w * (y - np.sum(w * y) / np.sum(w))  # P·y for an intercept-only model
        tr_p = np.sum(w) - np.sum(w**2) / np.sum(w)
        tr_pp = np.sum(w**2) - 2 * np.sum(w**3) / np.sum(w) + (np.sum(w**2) / np.sum(w)) ** 2
        step = (np.sum(p_diag_y**2) - tr_p) / tr_pp
        new = max(0.0, float(tau2 + step))
        if abs(new - tau2) < tol:
            return new
        tau2 = new
    raise ArithmeticError("REML estimate of tau² did not converge")
