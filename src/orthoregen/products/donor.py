"""Allogeneic donor eligibility determination as a state machine.

The states are this project's reading of 21 CFR 1271.50 (determination by a responsible
person on screening and testing) and Directive 2006/17/EC (docs/donor-eligibility.md):
PENDING_SCREENING -> PENDING_TESTS -> ELIGIBLE | INELIGIBLE | ELIGIBLE_PENDING_RISK_ASSESSMENT;
new donor information re-opens the determination and starts a look-back over every descendant
unit (21 CFR 1271.290(a); Directive 2004/23/EC Art 11(5)).

Eligibility is computed, not chosen: a determination that leads to ELIGIBLE carries the donation
and its recorded test results, and is refused unless `donor_testing.assess_eligibility` finds
them clean. The one way to use an ineligible donor's cells is the separate, signed urgent
medical need step (21 CFR 1271.65(b)), which leaves the donor ineligible.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from orthoregen.products.donor_testing import (
    Donation,
    EligibilityFinding,
    RecordedResult,
    assess_eligibility,
)


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


# The outcomes that lead to an eligible donor, and so need a clean finding.
TOWARDS_ELIGIBLE = frozenset(
    {DonorEligibility.ELIGIBLE, DonorEligibility.ELIGIBLE_PENDING_RISK_ASSESSMENT}
)


class DonorDeterminationRefused(ValueError):
    """A donor eligibility step that the state machine or the test results do not allow."""


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
class DecisionOnTests:
    """An outcome decided on the donor's tests: who decided, and what it rests on.

    An outcome towards eligible needs `donation` and every recorded `results` of the donor:
    the finding is computed from them here, never taken from the caller.
    """

    outcome: DonorEligibility
    determined_by: str
    donation: Donation | None = None
    results: tuple[RecordedResult, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "outcome", DonorEligibility(self.outcome))
        object.__setattr__(self, "results", tuple(self.results))


@dataclass(frozen=True, kw_only=True)
class Determine(DecisionOnTests):
    """The responsible person's determination once the test panel is complete (1271.50)."""

    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class CompleteRiskAssessment(DecisionOnTests):
    """Result of a risk assessment of screening findings (2006/17/EC Annex I).

    Ending it eligible needs the same clean test finding as `Determine`: a risk assessment
    may clear a screening concern, never a reactive or missing test. Anti-HBc reactive with
    HBsAg non-reactive is therefore ineligible (FDA), not risk-assessed (2006/17/EC Annex II 1.3).
    """

    reason: str


@dataclass(frozen=True, kw_only=True)
class Reopen:
    """New information (late result, seroconversion, disclosure) re-opens the determination."""

    reason: str


@dataclass(frozen=True, kw_only=True)
class AuthoriseUrgentMedicalNeed:
    """A physician's documented urgent medical need for an ineligible donor's cells (1271.65(b)).

    1271.65(b)(1)(iii): no comparable HCT/P is available and the recipient is likely to suffer
    death or serious morbidity without it. Elective injection for osteoarthritis is never such
    a need. The donor stays ineligible; units go out with the 1271.65(b)(2) labels.
    """

    physician: str
    reason: str
    signed_by: str


DonorEvent = (
    CompleteScreening
    | ExcludeOnScreening
    | Determine
    | CompleteRiskAssessment
    | Reopen
    | AuthoriseUrgentMedicalNeed
)


@dataclass(frozen=True)
class UrgentMedicalNeed:
    physician: str
    reason: str
    signed_by: str


@dataclass(frozen=True)
class DonorDetermination:
    status: DonorEligibility
    lookback_required: bool = False
    # The finding a determination was checked against, for the audit record.
    finding: EligibilityFinding | None = None
    urgent_medical_need: UrgentMedicalNeed | None = None


def determine_donor(status: DonorEligibility, event: DonorEvent) -> DonorDetermination:
    """Apply one eligibility step, refusing steps out of order or unsupported by the tests."""
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
            finding = _finding(event.donation, event.results)
            if event.outcome in TOWARDS_ELIGIBLE:
                _require_clean(finding, event.outcome)
            return DonorDetermination(event.outcome, finding=finding)
        case CompleteRiskAssessment():
            pending = {DonorEligibility.ELIGIBLE_PENDING_RISK_ASSESSMENT}
            _require(status, pending, "complete a risk assessment")
            allowed = {DonorEligibility.ELIGIBLE, DonorEligibility.INELIGIBLE}
            if event.outcome not in allowed:
                raise DonorDeterminationRefused(
                    f"a risk assessment ends eligible or ineligible, not {event.outcome}"
                )
            _require_text(event.reason, "a risk assessment needs its rationale")
            finding = _finding(event.donation, event.results)
            if event.outcome is DonorEligibility.ELIGIBLE:
                _require_clean(finding, event.outcome)
            return DonorDetermination(event.outcome, finding=finding)
        case Reopen():
            _require(status, DETERMINED, "re-open the determination")
            _require_text(event.reason, "re-opening a determination needs the new information")
            # Units may already have gone into patients: every descendant must be looked back.
            return DonorDetermination(
                DonorEligibility.PENDING_TESTS,
                lookback_required=status is not DonorEligibility.INELIGIBLE,
            )
        case AuthoriseUrgentMedicalNeed():
            _require(status, {DonorEligibility.INELIGIBLE}, "authorise use for urgent medical need")
            _require_text(event.physician, "urgent medical need must name the physician")
            _require_text(event.reason, "urgent medical need needs the physician's reason")
            _require_text(event.signed_by, "urgent medical need must be signed")
            need = UrgentMedicalNeed(event.physician, event.reason, event.signed_by)
            return DonorDetermination(DonorEligibility.INELIGIBLE, urgent_medical_need=need)
    raise TypeError(f"not a donor eligibility event: {event!r}")


def _require(status: DonorEligibility, allowed: Collection[DonorEligibility], action: str) -> None:
    if status not in allowed:
        raise DonorDeterminationRefused(
            f"cannot {action}: donor is {status}; allowed only when {' or '.join(sorted(allowed))}"
        )


def _require_text(text: str, message: str) -> None:
    if not text.strip():
        raise DonorDeterminationRefused(message)


def _finding(
    donation: Donation | None, results: tuple[RecordedResult, ...]
) -> EligibilityFinding | None:
    return None if donation is None else assess_eligibility(donation, results)


def _require_clean(finding: EligibilityFinding | None, outcome: DonorEligibility) -> None:
    if finding is None:
        raise DonorDeterminationRefused(
            f"cannot determine the donor {outcome}: give the donation and its recorded test "
            "results, so eligibility is computed from them (21 CFR 1271.50, 1271.85)"
        )
    if not finding.is_eligible:
        found = finding.outcome.value.replace("_", " ")
        reasons = "; ".join(reason.message for reason in finding.reasons)
        raise DonorDeterminationRefused(
            f"cannot determine the donor {outcome}: the test finding is {found}"
            + (f": {reasons}" if reasons else "")
        )
