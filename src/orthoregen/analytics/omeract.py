"""OMERACT-OARSI 2004 responder criteria (Pham T et al., Osteoarthritis Cartilage 2004;12:389-99).

Rule (instruments.md section 9): every domain on a 0-100 scale where 100 is worst; absolute
improvement a = b − f, relative r = (b − f)/b (undefined when b = 0: that domain cannot
count). Responder if either
1. pain or function improves by r ≥ 50 % and a ≥ 20, or
2. at least two of pain, function and patient global assessment (PGA) improve by r ≥ 20 %
   and a ≥ 10.
Thresholds are inclusive and computed on unrounded values. 100-best scales (KOOS, HOOS, OKS)
are inverted (100 − score) *before* the relative change is taken. Without PGA only route 1 or
pain + function can qualify, and the result is flagged `pga_missing`. When pain or function is
missing and no route already qualifies, the status is undetermined (None), never "no".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from orthoregen.analytics.responders import Proportion, proportion
from orthoregen.analytics.thin import MIN_N_TO_CONCLUDE

HIGH_RELATIVE, HIGH_ABSOLUTE = 0.50, 20.0
MODERATE_RELATIVE, MODERATE_ABSOLUTE = 0.20, 10.0


def invert_100_best(score):
    """Return 100 − score, turning a 100-best scale (KOOS, HOOS) into the 100-worst OARSI scale."""
    return 100 - np.asarray(score, dtype=float)


@dataclass(frozen=True)
class OarsiResponse:
    """One episode's OMERACT-OARSI status at one time point versus baseline."""

    responder: bool | None
    high_improvement: bool
    two_of_three: bool
    pga_missing: bool


def _meets(b, f, relative, absolute):
    b = np.asarray(b, dtype=float)
    f = np.asarray(f, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        gain = b - f
        ok = (b > 0) & (gain / b >= relative - 1e-12) & (gain >= absolute - 1e-9)
    return ok & ~np.isnan(gain)


def classify(
    pain_baseline,
    pain_followup,
    function_baseline,
    function_followup,
    pga_baseline=np.nan,
    pga_followup=np.nan,
) -> pd.DataFrame:
    """Classify arrays of episodes; return columns responder (nullable), high_improvement,
    two_of_three, pga_missing. All inputs on 0-100, 100 = worst; NaN = not collected.
    """
    pain_b, pain_f, fn_b, fn_f, pga_b, pga_f = np.broadcast_arrays(
        *(
            np.atleast_1d(np.asarray(x, dtype=float))
            for x in (
                pain_baseline,
                pain_followup,
                function_baseline,
                function_followup,
                pga_baseline,
                pga_followup,
            )
        )
    )
    high = _meets(pain_b, pain_f, HIGH_RELATIVE, HIGH_ABSOLUTE) | _meets(
        fn_b, fn_f, HIGH_RELATIVE, HIGH_ABSOLUTE
    )
    moderate = [
        _meets(b, f, MODERATE_RELATIVE, MODERATE_ABSOLUTE)
        for b, f in ((pain_b, pain_f), (fn_b, fn_f), (pga_b, pga_f))
    ]
    two = np.sum(moderate, axis=0) >= 2
    qualifies = high | two
    core_missing = np.isnan(pain_b) | np.isnan(pain_f) | np.isnan(fn_b) | np.isnan(fn_f)
    responder = pd.array(np.where(qualifies, True, False), dtype="boolean")
    responder[~qualifies & core_missing] = pd.NA
    return pd.DataFrame(
        {
            "responder": responder,
            "high_improvement": high,
            "two_of_three": two,
            "pga_missing": np.isnan(pga_b) | np.isnan(pga_f),
        }
    )


def omeract_oarsi_response(
    pain: tuple[float, float],
    function: tuple[float, float],
    pga: tuple[float, float] | None = None,
) -> OarsiResponse:
    """Classify one episode; each domain is (baseline, follow-up) on 0-100, 100 = worst."""
    pga = pga or (np.nan, np.nan)
    row = classify(pain[0], pain[1], function[0], function[1], pga[0], pga[1]).iloc[0]
    status = None if pd.isna(row["responder"]) else bool(row["responder"])
    return OarsiResponse(
        status, bool(row["high_improvement"]), bool(row["two_of_three"]), bool(row["pga_missing"])
    )


@dataclass(frozen=True)
class OarsiRate:
    """Responder proportion among determinable episodes, with what was left out."""

    responders: Proportion
    n_undetermined: int
    n_pga_missing: int


def omeract_oarsi_rate(classified: pd.DataFrame, *, min_n: int = MIN_N_TO_CONCLUDE) -> OarsiRate:
    """Return the responder rate (Wilson 95 % CI) of a `classify` result, undetermined excluded."""
    known = classified["responder"].dropna()
    return OarsiRate(
        responders=proportion(int(known.sum()), int(known.size), min_n=min_n),
        n_undetermined=int(classified["responder"].isna().sum()),
        n_pga_missing=int(classified["pga_missing"].sum()),
    )
