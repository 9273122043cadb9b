"""Kaplan-Meier survival free of joint replacement, numbers at risk, median follow-up.

Conventions (docs/statistics.md#kaplan-meier-survival): the survival estimate and the at-risk
table come from lifelines `KaplanMeierFitter`; the variance is Greenwood's; the pointwise 95 %
interval uses the **log** transform, S·exp(±z·σ) with σ² = Σ d/(n(n−d)), upper bound capped
at 1. That is R survival's default `conf.type = "log"`, so results match
`summary(survfit(...))`.
lifelines' own interval is log(−log) ("exponential" Greenwood) and is wider near 1
(aml Maintained at t = 9: log 0.754-1.000 vs log-log 0.508-0.987); we do not use it.
Medians follow R: the first time S(t) ≤ 0.5, and for its interval the first times the lower
and upper bounds fall to ≤ 0.5 (Brookmeyer & Crowley, Biometrics 1982;38:29-41).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from lifelines import KaplanMeierFitter
from scipy import stats

from orthoregen.analytics.thin import is_too_thin

CI_METHOD = "log transform of S(t), Greenwood variance (R survival default conf.type='log')"


@dataclass(frozen=True)
class KaplanMeier:
    """A Kaplan-Meier curve: one row per distinct event time, and its median.

    `table` columns: time, n_risk, n_event, survival, std_err (of S, Greenwood), ci_low,
    ci_high, as R's `summary(survfit(...))`. Medians are NaN when the curve or the bound never
    falls to 0.5 (R prints NA).
    """

    table: pd.DataFrame
    n: int
    events: int
    median: float
    median_ci_low: float
    median_ci_high: float
    ci_method: str = CI_METHOD
    level: float = 0.95

    @property
    def too_thin(self) -> bool:
        """Return True when too few patients were followed to draw the curve with confidence."""
        return is_too_thin(self.n)


def kaplan_meier(
    durations: npt.ArrayLike, events: npt.ArrayLike, *, level: float = 0.95
) -> KaplanMeier:
    """Estimate survival free of the event (e.g. arthroplasty), R-survival conventions.

    durations: time from treatment to event or censoring (any unit, e.g. months);
    events: 1/True if the event (conversion to joint replacement) happened, 0/False if
    censored. Method and CI convention: see the module docstring.
    """
    durations = np.asarray(durations, dtype=float)
    events = np.asarray(events, dtype=bool)
    kmf = KaplanMeierFitter().fit(durations, event_observed=events)
    et = kmf.event_table
    et = et[et["observed"] > 0]
    n_risk = et["at_risk"].to_numpy(dtype=float)
    n_event = et["observed"].to_numpy(dtype=float)
    survival = np.cumprod(1 - n_event / n_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        greenwood = np.cumsum(n_event / (n_risk * (n_risk - n_event)))
        sigma = np.sqrt(greenwood)
        z = stats.norm.ppf(0.5 + level / 2)
        low = survival * np.exp(-z * sigma)
        high = np.minimum(1.0, survival * np.exp(z * sigma))
    # Where S reaches 0 the log transform has no interval (R prints NA).
    undefined = survival <= 0
    low[undefined], high[undefined] = np.nan, np.nan
    table = pd.DataFrame(
        {
            "time": et.index.to_numpy(dtype=float),
            "n_risk": n_risk.astype(int),
            "n_event": n_event.astype(int),
            "survival": survival,
            "std_err": np.where(undefined, np.nan, survival * sigma),
            "ci_low": low,
            "ci_high": high,
        }
    )
    return KaplanMeier(
        table=table,
        n=int(durations.size),
        events=int(events.sum()),
        median=_first_time_at_or_below_half(table["time"], table["survival"]),
        median_ci_low=_first_time_at_or_below_half(table["time"], table["ci_low"]),
        median_ci_high=_first_time_at_or_below_half(table["time"], table["ci_high"]),
        level=level,
    )


def survival_at(curve: KaplanMeier, times: Iterable[float]) -> pd.DataFrame:
    """Return survival, its interval and the number at risk at given times (a step function).

    Like R `summary(fit, times=...)`: the estimate is the value of the last event time ≤ t;
    n_risk is the number still under follow-up just before t, computed from the table.
    """
    t = curve.table
    rows = []
    for time in times:
        before = t[t["time"] <= time]
        if before.empty:
            rows.append((time, 1.0, 1.0, 1.0))
        else:
            last = before.iloc[-1]
            rows.append((time, last["survival"], last["ci_low"], last["ci_high"]))
    return pd.DataFrame(rows, columns=["time", "survival", "ci_low", "ci_high"])


def numbers_at_risk(durations: npt.ArrayLike, times: Iterable[float]) -> pd.DataFrame:
    """Return how many patients are still followed (duration ≥ t) at each time, for plots."""
    durations = np.asarray(durations, dtype=float)
    return pd.DataFrame(
        {"time": list(times), "n_risk": [int(np.sum(durations >= t)) for t in times]}
    )


def median_follow_up(
    durations: npt.ArrayLike, events: npt.ArrayLike, *, level: float = 0.95
) -> KaplanMeier:
    """Return the reverse Kaplan-Meier curve, whose median is the median follow-up.

    Schemper M, Smith TL, Control Clin Trials 1996;17:343-6: swap the roles of event and
    censoring, so that follow-up cut short by the event is not counted as short follow-up.
    """
    return kaplan_meier(durations, ~np.asarray(events, dtype=bool), level=level)


def _first_time_at_or_below_half(times: pd.Series, values: pd.Series) -> float:
    # R takes the midpoint when S is exactly 0.5 over an interval; compare with a tolerance
    # so that 0.5 computed as a product of fractions still counts.
    hits = np.flatnonzero(values.to_numpy() <= 0.5 + 1e-12)
    if hits.size == 0:
        return math.nan
    i = hits[0]
    vals = values.to_numpy()
    if abs(vals[i] - 0.5) < 1e-12 and i + 1 < len(vals):
        return float((times.iloc[i] + times.iloc[i + 1]) / 2)
    return float(times.iloc[i])


@dataclass(frozen=True)
class LogRank:
    """Log-rank comparison of survival curves across groups."""

    groups: tuple[Hashable, ...]
    observed: tuple[int, ...]
    expected: tuple[float, ...]
    chi_square: float
    df: int
    p_value: float


def log_rank(durations: npt.ArrayLike, events: npt.ArrayLike, groups: npt.ArrayLike) -> LogRank:
    """Compare survival free of the event across groups with the log-rank test.

    Mantel-Haenszel form as R `survdiff(rho = 0)`: expected events per group
    E_g = Σ_t d_t·n_gt/n_t over distinct event times; χ² from lifelines
    `multivariate_logrank_test` on k − 1 df. Descriptive in a registry: groups are not
    randomised, so a difference is not an effect of the grouping factor.
    """
    from lifelines.statistics import multivariate_logrank_test

    durations = np.asarray(durations, dtype=float)
    events = np.asarray(events, dtype=bool)
    groups = np.asarray(groups)
    labels = tuple(pd.unique(groups))
    event_times, d_t = np.unique(durations[events], return_counts=True)

    def at_risk(mask: np.ndarray) -> np.ndarray:
        # Patients still followed at t: durations ≥ t, counted by binary search (no N×T grid).
        sorted_d = np.sort(durations[mask])
        return sorted_d.size - np.searchsorted(sorted_d, event_times, side="left")

    n_t = at_risk(np.ones(durations.size, dtype=bool))
    expected = tuple(float(np.sum(d_t * at_risk(groups == g) / n_t)) for g in labels)
    observed = tuple(int(events[groups == g].sum()) for g in labels)
    test = multivariate_logrank_test(durations, groups, events)
    return LogRank(
        labels, observed, expected, float(test.test_statistic), len(labels) - 1, float(test.p_value)
    )
