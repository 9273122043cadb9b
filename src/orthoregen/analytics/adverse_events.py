"""Adverse event rates per 100 injections, by term, CTCAE grade and seriousness.

Two denominators-honest measures, both with 95 % intervals:
* events per 100 injections — a count over an exposure, so an injection with two events
  counts twice; exact Poisson (Garwood 1936) interval, as R `poisson.test(events, injections)`;
* the proportion of injections with at least one such event — Wilson score interval
  (Newcombe 1998, method 3), which needs `injection_id` on each event.
Grades are CTCAE v5 (1 mild … 5 death); seriousness is the ICH E2A regulatory definition,
independent of grade.
"""

from __future__ import annotations

import pandas as pd

from orthoregen.analytics.intervals import poisson_exact_bounds, wilson_bounds
from orthoregen.analytics.thin import MIN_N_TO_CONCLUDE

AE_COLUMNS = [
    "n_events",
    "n_injections",
    "rate_per_100",
    "rate_ci_low",
    "rate_ci_high",
    "n_injections_affected",
    "proportion_affected",
    "proportion_ci_low",
    "proportion_ci_high",
    "too_thin",
]


def adverse_event_rates(
    events: pd.DataFrame,
    n_injections: float,
    *,
    by: tuple[str, ...] = ("term",),
    level: float = 0.95,
    min_n: int = MIN_N_TO_CONCLUDE,
) -> pd.DataFrame:
    """Return event rates per 100 injections for each group of `by` (e.g. term, grade, serious).

    events: one row per adverse event with an `injection_id` and the `by` columns;
    n_injections: injections administered in the same cohort and period (the exposure).
    `by=()` gives the overall row. Methods: see the module docstring. `too_thin` when the
    cohort has fewer than `min_n` injections.
    """
    if n_injections <= 0:
        raise ValueError("the rate needs at least one injection in the denominator")
    keys = list(by)
    if keys:
        grouped = events.groupby(keys, sort=True, dropna=False)
        out = grouped.agg(
            n_events=("injection_id", "size"), n_injections_affected=("injection_id", "nunique")
        ).reset_index()
    else:
        out = pd.DataFrame(
            {"n_events": [len(events)], "n_injections_affected": [events["injection_id"].nunique()]}
        )
    low, high = poisson_exact_bounds(out["n_events"].to_numpy(), level=level)
    p_low, p_high = wilson_bounds(
        out["n_injections_affected"].to_numpy(), [n_injections] * len(out), level=level
    )
    out = out.assign(
        n_injections=n_injections,
        rate_per_100=100 * out["n_events"] / n_injections,
        rate_ci_low=100 * low / n_injections,
        rate_ci_high=100 * high / n_injections,
        proportion_affected=out["n_injections_affected"] / n_injections,
        proportion_ci_low=p_low,
        proportion_ci_high=p_high,
        too_thin=n_injections < min_n,
    )
    return out[[*keys, *AE_COLUMNS]]


def adverse_event_summary(
    events: pd.DataFrame, n_injections: int, *, level: float = 0.95
) -> dict[str, pd.DataFrame]:
    """Return the standard safety tables: overall, by term, by grade and by seriousness."""
    return {
        "overall": adverse_event_rates(events, n_injections, by=(), level=level),
        "term": adverse_event_rates(events, n_injections, by=("term",), level=level),
        "grade": adverse_event_rates(events, n_injections, by=("grade",), level=level),
        "serious": adverse_event_rates(events, n_injections, by=("serious",), level=level),
    }
