"""Informed consent elements and the gate a procedure must pass before it may proceed.

The procedure stage refuses to proceed without a current consent and a suitable or
overridden decision (docs/candidacy.md#procedure-gate). ``procedure_may_proceed`` is that
check, pure and explainable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from orthoregen.pathways.engine import Assessment, Outcome, needs_override_reason


class ConsentElement(StrEnum):
    """Name an element the patient confirmed was discussed (docs/candidacy.md#informed-consent)."""

    UNPROVEN_AND_REGULATORY_STATUS = "unproven_and_regulatory_status"
    BENEFITS_AND_UNCERTAINTY = "benefits_and_uncertainty"
    RISKS = "risks"
    ALTERNATIVE_PHYSIOTHERAPY = "alternative_physiotherapy"
    ALTERNATIVE_WEIGHT_LOSS = "alternative_weight_loss"
    ALTERNATIVE_NSAIDS = "alternative_nsaids"
    ALTERNATIVE_CORTICOSTEROID = "alternative_corticosteroid"
    ALTERNATIVE_HYALURONIC_ACID = "alternative_hyaluronic_acid"
    ALTERNATIVE_PRP = "alternative_prp"
    ALTERNATIVE_ARTHROPLASTY = "alternative_arthroplasty"
    COSTS = "costs"
    REGISTRY_DATA_USE = "registry_data_use"
    RIGHT_TO_WITHDRAW = "right_to_withdraw"


@dataclass(frozen=True, kw_only=True)
class ConsentElementText:
    element: ConsentElement
    label: str
    source: str


_S = "docs/candidacy.md#informed-consent"
_FDA = "FDA consumer alert on regenerative medicine products (2020, updated 2021)"
_ACR = "Kolasinski SL et al., Arthritis Care Res 2020;72:149-62, doi:10.1002/acr.24131"
_ALTERNATIVES = f"21 CFR 50.25(a)(4); {_ACR}; {_S}"
CONSENT_ELEMENTS: tuple[ConsentElementText, ...] = (
    ConsentElementText(
        element=ConsentElement.UNPROVEN_AND_REGULATORY_STATUS,
        label=(
            "The treatment is investigational/unproven for osteoarthritis and is not "
            "approved for it by the FDA or EMA; its regulatory status here"
        ),
        source=f"{_FDA}; ISSCR Guidelines 2021, recommendation 3.1.1; {_S}",
    ),
    ConsentElementText(
        element=ConsentElement.BENEFITS_AND_UNCERTAINTY,
        label=(
            "Expected benefits and their uncertainty, including negative trials; "
            "no guarantee of benefit"
        ),
        source=(
            "21 CFR 50.25(a)(3); MILES, Nat Med 2023, doi:10.1038/s41591-023-02632-w; "
            f"ADIPOA2, Ann Rheum Dis 2025, doi:10.1016/j.ard.2025.07.026; {_S}"
        ),
    ),
    ConsentElementText(
        element=ConsentElement.RISKS,
        label="Risks of injection, harvest, donor cells and unknown long-term risks",
        source=f"21 CFR 50.25(a)(2); {_S}",
    ),
    ConsentElementText(
        element=ConsentElement.ALTERNATIVE_PHYSIOTHERAPY,
        label="Alternative: exercise and physiotherapy",
        source=_ALTERNATIVES,
    ),
    ConsentElementText(
        element=ConsentElement.ALTERNATIVE_WEIGHT_LOSS,
        label="Alternative: weight loss",
        source=_ALTERNATIVES,
    ),
    ConsentElementText(
        element=ConsentElement.ALTERNATIVE_NSAIDS,
        label="Alternative: topical or oral NSAIDs, paracetamol",
        source=_ALTERNATIVES,
    ),
    ConsentElementText(
        element=ConsentElement.ALTERNATIVE_CORTICOSTEROID,
        label="Alternative: intra-articular corticosteroid",
        source=_ALTERNATIVES,
    ),
    ConsentElementText(
        element=ConsentElement.ALTERNATIVE_HYALURONIC_ACID,
        label="Alternative: hyaluronic acid",
        source=_ALTERNATIVES,
    ),
    ConsentElementText(
        element=ConsentElement.ALTERNATIVE_PRP,
        label="Alternative: PRP (itself with mixed evidence)",
        source=_ALTERNATIVES,
    ),
    ConsentElementText(
        element=ConsentElement.ALTERNATIVE_ARTHROPLASTY,
        label="Alternative: joint replacement (arthroplasty)",
        source=_ALTERNATIVES,
    ),
    ConsentElementText(
        element=ConsentElement.COSTS,
        label="Costs: total price, what is included, refunds, no insurance cover",
        source=f"21 CFR 50.25(b)(3); {_S}",
    ),
    ConsentElementText(
        element=ConsentElement.REGISTRY_DATA_USE,
        label="Use of data for the outcomes registry and research; privacy",
        source=f"21 CFR 50.25(a)(5); {_S}",
    ),
    ConsentElementText(
        element=ConsentElement.RIGHT_TO_WITHDRAW,
        label="Participation is voluntary and consent can be withdrawn",
        source=f"21 CFR 50.25(a)(8); {_S}",
    ),
)


@dataclass(frozen=True)
class ConsentStatus:
    """Describe the patient's consent for this episode as the procedure stage sees it."""

    document_version: str
    consented_on: date
    elements_confirmed: frozenset[ConsentElement]
    withdrawn_on: date | None = None
    valid_until: date | None = None


@dataclass(frozen=True)
class DecisionStatus:
    """Describe the clinician's recorded candidacy decision.

    ``rules_needing_reason`` are the rule ids ``needs_override_reason`` listed when the
    decision was made; proceeding past any of them is an override and needs a reason.
    """

    outcome: Outcome
    decided_on: date
    rules_needing_reason: frozenset[str] = frozenset()
    override_reason: str | None = None

    @classmethod
    def from_assessment(
        cls, assessment: Assessment, decided_on: date, override_reason: str | None = None
    ) -> DecisionStatus:
        """Describe a decision taken on ``assessment``, with the rules that need a reason."""
        rules = frozenset(result.rule_id for result in needs_override_reason(assessment))
        return cls(assessment.outcome, decided_on, rules, override_reason)


@dataclass(frozen=True)
class GateResult:
    may_proceed: bool
    reasons: tuple[str, ...] = ()


PROCEEDING_OUTCOMES = frozenset({Outcome.SUITABLE, Outcome.SUITABLE_DISCUSS})


def procedure_may_proceed(
    consent: ConsentStatus | None, decision: DecisionStatus | None, on_date: date
) -> GateResult:
    """Say whether a procedure may proceed on ``on_date``, with every reason if not."""
    reasons = (*consent_problems(consent, on_date), *decision_problems(decision, on_date))
    return GateResult(not reasons, reasons)


def consent_problems(consent: ConsentStatus | None, on_date: date) -> tuple[str, ...]:
    """Return why ``consent`` is not current on ``on_date`` (empty when it is)."""
    if consent is None:
        return ("No consent is recorded.",)
    problems = []
    if consent.consented_on > on_date:
        problems.append(f"Consent is dated {consent.consented_on}, after {on_date}.")
    if consent.withdrawn_on is not None and consent.withdrawn_on <= on_date:
        problems.append(f"Consent was withdrawn on {consent.withdrawn_on}.")
    if consent.valid_until is not None and consent.valid_until < on_date:
        problems.append(f"Consent expired on {consent.valid_until}.")
    absent = [e.value for e in ConsentElement if e not in consent.elements_confirmed]
    if absent:
        problems.append(f"Consent elements not confirmed: {', '.join(absent)}.")
    return tuple(problems)


def decision_problems(decision: DecisionStatus | None, on_date: date) -> tuple[str, ...]:
    """Return why ``decision`` does not allow a procedure (empty when it does)."""
    if decision is None:
        return ("No candidacy decision is recorded.",)
    if decision.decided_on > on_date:
        return (f"The decision is dated {decision.decided_on}, after {on_date}.",)
    has_reason = bool(decision.override_reason and decision.override_reason.strip())
    if has_reason:
        return ()
    if decision.outcome not in PROCEEDING_OUTCOMES:
        return (f"The decision is {decision.outcome.value} and was not overridden with a reason.",)
    if decision.rules_needing_reason:
        rules = ", ".join(sorted(decision.rules_needing_reason))
        return (f"Rules {rules} need a written reason to proceed.",)
    return ()
