"""Loss to follow-up per time point: who was due, who completed, with the denominators shown."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd

from orthoregen.analytics.responders import with_proportion
from orthoregen.analytics.scores import sorted_by_timepoint
from orthoregen.analytics.thin import MIN_N_TO_CONCLUDE

FOLLOW_UP_COLUMNS = [
    "timepoint",
    "n_scheduled",
    "n_not_yet_due",
    "n_due",
    "n_completed",
    "n_lost",
    "proportion_lost",
    "ci_low",
    "ci_high",
    "too_thin",
]


def loss_to_follow_up(
    visits: pd.DataFrame,
    *,
    timepoints: Iterable[str] | None = None,
    level: float = 0.95,
    min_n: int = MIN_N_TO_CONCLUDE,
) -> pd.DataFrame:
    """Return due, completed and lost visits per time point, lost/due with a Wilson interval.

    visits: one row per scheduled visit with `episode_id`, `timepoint`, `due` (the visit's
    window closed before the analysis date) and `completed` (at least one scored
    questionnaire inside the window), or one row per (timepoint, due, completed) cell with
    its number of visits in `n` (what a database count returns; the result is the same). A
    visit whose window is still open is neither lost nor completed: it is counted in
    `n_not_yet_due` and left out of the denominator, so a young cohort does not look lost.
    Completed visits count even when they are not yet due.
    """
    due = visits["due"].astype(bool)
    completed = visits["completed"].astype(bool)
    weight = visits["n"].astype(int) if "n" in visits else pd.Series(1, index=visits.index)
    g = pd.DataFrame({
        "timepoint": visits["timepoint"],
        "n_scheduled": weight,
        "n_due": weight * (due | completed),
        "n_completed": weight * completed,
        "n_lost": weight * (due & ~completed),
    }).groupby("timepoint", sort=False)
    out = g.sum().reset_index()
    out["n_not_yet_due"] = out["n_scheduled"] - out["n_due"]
    out = with_proportion(
        out, count="n_lost", n="n_due", name="proportion_lost", level=level, min_n=min_n
    )
    return sorted_by_timepoint(out, timepoints)[FOLLOW_UP_COLUMNS].reset_index(drop=True)


def visit_completion(
    schedule: pd.DataFrame, scores: pd.DataFrame, *, as_of: dt.date
) -> pd.DataFrame:
    """Mark each scheduled visit due (window closed before `as_of`) and completed (scored).

    schedule: `episode_id`, `timepoint`, `window_closes` (date or timestamp, the last day of
    the visit window); scores: the tidy score table. A visit is completed when any score of
    that episode carries that timepoint label. The date is passed in, never read from the
    clock, so a report can be re-run for any day. Returns the input of `loss_to_follow_up`.
    """
    done = scores.loc[
        scores["timepoint"].notna() & scores["value"].notna(), ["episode_id", "timepoint"]
    ]
    done = done.drop_duplicates().assign(completed=True)
    visits = schedule.merge(done, on=["episode_id", "timepoint"], how="left")
    closes = pd.to_datetime(visits["window_closes"])
    return visits.assign(due=closes < pd.Timestamp(as_of), completed=visits["completed"].eq(True))
