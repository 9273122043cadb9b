"""Change from baseline per instrument, subscale and time point (paired, t-based 95 % CI)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy import stats

from orthoregen.analytics.scores import BASELINE, sorted_by_timepoint, valid_scores, with_baseline
from orthoregen.analytics.thin import MIN_N_TO_CONCLUDE

GROUP = ["instrument", "subscale", "timepoint"]

CHANGE_COLUMNS = [
    "instrument",
    "subscale",
    "timepoint",
    "n_paired",
    "n_excluded_no_baseline",
    "n_baseline_only",
    "mean_baseline",
    "mean_followup",
    "mean_change",
    "sd_change",
    "ci_low",
    "ci_high",
    "too_thin",
]


def change_from_baseline(
    scores: pd.DataFrame,
    *,
    baseline: str = BASELINE,
    timepoints: Iterable[str] | None = None,
    level: float = 0.95,
    min_n: int = MIN_N_TO_CONCLUDE,
) -> pd.DataFrame:
    """Summarise paired change (follow-up − baseline) per instrument, subscale and time point.

    Input: the tidy score table of `orthoregen.analytics.scores`. Only episodes with both a
    baseline and a value at that time point count (`n_paired`); `n_excluded_no_baseline`
    had a follow-up value but no baseline, `n_baseline_only` had a baseline but no value
    at that time point (not yet due or lost; see `loss_to_follow_up`). Mean and SD (n−1) of
    the change, and the t-based interval mean ± t(n−1)·SD/√n — the paired t interval of R
    `t.test(after, before, paired = TRUE)`. Change keeps the instrument's sign: negative is
    improvement on VAS/WOMAC, positive on KOOS/HOOS. `too_thin` when n_paired < min_n.
    Output columns: CHANGE_COLUMNS; rows ordered by `timepoints` if given.
    """
    return summarise_change(*with_baseline(valid_scores(scores), baseline=baseline),
                            timepoints=timepoints, level=level, min_n=min_n)


def summarise_change(
    merged: pd.DataFrame,
    base: pd.DataFrame,
    *,
    timepoints: Iterable[str] | None = None,
    level: float = 0.95,
    min_n: int = MIN_N_TO_CONCLUDE,
) -> pd.DataFrame:
    """Return the `change_from_baseline` table from the two frames of `with_baseline`."""
    has_base = merged["baseline"].notna()
    paired = merged.loc[has_base].groupby(GROUP, sort=False, observed=True)
    out = paired.agg(
        n_paired=("change", "size"),
        mean_baseline=("baseline", "mean"),
        mean_followup=("value", "mean"),
        mean_change=("change", "mean"),
        sd_change=("change", "std"),
    )
    all_groups = merged.groupby(GROUP, sort=False, observed=True).size().rename("n_followup")
    out = out.reindex(all_groups.index)
    out["n_paired"] = out["n_paired"].fillna(0).astype(int)
    out["n_excluded_no_baseline"] = all_groups - out["n_paired"]
    n_base = base.groupby(["instrument", "subscale"], observed=True).size().rename("n_base")
    out = out.join(n_base, on=["instrument", "subscale"])
    out["n_baseline_only"] = (out["n_base"].fillna(0) - out["n_paired"]).astype(int)

    n = out["n_paired"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        half = stats.t.ppf(0.5 + level / 2, n - 1) * out["sd_change"] / np.sqrt(n)
    out["ci_low"] = out["mean_change"] - half
    out["ci_high"] = out["mean_change"] + half
    out["too_thin"] = out["n_paired"] < min_n
    out = out.reset_index().astype({c: object for c in GROUP})
    out = sorted_by_timepoint(out, timepoints, within=["instrument", "subscale"])
    return out[CHANGE_COLUMNS].reset_index(drop=True)
