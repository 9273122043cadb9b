"""Load the seed evidence library (docs/evidence.md#seed-library) as frozen values.

Text fields are kept as transcribed for the seed; `verification` keeps its tag exactly as
written (V, V-design, R, NL and qualified forms such as "V (citation) / R").
`result_verification` reduces it to the tag that applies to the *result*: only "V" results
may be shown as verified; every other row is shown as "unverified"
(docs/evidence.md#verification-tags). Structured `results` exist only where numbers were read
in the source; effects keep the paper's sign.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any


class Arm(enum.Enum):
    """Which arm of a study a result describes."""

    MSC = "msc"  # any cell-based arm: culture-expanded MSC or point-of-care concentrate
    PLACEBO = "placebo"
    COMPARATOR = "comparator"  # active or usual-care control
    BETWEEN_ARMS = "between arms"


@dataclass(frozen=True)
class ArmResult:
    """One numeric result of one arm (or a between-arm contrast) at one time point."""

    arm: Arm
    instrument: str
    subscale: str
    scale: str
    better: str
    measure: str
    timepoint_months: float | None
    estimate: float
    ci_low: float | None = None
    ci_high: float | None = None
    n: int | None = None
    note: str = ""

    @property
    def has_interval(self) -> bool:
        """Return True when the result carries a confidence interval (poolable)."""
        return self.ci_low is not None and self.ci_high is not None


@dataclass(frozen=True)
class Study:
    """One row of the evidence library."""

    id: str
    joints: tuple[str, ...]
    study: str
    design: str
    design_class: str
    blinding: str
    n_text: str
    n_randomised: int | None
    cell_source: str
    product_class: str
    dose: str
    comparator: str
    comparator_class: str
    outcome: str
    effect: str
    ci: str
    follow_up: str
    citation: str
    verification: str
    result_verification: str
    results: tuple[ArmResult, ...] = field(default=())
    joint_text: str = ""
    section: str = ""

    @property
    def is_verified(self) -> bool:
        """Return True when the result itself was seen in a source (tag V)."""
        return self.result_verification == "V"

    @property
    def is_randomised(self) -> bool:
        """Return True for randomised controlled trials."""
        return self.design_class == "RCT"


RESULT_TAGS = frozenset({"V", "V-design", "R", "NL"})


def study_from_dict(row: Mapping[str, Any]) -> Study:
    """Build a Study from a library row (also used for studies staff add).

    Refuses a row without a citation, or whose result tag is not one of the verification tags
    (V, V-design, R, NL; docs/evidence.md#verification-tags), so an unverified study can never
    pass as verified.
    """
    results = tuple(ArmResult(**{**r, "arm": Arm(r["arm"])}) for r in row.get("results", []))
    fields = {k: v for k, v in row.items() if k != "results"}
    fields["joints"] = tuple(row["joints"])
    study = Study(**fields, results=results)
    if not study.citation.strip():
        raise ValueError(f"study {study.id} has no citation")
    if study.result_verification not in RESULT_TAGS:
        raise ValueError(
            f"study {study.id}: result verification {study.result_verification!r} is not one of "
            f"{sorted(RESULT_TAGS)}"
        )
    return study


def load_library() -> tuple[Study, ...]:
    """Return the seed studies (docs/evidence.md#seed-library), in the seed's order."""
    text = resources.files("orthoregen.evidence").joinpath("library.json").read_text("utf-8")
    return tuple(study_from_dict(row) for row in json.loads(text)["studies"])
