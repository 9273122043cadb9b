"""Patients like you: what the clinic's earlier patients like this one experienced.

Descriptive only, never a predicted score for the new patient: shares reaching the minimal
important improvement and the PASS with Wilson intervals, the spread of change as centiles,
the share replaced by Kaplan-Meier and the adverse event rate, each with the numbers behind
it, from the joints `analytics.matching` finds (docs/statistics.md#patients-like-you).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from orthoregen.analytics.intervals import Interval, poisson_exact_bounds, wilson_interval
from orthoregen.analytics.matching import MatchStep, Profile, TreatedJoint, match_cohort
from orthoregen.analytics.responders import (
    Better,
    Proportion,
    Thresholds,
    is_acceptable,
    is_improved,
    proportion,
)
from orthoregen.analytics.survival import kaplan_meier, survival_at
from orthoregen.analytics.thin import MIN_N_TO_CONCLUDE
from orthoregen.instruments import Threshold, ThresholdKind, get_instrument
from orthoregen.vocabulary import Joint
from orthoregen.words import gettext_noop

# Why 10: at n = 10 a 95 % Wilson interval around 5/10 already runs from 24 % to 76 %, and the
# 10th and 90th centiles of fewer values are little more than the extremes. Below it a share
# says nothing a clinician could use. A display policy, like thin.MIN_N_TO_CONCLUDE.
FLOOR_N = 10

# What the page must say beside every number shown here (docs/evidence.md#placebo-response).
# A sibling of evidence.comparison.REGISTRY_CAVEAT rather than that sentence: its saline
# figure is for knee pain and would be wrong beside a hip or a shoulder, and the analytics
# core does not import the evidence package, which is built on it.
# Shown on the consultation page: marked for the catalogue (orthoregen.words), translated
# by the web where it shows it (web/registry/panels.py).
PATIENTS_LIKE_YOU_CAVEAT = gettext_noop(
    "These are the outcomes of the clinic's earlier patients like this one, not a prediction "
    "for this patient. Registry outcomes are uncontrolled: they include the placebo "
    "(contextual) response and regression to the mean, so they are not the effect of the "
    "injection."
)

REPLACEMENT_MONTHS = (12, 24)
CHANGE_CENTILES = (0.0, 0.10, 0.25, 0.50, 0.75, 0.90, 1.0)
QUANTILE_METHOD = "linear interpolation, type 7 of Hyndman & Fan 1996 (R and numpy default)"
KM_INTERVAL = "1 - Kaplan-Meier, Greenwood variance, log transform (analytics.survival)"
NO_EVENT_INTERVAL = "Wilson, over the joints still followed then (Kaplan-Meier gives 0 to 0)"
ALL_EVENT_INTERVAL = "Wilson, over the joints still followed then (Kaplan-Meier is undefined)"
DECIMALS_KEPT = 9
IMPROVEMENT_KINDS = (ThresholdKind.MCII, ThresholdKind.MCID, ThresholdKind.MIC)


@dataclass(frozen=True)
class ChangeCentiles:
    """The spread of change from baseline, for a simple plot; deliberately no mean.

    On the measure's own scale and sign: `better` says which direction is improvement.
    """

    minimum: float
    p10: float
    p25: float
    median: float
    p75: float
    p90: float
    maximum: float
    better: Better
    method: str = QUANTILE_METHOD


@dataclass(frozen=True)
class TimepointOutcome:
    """What the matched joints showed at one follow-up visit.

    `n_lost` (window closed, no score) and `n_not_yet_due` (window still open) are stated
    apart from `n_with_data`. When `too_thin` (fewer than the floor with data) the shares and
    centiles are withheld (None), so the page says so instead of showing them. A share is
    also None when the measure has no such threshold.
    """

    months: int
    n_with_data: int
    n_lost: int
    n_not_yet_due: int
    too_thin: bool
    improvement: Proportion | None
    acceptable: Proportion | None
    change: ChangeCentiles | None


@dataclass(frozen=True)
class ReplacementShare:
    """The share of matched joints replaced by `months`, with its interval.

    `n_at_risk` joints were followed at least `months` (R's n.risk); `n_replaced` were
    replaced by then. Withheld (None) when `n_at_risk` is below the floor, which includes a
    time nobody was followed to: a curve is never carried past its data.
    """

    months: int
    n_at_risk: int
    n_replaced: int
    too_thin: bool
    share: float | None
    interval: Interval | None
    interval_method: str | None


@dataclass(frozen=True)
class AdverseEventRate:
    """Adverse events per 100 injections with the exact Poisson (Garwood 1936) interval.

    Never withheld: each matched joint had at least one injection, so a result that passed
    the floor has at least that many injections, and the upper limit of a rare count is
    itself the useful answer.
    """

    events: int
    injections: int
    per_100_injections: float
    interval: Interval


@dataclass(frozen=True)
class PatientsLikeYou:
    """What the clinic's earlier patients like this one experienced; not a prediction."""

    profile: Profile
    n: int
    reached_target: bool
    steps: tuple[MatchStep, ...]
    thresholds: Thresholds
    month_6: TimepointOutcome
    month_12: TimepointOutcome
    replacement: tuple[ReplacementShare, ...]
    adverse_events: AdverseEventRate
    caveat: str = PATIENTS_LIKE_YOU_CAVEAT


@dataclass(frozen=True)
class TooFewToSay:
    """Fewer earlier joints like this one than the floor, even after every widening."""

    profile: Profile
    n: int
    floor: int
    steps: tuple[MatchStep, ...]

    @property
    def message(self) -> str:
        """Return the sentence the page shows instead of any number."""
        return (
            f"Too few earlier patients like this one to say anything: {self.n} matched "
            f"after widening, fewer than {self.floor}."
        )


def describe_patients_like(
    profile: Profile,
    cohort: Iterable[TreatedJoint],
    thresholds: Thresholds,
    *,
    target_n: int = MIN_N_TO_CONCLUDE,
    floor: int = FLOOR_N,
    level: float = 0.95,
) -> PatientsLikeYou | TooFewToSay:
    """Describe what the clinic's earlier joints like this one experienced, or say too few.

    `cohort` holds earlier treated joints on one measure, `thresholds` that measure's minimal
    important improvement and PASS (see `thresholds_for`). Matching: `match_cohort`. Shares
    use Wilson intervals (Newcombe 1998, method 3), replacement Kaplan-Meier (analytics.survival),
    adverse events the exact Poisson interval (Garwood 1936).
    """
    if not 1 <= floor <= target_n:
        raise ValueError(f"need 1 <= floor ({floor}) <= target_n ({target_n})")
    match = match_cohort(profile, cohort, target_n=target_n)
    if match.n < floor:
        return TooFewToSay(profile, match.n, floor, match.steps)
    joints = match.joints
    durations = [j.months_to_replacement_or_censoring for j in joints]
    replaced = [j.replaced for j in joints]
    return PatientsLikeYou(
        profile=profile,
        n=match.n,
        reached_target=match.n >= target_n,
        steps=match.steps,
        thresholds=thresholds,
        month_6=outcome_at(joints, 6, thresholds, floor=floor, level=level),
        month_12=outcome_at(joints, 12, thresholds, floor=floor, level=level),
        replacement=tuple(
            replacement_share(durations, replaced, months, floor=floor, level=level)
            for months in REPLACEMENT_MONTHS
        ),
        adverse_events=adverse_event_rate(
            sum(j.adverse_events for j in joints), sum(j.injections for j in joints), level=level
        ),
    )


def outcome_at(
    joints: Sequence[TreatedJoint],
    months: int,
    thresholds: Thresholds,
    *,
    floor: int = FLOOR_N,
    level: float = 0.95,
) -> TimepointOutcome:
    """Return the shares reaching the improvement threshold and PASS, and the change's spread.

    Improvement: change re-signed so that positive is better, reaching the threshold
    inclusively; PASS: the follow-up score (baseline + change) at or past the cut-off. Both
    over the joints with a change at this visit (analytics.responders, docs/statistics.md).
    """
    visits = [j.follow_up(months) for j in joints]
    scored = [
        (j.baseline, v.change) for j, v in zip(joints, visits, strict=True) if v.change is not None
    ]
    n_lost = sum(v.is_lost for v in visits)
    n_not_yet_due = len(visits) - len(scored) - n_lost
    too_thin = len(scored) < floor
    if too_thin:
        return TimepointOutcome(months, len(scored), n_lost, n_not_yet_due, True, None, None, None)
    # Round away float dust before the inclusive comparisons: 52.2 - 19.9 gives
    # 32.300000000000004, which would put a score exactly at the PASS outside it. No
    # instrument reports more than a few decimals.
    change = np.round(np.array([c for _, c in scored], dtype=float), DECIMALS_KEPT)
    follow_up = np.round(np.array([b for b, _ in scored], dtype=float) + change, DECIMALS_KEPT)
    improvement = acceptable = None
    if thresholds.improvement is not None:
        hits = int(is_improved(change, thresholds).sum())
        improvement = proportion(hits, change.size, level=level, min_n=floor)
    if thresholds.acceptable is not None:
        hits = int(is_acceptable(follow_up, thresholds).sum())
        acceptable = proportion(hits, change.size, level=level, min_n=floor)
    spread = centiles(change, thresholds.better)
    return TimepointOutcome(
        months, change.size, n_lost, n_not_yet_due, False, improvement, acceptable, spread
    )


def centiles(change: Sequence[float] | np.ndarray, better: Better) -> ChangeCentiles:
    """Return the minimum, 10th, 25th, 50th, 75th, 90th centiles and maximum of the change.

    Type 7 of Hyndman RJ, Fan Y, Am Stat 1996;50:361-5, doi:10.1080/00031305.1996.10473566:
    x[h] interpolated at h = (n - 1)p, the default of R's `quantile` and of numpy.
    """
    low, p10, p25, median, p75, p90, high = (
        float(q) for q in np.quantile(np.asarray(change, dtype=float), CHANGE_CENTILES)
    )
    return ChangeCentiles(low, p10, p25, median, p75, p90, high, better=better)


def replacement_share(
    months_to_replacement_or_censoring: Sequence[float],
    replaced: Sequence[bool],
    months: int,
    *,
    floor: int = FLOOR_N,
    level: float = 0.95,
) -> ReplacementShare:
    """Return the share replaced by `months` as 1 - Kaplan-Meier, with its interval.

    Kaplan EL, Meier P, J Am Stat Assoc 1958;53:457-81; Greenwood variance, log transform, as
    R survival (analytics.survival). Where that interval collapses (no replacement yet: 0 to
    0) or is undefined (every joint followed to then was replaced), the Wilson interval over
    the joints still followed at `months` is shown instead: those censored earlier add
    nothing, so it is the wider, conservative choice.
    """
    durations = np.asarray(months_to_replacement_or_censoring, dtype=float)
    events = np.asarray(replaced, dtype=bool)
    n_at_risk = int(np.sum(durations >= months))
    n_replaced = int(np.sum(events & (durations <= months)))
    if n_at_risk < floor:
        return ReplacementShare(months, n_at_risk, n_replaced, True, None, None, None)
    if n_replaced == 0:
        ci = wilson_interval(0, n_at_risk, level=level)
        return ReplacementShare(months, n_at_risk, 0, False, 0.0, ci, NO_EVENT_INTERVAL)
    row = survival_at(kaplan_meier(durations, events, level=level), [months]).iloc[0]
    survival = float(row["survival"])
    if survival <= 0:
        ci = wilson_interval(n_at_risk, n_at_risk, level=level)
        return ReplacementShare(months, n_at_risk, n_replaced, False, 1.0, ci, ALL_EVENT_INTERVAL)
    interval = Interval(1 - float(row["ci_high"]), 1 - float(row["ci_low"]), level)
    return ReplacementShare(
        months, n_at_risk, n_replaced, False, 1 - survival, interval, KM_INTERVAL
    )


def adverse_event_rate(events: int, injections: int, *, level: float = 0.95) -> AdverseEventRate:
    """Return adverse events per 100 injections with the exact Poisson interval.

    Garwood F, Biometrika 1936;28:437-42, via the chi-square identity (analytics.intervals),
    the limits of R's `poisson.test`; an injection with two events counts twice.
    """
    if injections < 1 or events < 0:
        raise ValueError("the rate needs at least one injection and no negative events")
    low, high = poisson_exact_bounds(np.array([events]), level=level)
    per_100 = 100 / injections
    return AdverseEventRate(
        events,
        injections,
        events * per_100,
        Interval(float(low[0]) * per_100, float(high[0]) * per_100, level),
    )


def chosen_thresholds(
    instrument_id: str, subscale_id: str, joint: Joint | None
) -> tuple[Threshold | None, Threshold | None]:
    """Return the improvement and PASS thresholds that apply to a measure for a joint.

    The first of MCII, MCID and MIC (in that order, then as the definition lists them) and the
    first PASS, in the subscale's own units (not %), for this joint or for any joint: one
    choice for the registry dashboard and "patients like you" alike. None where the
    definition has no such value.
    """
    instrument = get_instrument(instrument_id)

    def first(kinds: Sequence[ThresholdKind]) -> Threshold | None:
        for kind in kinds:
            for t in instrument.thresholds:
                fits = t.subscale == subscale_id and t.unit != "%" and t.joint in (joint, None)
                if t.kind is kind and fits:
                    return t
        return None

    return first(IMPROVEMENT_KINDS), first((ThresholdKind.PASS,))


def thresholds_for(instrument_id: str, subscale_id: str, joint: Joint) -> Thresholds:
    """Return a measure's improvement and PASS values for a joint (chosen_thresholds)."""
    higher_is_better = get_instrument(instrument_id).subscale(subscale_id).higher_is_better
    improvement, acceptable = chosen_thresholds(instrument_id, subscale_id, joint)
    return Thresholds.for_subscale(
        higher_is_better=higher_is_better,
        improvement=improvement.value if improvement else None,
        acceptable=acceptable.value if acceptable else None,
    )
