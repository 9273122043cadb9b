"""Properties of ``assess`` that hold for any facts, each fact possibly unknown."""

from __future__ import annotations

import json
from datetime import date

from hypothesis import example, given
from hypothesis import strategies as st

from orthoregen.pathways import (
    DEFAULT_PROTOCOL,
    CandidacyFacts,
    Outcome,
    RuleStatus,
    Severity,
    assess,
    facts_from_dict,
    facts_to_dict,
    protocol_from_dict,
    protocol_to_dict,
)
from orthoregen.pathways.facts import InjectionAgent, Joint, PriorInjection, Side

from .builders import ASSESSED_ON, changed, complete_facts
from .strategies import any_facts

on_dates = st.dates(min_value=date(2015, 1, 1), max_value=date(2027, 12, 31))
HIP_WITH_AVN = changed(complete_facts(Joint.HIP), mri__avascular_necrosis=True, bmi_kg_m2=None)


@given(any_facts, on_dates)
@example(complete_facts(), ASSESSED_ON)
def test_assess_is_deterministic(facts: CandidacyFacts, on_date: date) -> None:
    assert assess(facts, DEFAULT_PROTOCOL, on_date) == assess(facts, DEFAULT_PROTOCOL, on_date)


@given(any_facts, on_dates)
@example(HIP_WITH_AVN, ASSESSED_ON)
def test_never_suitable_when_a_hard_stop_fails(facts: CandidacyFacts, on_date: date) -> None:
    assessment = assess(facts, DEFAULT_PROTOCOL, on_date)
    hard_stop_failed = any(
        r.status is RuleStatus.FAILED and r.severity is Severity.HARD_STOP
        for r in assessment.results
    )
    if hard_stop_failed:
        assert assessment.outcome in (Outcome.NOT_SUITABLE, Outcome.INCOMPLETE, Outcome.DEFER)


@given(any_facts, on_dates)
@example(CandidacyFacts(Joint.KNEE, Side.LEFT), ASSESSED_ON)
def test_outcome_is_explained_by_its_results(facts: CandidacyFacts, on_date: date) -> None:
    assessment = assess(facts, DEFAULT_PROTOCOL, on_date)
    statuses = {r.status for r in assessment.results}
    if assessment.outcome is Outcome.INCOMPLETE:
        assert assessment.to_collect
    if assessment.outcome is Outcome.SUITABLE:
        assert RuleStatus.MISSING not in statuses
    if assessment.outcome is Outcome.DEFER:
        assert assessment.defer_until is not None and assessment.defer_until > on_date
    else:
        assert assessment.defer_until is None
    assert len(assessment.results) == len(DEFAULT_PROTOCOL.rules)


@given(any_facts)
@example(changed(complete_facts(), prior_injections=(
    PriorInjection(InjectionAgent.CORTICOSTEROID, Joint.KNEE, Side.LEFT, date(2026, 1, 21)),)))
def test_deferred_facts_pass_the_deferring_rules_on_the_defer_date(facts: CandidacyFacts) -> None:
    first = assess(facts, DEFAULT_PROTOCOL, ASSESSED_ON)
    if first.outcome is Outcome.DEFER:
        assert first.defer_until is not None
        later = assess(facts, DEFAULT_PROTOCOL, first.defer_until)
        assert not any(
            r.status is RuleStatus.FAILED and r.severity is Severity.HARD_STOP
            for r in later.results
        )


@given(any_facts, on_dates)
@example(complete_facts(), ASSESSED_ON)
def test_stored_snapshot_and_protocol_reproduce_the_assessment(
    facts: CandidacyFacts, on_date: date
) -> None:
    # A stored decision is re-read exactly years later from its snapshot
    # (docs/candidacy.md#protocols-as-versioned-data).
    stored_facts = json.loads(json.dumps(facts_to_dict(facts)))
    stored_protocol = json.loads(json.dumps(protocol_to_dict(DEFAULT_PROTOCOL)))
    again = assess(facts_from_dict(stored_facts), protocol_from_dict(stored_protocol), on_date)
    assert again == assess(facts, DEFAULT_PROTOCOL, on_date)
