"""Pool published arms (MSC arms, placebo arms) that report the same outcome and time point.

Method: random-effects, REML tau² with the Hartung-Knapp interval (t, k−1 df), via
`orthoregen.analytics.meta`. Hartung-Knapp because k is small here and the Wald interval
is then too narrow (IntHout J et al., BMC Med Res Methodol 2014;14:25). Each result's
standard error is recovered from its 95 % CI as (high − low)/3.92 (Cochrane Handbook 6.3.1),
so only results with an interval can be pooled; ratio measures are pooled on the log scale.
With fewer than MIN_STUDIES_TO_POOL studies the answer is "not enough studies".
MSC and placebo arms are always pooled separately: mixing them, or mixing placebo- and
active-controlled trials, inflates apparent effects (docs/evidence.md#published-pooled-results).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast

from orthoregen.analytics.effect_sizes import se_from_interval
from orthoregen.analytics.meta import MetaAnalysis, Tau2Method, random_effects
from orthoregen.analytics.thin import MIN_STUDIES_TO_POOL
from orthoregen.evidence.library import Arm, ArmResult, Study

RATIO_MEASURES = frozenset({"risk ratio", "odds ratio"})


@dataclass(frozen=True)
class Outcome:
    """What to pool: joint, instrument, subscale, measure and time point (months)."""

    joint: str
    instrument: str
    subscale: str
    measure: str
    timepoint_months: float
    # The scale the clinic's numbers are on ("0-10"); None accepts any published scale.
    scale: str | None = None


@dataclass(frozen=True)
class Pooled:
    """A pooled estimate with its interval, on the outcome's own scale."""

    arm: Arm
    outcome: Outcome
    k: int
    estimate: float
    ci_low: float
    ci_high: float
    study_ids: tuple[str, ...]
    meta: MetaAnalysis


@dataclass(frozen=True)
class NotEnoughStudies:
    """Fewer studies than the minimum report this outcome with an interval."""

    arm: Arm
    outcome: Outcome
    k: int
    minimum: int
    study_ids: tuple[str, ...]


def matching_results(
    studies: Iterable[Study], arm: Arm, outcome: Outcome
) -> list[tuple[Study, ArmResult]]:
    """Return the (study, result) pairs of one arm that report the outcome with an interval."""
    found = []
    for study in studies:
        if outcome.joint not in study.joints:
            continue
        for r in study.results:
            if (
                r.arm is arm
                and r.instrument == outcome.instrument
                and r.subscale == outcome.subscale
                and r.measure == outcome.measure
                and r.timepoint_months == outcome.timepoint_months
                and outcome.scale in (None, r.scale)
                and r.has_interval
            ):
                found.append((study, r))
    return found


def pool_arm(
    studies: Iterable[Study],
    arm: Arm,
    outcome: Outcome,
    *,
    minimum: int = MIN_STUDIES_TO_POOL,
    method: Tau2Method = Tau2Method.REML,
) -> Pooled | NotEnoughStudies:
    """Pool one arm's results for an outcome (method in the module docstring)."""
    found = matching_results(studies, arm, outcome)
    ids = tuple(s.id for s, _ in found)
    if len(found) < minimum:
        return NotEnoughStudies(arm, outcome, len(found), minimum, ids)
    ratio = outcome.measure in RATIO_MEASURES
    scale = math.log if ratio else float
    back = math.exp if ratio else float
    effects = [scale(r.estimate) for _, r in found]
    # matching_results keeps only results with an interval, so neither bound is None.
    variances = [
        se_from_interval(scale(cast(float, r.ci_low)), scale(cast(float, r.ci_high))) ** 2
        for _, r in found
    ]
    meta = random_effects(effects, variances, method=method, hartung_knapp=True)
    return Pooled(
        arm,
        outcome,
        len(found),
        back(meta.estimate),
        back(meta.ci_low),
        back(meta.ci_high),
        ids,
        meta,
    )


def pool_msc_and_placebo(
    studies: Iterable[Study], outcome: Outcome, *, minimum: int = MIN_STUDIES_TO_POOL
) -> dict[Arm, Pooled | NotEnoughStudies]:
    """Pool MSC arms and placebo arms separately, for the side-by-side comparison."""
    studies = tuple(studies)
    return {arm: pool_arm(studies, arm, outcome, minimum=minimum) for arm in (Arm.MSC, Arm.PLACEBO)}


def pool_every_outcome(
    studies: Iterable[Study], *, minimum: int = MIN_STUDIES_TO_POOL
) -> list[Pooled | NotEnoughStudies]:
    """Pool each (joint, outcome, arm) that at least one study reports for an MSC or placebo arm.

    Outcomes are told apart by joint, instrument, subscale, scale, measure and time point, so
    nothing on another scale is ever pooled together. Sorted by joint, instrument and time.
    """
    studies = tuple(studies)
    seen: set[tuple[Arm, Outcome]] = set()
    for study in studies:
        for joint in study.joints:
            for r in study.results:
                if r.arm in (Arm.MSC, Arm.PLACEBO) and r.timepoint_months is not None:
                    seen.add((r.arm, Outcome(joint, r.instrument, r.subscale, r.measure,
                                             r.timepoint_months, scale=r.scale)))
    order = sorted(seen, key=lambda pair: (pair[1].joint, pair[1].instrument, pair[1].subscale,
                                           pair[1].measure, pair[1].timepoint_months,
                                           pair[0].value))
    return [pool_arm(studies, arm, outcome, minimum=minimum) for arm, outcome in order]
