"""Put a clinic's outcome beside the published evidence, with the caveat that must go with it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from orthoregen.evidence.library import Arm, Study
from orthoregen.evidence.pooling import NotEnoughStudies, Outcome, Pooled, pool_arm
from orthoregen.evidence.published import PublishedPool, rescaled

# A clinic's measure (instrument, subscale) → the evidence library's name for the same
# measure on the same scale, so a clinic's change is only ever set beside a trial's on one scale.
EVIDENCE_NAMES = {
    ("vas_pain", "pain"): ("VAS pain", "total", "0-100 mm"),
    ("nrs_pain", "pain"): ("NRS pain", "total", "0-10"),
    ("womac_lk31", "pain"): ("WOMAC", "pain", "0-20"),
}

# docs/evidence.md#placebo-response: a clinic's pre-post improvement is not an effect of MSC.
# The dashboard shows this sentence wherever clinic numbers stand beside trial numbers.
REGISTRY_CAVEAT = (
    "Registry results are uncontrolled: the change from baseline includes the placebo "
    "(contextual) response and regression to the mean, so it is not the effect of the "
    "injection. In trials, saline injections alone improve knee pain by about 12-22 mm on a "
    "100 mm scale at 3-6 months."
)


@dataclass(frozen=True)
class EvidenceComparison:
    """Pooled MSC arms, pooled placebo arms and published placebo responses for one outcome."""

    outcome: Outcome
    msc: Pooled | NotEnoughStudies
    placebo: Pooled | NotEnoughStudies
    published_placebo_changes: tuple[PublishedPool, ...]
    caveat: str = REGISTRY_CAVEAT


def compare_with_evidence(
    studies: Iterable[Study], pools: Iterable[PublishedPool], outcome: Outcome
) -> EvidenceComparison:
    """Return what the evidence says about an outcome, arms pooled separately (see pooling)."""
    studies = tuple(studies)
    return EvidenceComparison(
        outcome=outcome,
        msc=pool_arm(studies, Arm.MSC, outcome),
        placebo=pool_arm(studies, Arm.PLACEBO, outcome),
        published_placebo_changes=published_placebo_changes(pools, outcome),
    )


def published_placebo_changes(
    pools: Iterable[PublishedPool], outcome: Outcome
) -> tuple[PublishedPool, ...]:
    """Return the published saline-arm changes for the outcome's joint and measure.

    A change published on an equivalent scale (a 0-100 mm VAS for a 0-10 NRS) is converted
    and marked `rescaled_from`, so a clinic that records NRS still sees the saline response.
    """
    found = []
    for p in pools:
        if p.comparison != "placebo arm change" or outcome.joint not in p.joints:
            continue
        if (p.instrument, p.subscale) == (outcome.instrument, outcome.subscale):
            if outcome.scale in (None, p.scale):
                found.append(p)
        elif converted := rescaled(p, instrument=outcome.instrument, subscale=outcome.subscale):
            if outcome.scale in (None, converted.scale):
                found.append(converted)
    return tuple(found)
