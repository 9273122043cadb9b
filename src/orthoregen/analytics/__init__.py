"""Cohort statistics for the outcomes registry: pure numpy / pandas / scipy / lifelines.

Each public function states its method and convention in its docstring, and each is tested
against a published reference result (tests/analytics/). Nothing here imports Django.

Score tables are tidy and long (see `orthoregen.analytics.scores`). Results are DataFrames
with documented columns or frozen dataclasses, and carry a `too_thin` flag (see `thin`).
"""

from orthoregen.analytics.adverse_events import adverse_event_rates, adverse_event_summary
from orthoregen.analytics.change import change_from_baseline
from orthoregen.analytics.effect_sizes import (
    HedgesVariance,
    hedges_g,
    log_risk_ratio,
    mean_difference,
)
from orthoregen.analytics.follow_up import loss_to_follow_up
from orthoregen.analytics.meta import MetaAnalysis, Tau2Method, random_effects
from orthoregen.analytics.omeract import (
    OarsiDomain,
    invert_100_best,
    omeract_oarsi_by_timepoint,
    omeract_oarsi_rate,
    omeract_oarsi_response,
)
from orthoregen.analytics.omeract import classify as omeract_oarsi_classify
from orthoregen.analytics.responders import Better, Thresholds, proportion, responder_rates
from orthoregen.analytics.survival import kaplan_meier, log_rank, median_follow_up
from orthoregen.analytics.thin import MIN_N_TO_CONCLUDE, MIN_STUDIES_TO_POOL, is_too_thin

__all__ = [
    "MIN_N_TO_CONCLUDE",
    "MIN_STUDIES_TO_POOL",
    "Better",
    "HedgesVariance",
    "MetaAnalysis",
    "OarsiDomain",
    "Tau2Method",
    "Thresholds",
    "adverse_event_rates",
    "adverse_event_summary",
    "change_from_baseline",
    "hedges_g",
    "invert_100_best",
    "is_too_thin",
    "kaplan_meier",
    "log_rank",
    "log_risk_ratio",
    "loss_to_follow_up",
    "mean_difference",
    "median_follow_up",
    "omeract_oarsi_by_timepoint",
    "omeract_oarsi_classify",
    "omeract_oarsi_rate",
    "omeract_oarsi_response",
    "proportion",
    "random_effects",
    "responder_rates",
]
