"""Allogeneic donor eligibility determination as a state machine.

Source: shared/cell_products.md 2.5 (`CFG`, proposed by this project from 21 CFR 1271.50
and Directive 2006/17/EC): PENDING_SCREENING -> PENDING_TESTS -> ELIGIBLE | INELIGIBLE |
ELIGIBLE_PENDING_RISK_ASSESSMENT; new donor information re-opens the determination and starts
a look-back over every descendant unit (3.8).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum


class DonorEligibility(StrEnum):
    PENDING_SCREENING = "pending_screening"
    PENDING_TESTS = "pending_tests"
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    ELIGIBLE_PENDING_RISK_ASSESSMENT = "eligible_pending_risk_assessment"


DETERMINED = frozenset(
    {
        DonorEligibility.ELIGIBLE,
        DonorEligibility.INELIGIBLE,
        DonorEligibility.ELIGIBLE_PENDING_RISK_ASSESSMENT,
    }
)


class DonorDeterminationRefused(ValueError):
    """A donor eligibility step that the state machine does not allow."""


@dataclass(frozen=True, kw_only=True)
class CompleteScreening:
    """Screening questionnaire and record review found no exclusion (21 CFR 1271.75)."""

    determined_by: str


@dataclass(frozen=True, kw_only=True)
class ExcludeOnScreening:
    """Screening found an exclusion, e.g. CJD risk (2006/17/EC Annex I); no tests needed."""

    determined_by: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class Determine:
    """The responsible person's determination once the test panel is complete (1271.50)."""

    outcome: DonorEligibility
    determined_by: str
    reason: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "outcome", DonorEligibility(self.outcome))


@dataclass(frozen=True, kw_only=True)
class CompleteRiskAssessment:
    """Result of the risk assessment, e.g. anti-HBc+/HBsAg- (2006/17/EC Annex II 1.3)."""

    outcome: DonorEligibility
    determined_by: str
    reason: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "outcome", DonorEligibility(self.outcome))


@dataclass(frozen=True, kw_only=True)
class Reopen:
    """New information (late result, seroconversion, disclosure) re-opens the determination."""

    reason: str


DonorEvent = CompleteScreening | ExcludeOnScreening | Determine | CompleteRiskAssessment | Reopen


@dataclass(frozen=True)
class DonorDetermination:
    status: DonorEligibility
    lookback_required: bool = False


def determine_donor(status: DonorEligibility, event: DonorEvent) -> DonorDetermination:
    """Apply one eligibility step, refusing steps out of order (cell_products.md 2.5)."""
    match event:
        case CompleteScreening():
            _require(status, {DonorEligibility.PENDING_SCREENING}, "complete screening")
            return DonorDetermination(DonorEligibility.PENDING_TESTS)
        case ExcludeOnScreening():
            _require(status, {DonorEligibility.PENDING_SCREENING}, "exclude on screening")
            _require_text(event.reason, "an exclusion on screening needs a reason")
            return DonorDetermination(DonorEligibility.INELIGIBLE)
        case Determine():
            _require(status, {DonorEligibility.PENDING_TESTS}, "record a determination")
            if event.outcome not in DETERMINED:
                raise DonorDeterminationRefused(
                    f"{event.outcome} is not a determination outcome; "
                    f"expected one of {', '.join(sorted(DETERMINED))}"
                )
            if event.outcome is not DonorEligibility.ELIGIBLE:
                _require_text(event.reason, f"a determination of {event.outcome} needs a reason")
            return DonorDetermination(event.outcome)
        case CompleteRiskAssessment():
            pending = {DonorEligibility.ELIGIBLE_PENDING_RISK_ASSESSMENT}
            _require(status, pending, "complete a risk assessment")
            allowed = {DonorEligibility.ELIGIBLE, DonorEligibility.INELIGIBLE}
            if event.outcome not in allowed:
                raise DonorDeterminationRefused(
                    f"a risk assessment ends eligible or ineligible, not {event.outcome}"
                )
            _require_text(event.reason, "a risk assessment needs its rationale")
            return DonorDetermination(event.outcome)
        case Reopen():
            _require(status, DETERMINED, "re-open the determination")
            _require_text(event.reason, "re-opening a determination needs the new information")
            # Units may already have gone into patients: every descendant must be looked back.
            return DonorDetermination(
                DonorEligibility.PENDING_TESTS,
                lookback_required=status is not DonorEligibility.INELIGIBLE,
            )
    raise TypeError(f"not a donor eligibility event: {event!r}")


def _require(status: DonorEligibility, allowed: Collection[DonorEligibility], action: str) -> None:
    if status not in allowed:
        raise DonorDeterminationRefused(
            f"cannot {action}: donor is {status}; allowed only when {' or '.join(sorted(allowed))}"
        )


def _require_text(text: str, message: str) -> None:
    if not text.strip():
        raise DonorDeterminationRefused(message)
