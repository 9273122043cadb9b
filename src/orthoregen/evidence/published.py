"""Pooled results as published by meta-analyses (evidence.md sections 3 and 7).

These are shown beside a clinic's numbers, never re-pooled with each other: the reviews share
trials, so pooling them would count the same patients twice. `comparison` keeps
placebo-controlled, active-controlled and mixed-control pools apart, as the note requires,
and "placebo arm change" rows give the expected saline response (VAS −12 to −22 mm).
Signs are as each paper published them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
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


def load_published_pools() -> tuple[PublishedPool, ...]:
    """Return the published pooled results of evidence.md sections 3 and 7, in the note's order."""
    text = resources.files("orthoregen.evidence").joinpath("library.json").read_text("utf-8")
    rows = json.loads(text)["published_pools"]
    return tuple(PublishedPool(**{**r, "joints": tuple(r["joints"])}) for r in rows)


def placebo_arm_changes(
    pools: tuple[PublishedPool, ...], *, instrument: str
) -> tuple[PublishedPool, ...]:
    """Return the published saline/placebo-arm changes for an instrument (section 7 use)."""
    return tuple(
        p for p in pools if p.comparison == "placebo arm change" and p.instrument == instrument
    )
