"""Acceptance scenarios of the candidacy engine and the outcome precedence of ``assess``.

The precedence is docs/candidacy.md#how-the-engine-decides.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

from orthoregen.pathways import (
    DEFAULT_PROTOCOL,
    Outcome,
    Rule,
    RuleStatus,
    Severity,
    assess,
    copy_as_draft,
    needs_override_reason,
    with_rule,
    with_severity,
)
from orthoregen.pathways.checks import MaximumBmi
from orthoregen.pathways.facts import (
    GradeScale,
    InjectionAgent,
    Joint,
    PriorInjection,
    RadiographicGrade,
    Side,
)

from .builders import ASSESSED_ON, changed, complete_facts, days_ago


def steroid_into(joint: Joint, days: int, side: Side = Side.LEFT) -> PriorInjection:
    return PriorInjection(InjectionAgent.CORTICOSTEROID, joint, side, days_ago(days))


def test_complete_facts_are_suitable() -> None:
    assessment = assess(complete_facts(), DEFAULT_PROTOCOL, ASSESSED_ON)
    assert (assessment.outcome, assessment.defer_until) == (Outcome.SUITABLE, None)
    assert (assessment.protocol_name, assessment.protocol_version) == (
        DEFAULT_PROTOCOL.name, DEFAULT_PROTOCOL.version)


def test_defers_until_steroid_washout_ends() -> None:
    # Scenario: knee KL 3, steroid into that knee 40 days ago -> defer until day 90
    # (docs/candidacy.md#washouts, CFG: 90 days, hard_stop).
    facts = changed(
        complete_facts(Joint.KNEE),
        radiograph=RadiographicGrade(GradeScale.KELLGREN_LAWRENCE, 3),
        prior_injections=(steroid_into(Joint.KNEE, 40),),
    )
    assessment = assess(facts, DEFAULT_PROTOCOL, ASSESSED_ON)
    assert assessment.outcome is Outcome.DEFER
    assert assessment.defer_until == ASSESSED_ON + timedelta(days=50) == date(2026, 4, 21)
    # The any-joint steroid rule (warn) fails too; only the target-joint one defers.
    assert [r.rule_id for r in assessment.failed] == [
        "WASHOUT-STEROID-TARGET-01", "WASHOUT-STEROID-ANY-01"]


def test_defer_date_is_the_latest_of_all_deferrals() -> None:
    facts = changed(
        complete_facts(),
        prior_injections=(steroid_into(Joint.KNEE, 80), steroid_into(Joint.KNEE, 20)),
        other_trial__last_investigational_product_on=days_ago(1),
    )
    assessment = assess(facts, DEFAULT_PROTOCOL, ASSESSED_ON)
    # Steroid 20 days ago passes on day 90 (+70 days); the trial rule on day 30 (+29).
    assert assessment.defer_until == ASSESSED_ON + timedelta(days=70)


def test_hip_with_avascular_necrosis_is_not_suitable() -> None:
    # Scenario; HIP-AVN-01 (docs/candidacy.md#joint-specific-rules): hard_stop for the OA pathway.
    facts = changed(complete_facts(Joint.HIP), mri__avascular_necrosis=True)
    assessment = assess(facts, DEFAULT_PROTOCOL, ASSESSED_ON)
    assert assessment.outcome is Outcome.NOT_SUITABLE
    assert [r.rule_id for r in assessment.failed] == ["HIP-AVN-01"]


def test_shoulder_samilson_prieto_three_is_suitable_discuss() -> None:
    # Scenario; SHOULDER-GRADE-02 (docs/candidacy.md#radiographic-grade): III warn.
    facts = changed(
        complete_facts(Joint.SHOULDER),
        radiograph=RadiographicGrade(GradeScale.SAMILSON_PRIETO, 3),
    )
    assessment = assess(facts, DEFAULT_PROTOCOL, ASSESSED_ON)
    assert assessment.outcome is Outcome.SUITABLE_DISCUSS
    assert [r.rule_id for r in assessment.failed] == ["SHOULDER-GRADE-02"]


def test_missing_kl_grade_is_incomplete_and_names_it() -> None:
    facts = changed(complete_facts(Joint.KNEE), radiograph=None)
    assessment = assess(facts, DEFAULT_PROTOCOL, ASSESSED_ON)
    assert assessment.outcome is Outcome.INCOMPLETE
    assert assessment.to_collect == ("radiograph",)


def test_known_hard_stop_wins_over_missing_data() -> None:
    facts = changed(complete_facts(), radiograph=None, comorbidities__active_infection=True)
    assert assess(facts, DEFAULT_PROTOCOL, ASSESSED_ON).outcome is Outcome.NOT_SUITABLE


def test_missing_data_wins_over_a_deferral() -> None:
    facts = changed(complete_facts(), bmi_kg_m2=None,
                    prior_injections=(steroid_into(Joint.KNEE, 40),))
    assessment = assess(facts, DEFAULT_PROTOCOL, ASSESSED_ON)
    assert (assessment.outcome, assessment.defer_until) == (Outcome.INCOMPLETE, None)


def test_deferral_wins_over_a_warning() -> None:
    facts = changed(complete_facts(), bmi_kg_m2=32.0,
                    prior_injections=(steroid_into(Joint.KNEE, 40),))
    assert assess(facts, DEFAULT_PROTOCOL, ASSESSED_ON).outcome is Outcome.DEFER


def test_failed_needs_reason_rule_is_suitable_discuss_and_needs_a_reason() -> None:
    # KNEE-GRADE-02 (docs/candidacy.md#radiographic-grade): KL 4 requires physician rationale.
    facts = changed(complete_facts(), radiograph=RadiographicGrade(GradeScale.KELLGREN_LAWRENCE, 4))
    assessment = assess(facts, DEFAULT_PROTOCOL, ASSESSED_ON)
    assert assessment.outcome is Outcome.SUITABLE_DISCUSS
    assert [r.rule_id for r in needs_override_reason(assessment)] == ["KNEE-GRADE-02"]


def test_warnings_alone_need_no_reason() -> None:
    facts = changed(complete_facts(), bmi_kg_m2=31.0)
    assessment = assess(facts, DEFAULT_PROTOCOL, ASSESSED_ON)
    assert assessment.outcome is Outcome.SUITABLE_DISCUSS
    assert needs_override_reason(assessment) == ()


def test_overriding_an_unchecked_hard_stop_needs_a_reason() -> None:
    facts = changed(complete_facts(), comorbidities__active_infection=None)
    assessment = assess(facts, DEFAULT_PROTOCOL, ASSESSED_ON)
    assert [r.rule_id for r in needs_override_reason(assessment)] == ["INFECTION-01"]


def test_info_rule_never_changes_the_outcome() -> None:
    draft = copy_as_draft(DEFAULT_PROTOCOL, "2026.1-clinic")
    rule = Rule(id="BMI-INFO-01", severity=Severity.INFO, check=MaximumBmi(20.0),
                sentence="BMI over 20.", source="project test rule")
    draft = with_rule(draft, rule)
    assessment = assess(changed(complete_facts(), bmi_kg_m2=26.0), draft, ASSESSED_ON)
    assert assessment.outcome is Outcome.SUITABLE
    assert assessment.failed[0].rule_id == "BMI-INFO-01"


def test_hard_stop_downgraded_to_warn_no_longer_blocks() -> None:
    draft = with_severity(copy_as_draft(DEFAULT_PROTOCOL, "2"), "INFECTION-01", Severity.WARN)
    facts = changed(complete_facts(), comorbidities__active_infection=True)
    assert assess(facts, draft, ASSESSED_ON).outcome is Outcome.SUITABLE_DISCUSS


def test_results_name_the_data_used() -> None:
    facts = changed(complete_facts(), age_years=17)
    result = next(r for r in assess(facts, DEFAULT_PROTOCOL, ASSESSED_ON).results
                  if r.rule_id == "AGE-MIN-01")
    assert (result.status, result.data_used) == (RuleStatus.FAILED, (("age_years", 17),))
    assert "docs/candidacy.md#age-and-body-mass-index" in result.source


def test_assessment_dict_is_json_ready() -> None:
    facts = changed(complete_facts(), prior_injections=(steroid_into(Joint.KNEE, 40),))
    data = json.loads(json.dumps(assess(facts, DEFAULT_PROTOCOL, ASSESSED_ON).to_dict()))
    assert (data["outcome"], data["defer_until"], data["to_collect"]) == (
        "defer", "2026-04-21", [])


def test_defer_date_is_the_latest_even_when_an_earlier_rule_gives_it() -> None:
    facts = changed(
        complete_facts(),
        prior_injections=(steroid_into(Joint.KNEE, 85),),
        other_trial__last_investigational_product_on=days_ago(1),
    )
    # OTHER-TRIAL-01 (earlier in the protocol) passes on day 30: +29; the steroid on +5.
    assert assess(facts, DEFAULT_PROTOCOL, ASSESSED_ON).defer_until == ASSESSED_ON + timedelta(
        days=29)


def test_info_rule_with_missing_data_is_listed_but_not_incomplete() -> None:
    # POST-TRAUMATIC-01 is info (docs/candidacy.md#symptoms-and-prior-care): it cannot change
    # the outcome.
    assessment = assess(changed(complete_facts(), post_traumatic_oa=None), DEFAULT_PROTOCOL,
                        ASSESSED_ON)
    assert (assessment.outcome, assessment.to_collect) == (Outcome.SUITABLE,
                                                           ("post_traumatic_oa",))


def test_missing_baseline_pain_is_incomplete() -> None:
    # PAIN-BASELINE-01: "required" (docs/candidacy.md#symptoms-and-prior-care).
    assessment = assess(changed(complete_facts(), baseline_pain=None), DEFAULT_PROTOCOL,
                        ASSESSED_ON)
    assert (assessment.outcome, assessment.to_collect) == (Outcome.INCOMPLETE, ("baseline_pain",))
