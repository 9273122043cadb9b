"""Responder rates against MCID/MCII and PASS thresholds, with Wilson 95 % intervals.

Thresholds arrive as data (the instruments package keeps them versioned,
docs/instruments.md#thresholds): a number plus the instrument's direction. None of the
published thresholds was derived in MSC-injection cohorts; they are reference values, not
verdicts.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from orthoregen.analytics.change import summarise_change
from orthoregen.analytics.intervals import wilson_bounds, wilson_interval
from orthoregen.analytics.scores import (
    BASELINE,
    pair_valid_scores,
    sorted_by_timepoint,
    valid_scores,
    with_baseline,
)
from orthoregen.analytics.thin import MIN_N_TO_CONCLUDE


class Better(enum.Enum):
    """Which end of an instrument's scale is the good one.

    See docs/instruments.md#direction-of-each-score.
    """

    LOWER = "lower"  # VAS, NRS, WOMAC
    HIGHER = "higher"  # KOOS, HOOS, Oxford, ASES


@dataclass(frozen=True)
class Thresholds:
    """Thresholds of one instrument subscale; either may be absent.

    `improvement` is the minimal important improvement as a positive magnitude on the
    instrument's scale (Tubach 2005 knee VAS MCII −19.9 mm → 19.9); `acceptable` is the PASS
    cut-off on the score itself (knee VAS PASS ≤ 32.3 mm → 32.3 with Better.LOWER).
    """

    better: Better
    improvement: float | None = None
    acceptable: float | None = None

    @classmethod
    def for_subscale(
        cls,
        *,
        higher_is_better: bool,
        improvement: float | None = None,
        acceptable: float | None = None,
    ) -> Thresholds:
        """Build from a subscale's `higher_is_better` and threshold values as the
        instruments package stores them (change thresholds signed as an improvement)."""
        better = Better.HIGHER if higher_is_better else Better.LOWER
        return cls(better, improvement, acceptable)


@dataclass(frozen=True)
class Proportion:
    """A proportion with its Wilson score interval and the too-thin flag."""

    count: int
    n: int
    estimate: float
    ci_low: float
    ci_high: float
    too_thin: bool


def proportion(
    count: int, n: int, *, level: float = 0.95, min_n: int = MIN_N_TO_CONCLUDE
) -> Proportion:
    """Return count/n with its Wilson score interval (Newcombe 1998, method 3)."""
    ci = wilson_interval(count, n, level=level)
    return Proportion(count, n, count / n if n else float("nan"), ci.low, ci.high, n < min_n)


def with_proportion(
    table: pd.DataFrame,
    *,
    count: str,
    n: str,
    name: str,
    level: float = 0.95,
    min_n: int = MIN_N_TO_CONCLUDE,
) -> pd.DataFrame:
    """Add `name` = count / n per row (NaN where n is 0), ci_low, ci_high and too_thin.

    The table form of `proportion`: Wilson score bounds (Newcombe 1998, method 3).
    """
    low, high = wilson_bounds(table[count].to_numpy(), table[n].to_numpy(), level=level)
    rate = table[count] / table[n].where(table[n] > 0)
    return table.assign(**{name: rate}, ci_low=low, ci_high=high, too_thin=table[n] < min_n)


def improvement(change: npt.ArrayLike, better: Better) -> np.ndarray:
    """Return the change re-signed so that positive always means better."""
    return (
        -np.asarray(change, dtype=float)
        if better is Better.LOWER
        else np.asarray(change, dtype=float)
    )


def is_improved(change: npt.ArrayLike, thresholds: Thresholds) -> np.ndarray:
    """Return whether each change reaches the minimal important improvement (inclusive ≥)."""
    if thresholds.improvement is None:
        raise ValueError("no improvement threshold given")
    return improvement(change, thresholds.better) >= abs(thresholds.improvement)


def is_acceptable(score: npt.ArrayLike, thresholds: Thresholds) -> np.ndarray:
    """Return whether each score is in the patient-acceptable state (≤ PASS if lower is better)."""
    if thresholds.acceptable is None:
        raise ValueError("no PASS threshold given")
    score = np.asarray(score, dtype=float)
    if thresholds.better is Better.LOWER:
        return score <= thresholds.acceptable
    return score >= thresholds.acceptable


RATE_COLUMNS = [
    "instrument",
    "subscale",
    "timepoint",
    "kind",
    "threshold",
    "n",
    "count",
    "rate",
    "ci_low",
    "ci_high",
    "too_thin",
]


def responder_rates(
    scores: pd.DataFrame,
    thresholds: Mapping[tuple[str, str], Thresholds],
    *,
    baseline: str = BASELINE,
    timepoints: Iterable[str] | None = None,
    level: float = 0.95,
    min_n: int = MIN_N_TO_CONCLUDE,
) -> pd.DataFrame:
    """Return MCID and PASS responder rates per instrument, subscale and follow-up time point.

    `thresholds` maps (instrument, subscale) to its Thresholds; other subscales are skipped.
    kind "improvement": episodes whose paired change reaches the threshold, denominator the
    paired episodes (as in `change_from_baseline`). kind "acceptable": episodes whose score
    at that time point is in PASS, denominator every episode scored then. Wilson intervals.
    Output columns: RATE_COLUMNS.
    """
    usable = valid_scores(scores)
    paired = pair_valid_scores(usable, baseline=baseline)
    follow = usable[usable["timepoint"] != baseline]
    return _rates(paired, follow, thresholds, timepoints=timepoints, level=level, min_n=min_n)


def change_and_responder_rates(
    scores: pd.DataFrame,
    thresholds: Mapping[tuple[str, str], Thresholds],
    *,
    baseline: str = BASELINE,
    timepoints: Iterable[str] | None = None,
    level: float = 0.95,
    min_n: int = MIN_N_TO_CONCLUDE,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return `change_from_baseline(scores)` and `responder_rates(scores, thresholds)`.

    The same two tables as the two calls, but the scores are checked and paired with their
    baseline once for both (the dashboard's 330,000 scores: the check and the pairing were
    a third of the two calls' time). The paired rows are the change's follow-up rows that
    have a baseline; every follow-up row is the PASS denominator, as in `responder_rates`.
    """
    merged, base = with_baseline(valid_scores(scores), baseline=baseline)
    change = summarise_change(merged, base, timepoints=timepoints, level=level, min_n=min_n)
    paired = merged.loc[merged["baseline"].notna()]
    rates = _rates(paired, merged, thresholds, timepoints=timepoints, level=level, min_n=min_n)
    return change, rates


def _rates(
    paired: pd.DataFrame,
    follow: pd.DataFrame,
    thresholds: Mapping[tuple[str, str], Thresholds],
    *,
    timepoints: Iterable[str] | None,
    level: float,
    min_n: int,
) -> pd.DataFrame:
    parts = []
    for (instrument, subscale), th in thresholds.items():
        if th.improvement is not None:
            rows = paired[(paired["instrument"] == instrument) & (paired["subscale"] == subscale)]
            hit = rows.assign(hit=is_improved(rows["change"], th))
            parts.append(_count(hit, "improvement", abs(th.improvement)))
        if th.acceptable is not None:
            rows = follow[(follow["instrument"] == instrument) & (follow["subscale"] == subscale)]
            hit = rows.assign(hit=is_acceptable(rows["value"], th))
            parts.append(_count(hit, "acceptable", th.acceptable))
    if not parts:
        return pd.DataFrame(columns=RATE_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    out = with_proportion(out, count="count", n="n", name="rate", level=level, min_n=min_n)
    out = sorted_by_timepoint(out, timepoints, within=["instrument", "subscale", "kind"])
    return out[RATE_COLUMNS].reset_index(drop=True)


def _count(rows: pd.DataFrame, kind: str, threshold: float) -> pd.DataFrame:
    grouped = rows.groupby(["instrument", "subscale", "timepoint"], sort=False, observed=True)[
        "hit"
    ]
    out = grouped.agg(n="size", count="sum").reset_index()
    out = out.astype({c: object for c in ("instrument", "subscale", "timepoint")})
    return out.assign(kind=kind, threshold=threshold, count=out["count"].astype(int))
