"""The procedure gate: a current consent and a decision that allows proceeding.

See docs/candidacy.md#procedure-gate.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from orthoregen.pathways import (
    CONSENT_ELEMENTS,
    DEFAULT_PROTOCOL,
    ConsentElement,
    ConsentStatus,
    DecisionStatus,
    GateResult,
    Outcome,
    assess,
    procedure_may_proceed,
)
from orthoregen.pathways.facts import GradeScale, RadiographicGrade

from .builders import ASSESSED_ON, changed, complete_facts

TODAY = date(2026, 3, 2)
CONSENT = ConsentStatus("consent-v3", date(2026, 2, 20), frozenset(ConsentElement))
DECISION = DecisionStatus(Outcome.SUITABLE, date(2026, 2, 20))


def test_current_consent_and_suitable_decision_may_proceed() -> None:
    assert procedure_may_proceed(CONSENT, DECISION, TODAY) == GateResult(True, ())


@pytest.mark.parametrize(
    ("consent", "reason"),
    [
        (None, "No consent is recorded."),
        (replace(CONSENT, withdrawn_on=TODAY), "Consent was withdrawn on 2026-03-02."),
        (replace(CONSENT, valid_until=date(2026, 3, 1)), "Consent expired on 2026-03-01."),
        (replace(CONSENT, consented_on=date(2026, 3, 3)), "Consent is dated 2026-03-03"),
        (replace(CONSENT, elements_confirmed=frozenset(ConsentElement) - {ConsentElement.COSTS}),
         "Consent elements not confirmed: costs."),
    ],
)
def test_consent_that_is_not_current_stops_the_procedure(
    consent: ConsentStatus | None, reason: str
) -> None:
    result = procedure_may_proceed(consent, DECISION, TODAY)
    assert not result.may_proceed
    assert len(result.reasons) == 1 and result.reasons[0].startswith(reason)


@pytest.mark.parametrize(
    "consent",
    [replace(CONSENT, valid_until=TODAY), replace(CONSENT, withdrawn_on=date(2026, 3, 3))],
)
def test_consent_valid_through_today_or_withdrawn_later_may_proceed(
    consent: ConsentStatus,
) -> None:
    assert procedure_may_proceed(consent, DECISION, TODAY).may_proceed


@pytest.mark.parametrize(
    ("decision", "may_proceed"),
    [
        (DecisionStatus(Outcome.SUITABLE_DISCUSS, TODAY), True),
        (DecisionStatus(Outcome.NOT_SUITABLE, TODAY), False),
        (DecisionStatus(Outcome.DEFER, TODAY), False),
        (DecisionStatus(Outcome.INCOMPLETE, TODAY), False),
        (DecisionStatus(Outcome.NOT_SUITABLE, TODAY, override_reason="Haematology plan agreed"),
         True),
        (DecisionStatus(Outcome.NOT_SUITABLE, TODAY, override_reason="   "), False),
        (DecisionStatus(Outcome.SUITABLE_DISCUSS, TODAY, frozenset({"KNEE-GRADE-02"})), False),
        (DecisionStatus(Outcome.SUITABLE_DISCUSS, TODAY, frozenset({"KNEE-GRADE-02"}),
                        "KL 4, patient declines arthroplasty"), True),
        (DecisionStatus(Outcome.SUITABLE, date(2026, 3, 3)), False),
        (None, False),
    ],
)
def test_decision_must_allow_proceeding_or_be_overridden_with_a_reason(
    decision: DecisionStatus | None, may_proceed: bool
) -> None:
    result = procedure_may_proceed(CONSENT, decision, TODAY)
    assert result.may_proceed is may_proceed
    assert bool(result.reasons) is not may_proceed


def test_refusal_lists_every_reason() -> None:
    result = procedure_may_proceed(None, DecisionStatus(Outcome.DEFER, TODAY), TODAY)
    assert result.reasons == (
        "No consent is recorded.",
        "The decision is defer and was not overridden with a reason.",
    )


def test_rules_needing_a_reason_are_named_in_the_refusal() -> None:
    decision = DecisionStatus(Outcome.SUITABLE_DISCUSS, TODAY, frozenset({"BMI-02", "AGE-MIN-01"}))
    assert procedure_may_proceed(CONSENT, decision, TODAY).reasons == (
        "Rules AGE-MIN-01, BMI-02 need a written reason to proceed.",
    )


def test_consent_elements_list_each_element_once_with_its_source() -> None:
    assert [item.element for item in CONSENT_ELEMENTS] == list(ConsentElement)
    assert all(item.source.endswith("docs/candidacy.md#informed-consent")
               for item in CONSENT_ELEMENTS)


def test_consent_elements_include_the_core_alternatives() -> None:
    # 21 CFR 50.25(a)(4) and docs/candidacy.md#informed-consent: physiotherapy, weight loss,
    # NSAIDs, corticosteroid, hyaluronic acid, PRP, arthroplasty.
    alternatives = {e.value for e in ConsentElement if e.value.startswith("alternative_")}
    assert alternatives == {
        "alternative_physiotherapy", "alternative_weight_loss", "alternative_nsaids",
        "alternative_corticosteroid", "alternative_hyaluronic_acid", "alternative_prp",
        "alternative_arthroplasty",
    }


def test_decision_on_a_kl4_knee_needs_a_reason_to_proceed() -> None:
    # KNEE-GRADE-02 (docs/candidacy.md#radiographic-grade): KL 4 requires physician rationale.
    facts = changed(complete_facts(), radiograph=RadiographicGrade(GradeScale.KELLGREN_LAWRENCE, 4))
    assessment = assess(facts, DEFAULT_PROTOCOL, ASSESSED_ON)
    agreed = DecisionStatus.from_assessment(assessment, ASSESSED_ON)
    reasoned = DecisionStatus.from_assessment(assessment, ASSESSED_ON, "Declines arthroplasty")
    assert agreed.rules_needing_reason == {"KNEE-GRADE-02"}
    assert not procedure_may_proceed(CONSENT, agreed, ASSESSED_ON).may_proceed
    assert procedure_may_proceed(CONSENT, reasoned, ASSESSED_ON).may_proceed
