"""Pooled results as published by meta-analyses (docs/evidence.md#published-pooled-results).

These are shown beside a clinic's numbers, never re-pooled with each other: the reviews share
trials, so pooling them would count the same patients twice. `comparison` keeps
placebo-controlled, active-controlled and mixed-control pools apart (mixing them inflates the
apparent effect), and "placebo arm change" rows give the expected saline response (VAS −12 to
−22 mm).
Signs are as each paper published them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from importlib import resources


@dataclass(frozen=True)
class PublishedPool:
    """One pooled estimate from one published review."""

    id: str
    citation: str
    section: str
    joints: tuple[str, ...]
    comparison: str
    instrument: str
    subscale: str
    scale: str
    measure: str
    timepoint_text: str
    timepoint_months: float | None
    estimate: float
    ci_low: float | None
    ci_high: float | None
    scope: str
    verification: str
    note: str = ""
    # Set when the estimate was converted from the scale the review published (see rescaled).
    rescaled_from: str = ""


def load_published_pools() -> tuple[PublishedPool, ...]:
    """Return the published pooled results of the library, in the seed's order."""
    text = resources.files("orthoregen.evidence").joinpath("library.json").read_text("utf-8")
    rows = json.loads(text)["published_pools"]
    return tuple(PublishedPool(**{**r, "joints": tuple(r["joints"])}) for r in rows)


def placebo_arm_changes(
    pools: tuple[PublishedPool, ...], *, instrument: str
) -> tuple[PublishedPool, ...]:
    """Return the published saline/placebo-arm changes for an instrument.

    See docs/evidence.md#placebo-response.
    """
    return tuple(
        p for p in pools if p.comparison == "placebo arm change" and p.instrument == instrument
    )


# Scales that reviews and registries treat as one after a linear change of units. A 0-100 mm
# VAS and a 0-10 NRS of pain are interchanged this way in OA meta-analyses (mm / 10). A
# systematic review found NRS and VAS scores corresponded, with a few exceptions of
# systematically higher VAS scores (Hjermstad MJ et al., J Pain Symptom Manage 2011 Jun;
# 41(6):1073-93; abstract seen), so every converted value says it was converted. Keyed by
# (instrument, subscale, scale) as published -> (instrument, subscale, scale, factor).
EQUIVALENT_SCALES = {
    ("VAS pain", "total", "0-100 mm"): ("NRS pain", "total", "0-10", 0.1),
    ("NRS pain", "total", "0-10"): ("VAS pain", "total", "0-100 mm", 10.0),
}


def rescaled(pool: PublishedPool, *, instrument: str, subscale: str) -> PublishedPool | None:
    """Return the pool on an equivalent scale of (instrument, subscale), or None if none is.

    Only the units change: estimate and interval are multiplied by the stated factor, and
    `rescaled_from` names the published scale so that the label can say so.
    """
    target = EQUIVALENT_SCALES.get((pool.instrument, pool.subscale, pool.scale))
    if target is None or target[:2] != (instrument, subscale):
        return None
    factor = target[3]

    def times(value: float | None) -> float | None:
        return None if value is None else round(value * factor, 10)

    return replace(pool, instrument=target[0], subscale=target[1], scale=target[2],
                   estimate=round(pool.estimate * factor, 10), ci_low=times(pool.ci_low),
                   ci_high=times(pool.ci_high),
                   rescaled_from=f"{pool.instrument} {pool.scale} × {factor:g}")
