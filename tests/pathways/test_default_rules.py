"""Each default rule at and beside its threshold, from docs/candidacy.md#default-protocol.

Each case starts from facts that pass every rule and changes one fact. The expected
status comes from the rule table of that page; the comment beside each case states it.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from orthoregen.pathways import DEFAULT_PROTOCOL, RuleStatus, assess
from orthoregen.pathways.facts import (
    ConservativeTreatment as CT,
)
from orthoregen.pathways.facts import (
    GradeScale,
    InjectionAgent,
    Joint,
    Malignancy,
    MalignancyStatus,
    PainScale,
    PainScore,
    PriorInjection,
    PriorSurgery,
    ProductSource,
    RadiographicGrade,
    Sex,
    Side,
    SurgeryKind,
    TrialParticipation,
)

from .builders import ASSESSED_ON, changed, complete_facts, days_ago, lab

PASS, FAIL, NA, MISSING = (RuleStatus.PASSED, RuleStatus.FAILED, RuleStatus.NOT_APPLICABLE,
                           RuleStatus.MISSING)
KNEE, HIP, SHOULDER = Joint.KNEE, Joint.HIP, Joint.SHOULDER
KL, TONNIS, SP = GradeScale.KELLGREN_LAWRENCE, GradeScale.TONNIS, GradeScale.SAMILSON_PRIETO


def case(rule_id: str, expected: RuleStatus, joint: Joint = KNEE, **changes: Any) -> Any:
    label = ",".join(f"{k}={v}" for k, v in changes.items())[:60]
    return pytest.param(rule_id, expected, joint, changes, id=f"{rule_id}-{expected}-{label}")


def grade(scale: GradeScale, value: int) -> RadiographicGrade:
    return RadiographicGrade(scale, value)


def shot(agent: InjectionAgent, days: int, joint: Joint = KNEE, side: Side = Side.LEFT) -> Any:
    return (PriorInjection(agent, joint, side, days_ago(days)),)


def surgery(kind: SurgeryKind, on: date, side: Side = Side.LEFT) -> Any:
    return (PriorSurgery(kind, KNEE, side, on),)


STEROID, HA, PRP = InjectionAgent.CORTICOSTEROID, InjectionAgent.HYALURONIC_ACID, InjectionAgent.PRP
BIOLOGIC, ANAESTHETIC = InjectionAgent.OTHER_BIOLOGIC, InjectionAgent.LOCAL_ANAESTHETIC_ONLY

CASES = [
    # AGE_MIN: age >= 18, hard_stop.
    case("AGE-MIN-01", FAIL, age_years=17),
    case("AGE-MIN-01", PASS, age_years=18),
    # AGE_MAX: warn > 80.
    case("AGE-MAX-01", PASS, age_years=80),
    case("AGE-MAX-01", FAIL, age_years=81),
    # KL_KNEE: 0 hard_stop; {2,3} pass; {1,4} need physician rationale.
    case("KNEE-GRADE-01", FAIL, radiograph=grade(KL, 0)),
    case("KNEE-GRADE-01", PASS, radiograph=grade(KL, 1)),
    case("KNEE-GRADE-02", FAIL, radiograph=grade(KL, 1)),
    case("KNEE-GRADE-02", PASS, radiograph=grade(KL, 2)),
    case("KNEE-GRADE-02", PASS, radiograph=grade(KL, 3)),
    case("KNEE-GRADE-02", FAIL, radiograph=grade(KL, 4)),
    case("KNEE-GRADE-02", MISSING, radiograph=None),
    # GRADE_HIP: Tönnis 1-2 pass, 3 warn; Tönnis 0 = no OA (docs/standards.md#tonnis).
    case("HIP-GRADE-01", FAIL, HIP, radiograph=grade(TONNIS, 0)),
    case("HIP-GRADE-01", PASS, HIP, radiograph=grade(TONNIS, 1)),
    case("HIP-GRADE-02", PASS, HIP, radiograph=grade(TONNIS, 2)),
    case("HIP-GRADE-02", FAIL, HIP, radiograph=grade(TONNIS, 3)),
    case("HIP-GRADE-02", NA, HIP, radiograph=grade(KL, 4)),
    # GRADE_HIP on the KL scale: KL 0 no OA; KL 2-3 read as Tönnis 1-2 (mild-moderate).
    case("HIP-GRADE-03", FAIL, HIP, radiograph=grade(KL, 0)),
    case("HIP-GRADE-03", PASS, HIP, radiograph=grade(KL, 1)),
    case("HIP-GRADE-04", FAIL, HIP, radiograph=grade(KL, 1)),
    case("HIP-GRADE-04", PASS, HIP, radiograph=grade(KL, 3)),
    case("HIP-GRADE-04", FAIL, HIP, radiograph=grade(KL, 4)),
    # GRADE_SHOULDER: Samilson-Prieto I-II pass; III warn; 0 = no arthropathy.
    case("SHOULDER-GRADE-01", FAIL, SHOULDER, radiograph=grade(SP, 0)),
    case("SHOULDER-GRADE-01", PASS, SHOULDER, radiograph=grade(SP, 1)),
    case("SHOULDER-GRADE-02", PASS, SHOULDER, radiograph=grade(SP, 2)),
    case("SHOULDER-GRADE-02", FAIL, SHOULDER, radiograph=grade(SP, 3)),
    # BMI_MAX: warn > 30, warn + rationale > 35.
    case("BMI-01", PASS, bmi_kg_m2=30.0),
    case("BMI-01", FAIL, bmi_kg_m2=30.1),
    case("BMI-02", PASS, bmi_kg_m2=35.0),
    case("BMI-02", FAIL, bmi_kg_m2=35.1),
    # SYMPTOM_DURATION_MIN: months >= 3.
    case("SYMPTOMS-01", FAIL, symptom_duration_months=2),
    case("SYMPTOMS-01", PASS, symptom_duration_months=3),
    # CONSERVATIVE_FAILURE: documented failed treatments >= 2 (distinct treatments).
    case("CONSERVATIVE-01", FAIL, failed_conservative_care=(CT.PHYSIOTHERAPY,)),
    case("CONSERVATIVE-01", FAIL, failed_conservative_care=(CT.PHYSIOTHERAPY,) * 2),
    case("CONSERVATIVE-01", PASS, failed_conservative_care=(CT.PHYSIOTHERAPY, CT.BRACE)),
    case("CONSERVATIVE-01", MISSING, failed_conservative_care=None),
    # PAIN_BASELINE: VAS/NRS recorded, required, no threshold.
    case("PAIN-BASELINE-01", PASS, baseline_pain=PainScore(PainScale.VAS_MM, 0)),
    case("PAIN-BASELINE-01", MISSING, baseline_pain=None),
    # POST_TRAUMATIC_OA: info.
    case("POST-TRAUMATIC-01", FAIL, post_traumatic_oa=True),
    case("POST-TRAUMATIC-01", MISSING, post_traumatic_oa=None),
    # SMOKING_CURRENT: warn.
    case("SMOKING-01", FAIL, comorbidities__current_smoker=True),
    case("SMOKING-01", MISSING, comorbidities__current_smoker=None),
    # OTHER_TRIAL: investigational product within 30 days, hard_stop.
    case("OTHER-TRIAL-01", FAIL, other_trial=TrialParticipation(True)),
    case("OTHER-TRIAL-01", FAIL, other_trial=TrialParticipation(False, days_ago(29))),
    case("OTHER-TRIAL-01", PASS, other_trial=TrialParticipation(False, days_ago(30))),
    case("OTHER-TRIAL-01", MISSING, other_trial=None),
    # Washout (CFG, docs/candidacy.md#washouts): IA corticosteroid in target joint 90 days,
    # hard_stop.
    case("WASHOUT-STEROID-TARGET-01", FAIL, prior_injections=shot(STEROID, 89)),
    case("WASHOUT-STEROID-TARGET-01", PASS, prior_injections=shot(STEROID, 90)),
    case("WASHOUT-STEROID-TARGET-01", PASS,
         prior_injections=shot(STEROID, 1, side=Side.RIGHT)),
    case("WASHOUT-STEROID-TARGET-01", PASS, prior_injections=shot(STEROID, 1, joint=HIP)),
    case("WASHOUT-STEROID-TARGET-01", PASS, prior_injections=shot(HA, 1)),
    case("WASHOUT-STEROID-TARGET-01", MISSING, prior_injections=None),
    # Washout (CFG, docs/candidacy.md#washouts): IA HA or PRP in target joint 90 days, warn.
    case("WASHOUT-HA-PRP-TARGET-01", FAIL, prior_injections=shot(HA, 89)),
    case("WASHOUT-HA-PRP-TARGET-01", PASS, prior_injections=shot(HA, 90)),
    case("WASHOUT-HA-PRP-TARGET-01", FAIL, prior_injections=shot(PRP, 89)),
    case("WASHOUT-HA-PRP-TARGET-01", PASS, prior_injections=shot(PRP, 90)),
    # Washout: IA injection of any drug, 3 months (most common) -> other biologics.
    case("WASHOUT-BIOLOGIC-TARGET-01", FAIL, prior_injections=shot(BIOLOGIC, 89)),
    case("WASHOUT-BIOLOGIC-TARGET-01", PASS, prior_injections=shot(BIOLOGIC, 90)),
    # Washout (CFG, docs/candidacy.md#washouts): any-joint IA steroid within 90 days, warn
    # (systemic exposure).
    case("WASHOUT-STEROID-ANY-01", FAIL, prior_injections=shot(STEROID, 89, joint=SHOULDER)),
    case("WASHOUT-STEROID-ANY-01", PASS, prior_injections=shot(STEROID, 90, joint=SHOULDER)),
    case("WASHOUT-STEROID-ANY-01", FAIL, prior_injections=shot(STEROID, 89, side=Side.RIGHT)),
    # Washout (CFG, docs/candidacy.md#washouts): any-joint IA steroid within 28 days,
    # hard_stop: serum cortisol recovers in 1-4 weeks (Habib GS, Clin Rheumatol
    # 2009;28:749-56).
    case("WASHOUT-STEROID-ANY-02", FAIL, prior_injections=shot(STEROID, 27, joint=SHOULDER)),
    case("WASHOUT-STEROID-ANY-02", PASS, prior_injections=shot(STEROID, 28, joint=SHOULDER)),
    case("WASHOUT-STEROID-ANY-02", FAIL, prior_injections=shot(STEROID, 21, side=Side.RIGHT)),
    case("WASHOUT-STEROID-ANY-02", PASS, prior_injections=shot(HA, 1, joint=SHOULDER)),
    # "This joint" rules are not triggered by another joint's injection.
    case("WASHOUT-HA-PRP-TARGET-01", PASS, prior_injections=shot(HA, 1, joint=HIP)),
    case("WASHOUT-HA-PRP-TARGET-01", PASS, prior_injections=shot(HA, 1, side=Side.RIGHT)),
    # Injection agents: local anaesthetic only is classified so that it does not count.
    case("WASHOUT-STEROID-TARGET-01", PASS, prior_injections=shot(ANAESTHETIC, 1)),
    case("WASHOUT-HA-PRP-TARGET-01", PASS, prior_injections=shot(ANAESTHETIC, 1)),
    # Washout (CFG, docs/candidacy.md#washouts): oral NSAID within 7 days, warn.
    case("NSAID-01", FAIL, medications__nsaid=True, medications__nsaid_last_dose_on=days_ago(6)),
    case("NSAID-01", PASS, medications__nsaid=True, medications__nsaid_last_dose_on=days_ago(7)),
    case("NSAID-01", MISSING, medications__nsaid=True),
    # SYSTEMIC_STEROID_CURRENT: hard_stop.
    case("SYSTEMIC-STEROID-01", FAIL, medications__systemic_corticosteroid=True),
    case("SYSTEMIC-STEROID-01", MISSING, medications__systemic_corticosteroid=None),
    # IMMUNOSUPPRESSION: immunosuppressant or immunodeficiency, hard_stop.
    case("IMMUNOSUPPRESSION-01", FAIL, medications__immunosuppressant=True),
    case("IMMUNOSUPPRESSION-01", FAIL, comorbidities__immunodeficiency=True),
    case("IMMUNOSUPPRESSION-01", FAIL, medications__immunosuppressant=True,
         comorbidities__immunodeficiency=None),
    case("IMMUNOSUPPRESSION-01", MISSING, comorbidities__immunodeficiency=None),
    # ANTICOAGULATION: warn + management plan; harvest and hip: explicit review.
    case("ANTICOAGULATION-01", FAIL, medications__anticoagulant_or_antiplatelet=True),
    case("ANTICOAGULATION-02", FAIL, HIP, medications__anticoagulant_or_antiplatelet=True),
    case("ANTICOAGULATION-02", NA, KNEE, medications__anticoagulant_or_antiplatelet=True),
    case("ANTICOAGULATION-03", FAIL, medications__anticoagulant_or_antiplatelet=True),
    case("ANTICOAGULATION-03", NA, medications__anticoagulant_or_antiplatelet=True,
         planned_product_source=ProductSource.ALLOGENEIC),
    case("ANTICOAGULATION-03", MISSING, medications__anticoagulant_or_antiplatelet=True,
         planned_product_source=None),
    case("ANTICOAGULATION-03", PASS, planned_product_source=None),
    # ACTIVE_INFECTION: hard_stop.
    case("INFECTION-01", FAIL, comorbidities__active_infection=True),
    # MALIGNANCY: active hard_stop; history within 5 years warn.
    case("MALIGNANCY-01", FAIL, comorbidities__malignancy=Malignancy(MalignancyStatus.ACTIVE)),
    case("MALIGNANCY-01", PASS,
         comorbidities__malignancy=Malignancy(MalignancyStatus.IN_REMISSION, date(2025, 1, 1))),
    case("MALIGNANCY-02", FAIL,
         comorbidities__malignancy=Malignancy(MalignancyStatus.IN_REMISSION, date(2021, 3, 3))),
    case("MALIGNANCY-02", PASS,
         comorbidities__malignancy=Malignancy(MalignancyStatus.IN_REMISSION, date(2021, 3, 2))),
    case("MALIGNANCY-02", MISSING,
         comorbidities__malignancy=Malignancy(MalignancyStatus.IN_REMISSION)),
    # INFLAMMATORY_ARTHRITIS: hard_stop.
    case("INFLAMMATORY-01", FAIL, comorbidities__inflammatory_arthritis=True),
    # PREGNANCY_LACTATION: hard_stop (a male patient cannot be pregnant).
    case("PREGNANCY-01", FAIL, comorbidities__pregnant_or_lactating=True),
    case("PREGNANCY-01", MISSING, comorbidities__pregnant_or_lactating=None),
    case("PREGNANCY-01", NA, sex=Sex.MALE, comorbidities__pregnant_or_lactating=None),
    # Only a recorded male is exempt: other and unknown sex are asked, as female is.
    case("PREGNANCY-01", MISSING, sex=Sex.OTHER, comorbidities__pregnant_or_lactating=None),
    case("PREGNANCY-01", MISSING, sex=Sex.UNKNOWN, comorbidities__pregnant_or_lactating=None),
    case("PREGNANCY-01", FAIL, sex=Sex.OTHER, comorbidities__pregnant_or_lactating=True),
    # CONTRACEPTION: WOCBP without effective contraception, warn.
    case("CONTRACEPTION-01", FAIL, comorbidities__childbearing_potential=True,
         comorbidities__effective_contraception=False),
    case("CONTRACEPTION-01", PASS, comorbidities__childbearing_potential=True,
         comorbidities__effective_contraception=True),
    case("CONTRACEPTION-01", MISSING, comorbidities__childbearing_potential=True),
    case("CONTRACEPTION-01", NA, sex=Sex.MALE, comorbidities__childbearing_potential=None),
    case("CONTRACEPTION-01", MISSING, sex=Sex.UNKNOWN, comorbidities__childbearing_potential=None),
    case("CONTRACEPTION-01", FAIL, sex=Sex.OTHER, comorbidities__childbearing_potential=True,
         comorbidities__effective_contraception=False),
    # BLEEDING_DISORDER: hard_stop.
    case("BLEEDING-01", FAIL, comorbidities__bleeding_disorder=True),
    # DIABETES_UNCONTROLLED: HbA1c > 8.5 %, warn.
    case("DIABETES-01", PASS, comorbidities__diabetes=True, labs__hba1c_percent=lab(8.5)),
    case("DIABETES-01", FAIL, comorbidities__diabetes=True, labs__hba1c_percent=lab(8.6)),
    case("DIABETES-01", PASS, comorbidities__diabetes=False, labs__hba1c_percent=None),
    case("DIABETES-01", MISSING, comorbidities__diabetes=True, labs__hba1c_percent=None),
    case("DIABETES-01", MISSING, comorbidities__diabetes=True, labs__hba1c_percent=lab(6, 91)),
    # LABS: ALT/AST > 100 IU/L, Cr > 2 mg/dL, warn.
    case("LABS-ALT-01", PASS, labs__alt_iu_l=lab(100)),
    case("LABS-ALT-01", FAIL, labs__alt_iu_l=lab(101)),
    case("LABS-AST-01", PASS, labs__ast_iu_l=lab(100)),
    case("LABS-AST-01", FAIL, labs__ast_iu_l=lab(101)),
    case("LABS-CREATININE-01", PASS, labs__creatinine_mg_dl=lab(2.0)),
    case("LABS-CREATININE-01", FAIL, labs__creatinine_mg_dl=lab(2.1)),
    case("LABS-CREATININE-01", PASS, labs__creatinine_mg_dl=lab(1.0, 90)),
    case("LABS-CREATININE-01", MISSING, labs__creatinine_mg_dl=lab(1.0, 91)),
    # PRIOR_SURGERY_TARGET: within 6 months warn; arthroplasty in target joint hard_stop.
    case("SURGERY-TARGET-01", FAIL,
         prior_surgeries=surgery(SurgeryKind.MENISCECTOMY, date(2025, 9, 3))),
    case("SURGERY-TARGET-01", PASS,
         prior_surgeries=surgery(SurgeryKind.MENISCECTOMY, date(2025, 9, 2))),
    case("SURGERY-TARGET-01", MISSING,
         prior_surgeries=(PriorSurgery(SurgeryKind.ARTHROSCOPY, KNEE, Side.LEFT),)),
    case("ARTHROPLASTY-TARGET-01", FAIL,
         prior_surgeries=surgery(SurgeryKind.ARTHROPLASTY, date(2010, 1, 1))),
    case("ARTHROPLASTY-TARGET-01", PASS,
         prior_surgeries=surgery(SurgeryKind.ARTHROPLASTY, date(2010, 1, 1), Side.RIGHT)),
    case("ARTHROPLASTY-TARGET-01", MISSING,
         prior_surgeries=(PriorSurgery(SurgeryKind.ARTHROPLASTY, KNEE),)),
    # MALALIGNMENT: varus/valgus > 5 degrees warn (knee).
    case("ALIGNMENT-KNEE-01", PASS, examination__varus_valgus_degrees=5.0),
    case("ALIGNMENT-KNEE-01", FAIL, examination__varus_valgus_degrees=5.1),
    case("ALIGNMENT-KNEE-01", NA, HIP, examination__varus_valgus_degrees=None),
    # MECHANICAL_SYMPTOMS: warn (refer).
    case("MECHANICAL-01", FAIL, examination__mechanical_symptoms=True),
    # HIP_AVN: hard_stop for the OA pathway.
    case("HIP-AVN-01", FAIL, HIP, mri__avascular_necrosis=True),
    case("HIP-AVN-01", MISSING, HIP, mri__avascular_necrosis=None),
    case("HIP-AVN-01", NA, KNEE, mri__avascular_necrosis=None),
    # SHOULDER_FT_RCT: warn (different indication).
    case("SHOULDER-RCT-01", FAIL, SHOULDER, mri__full_thickness_rotator_cuff_tear=True),
    case("SHOULDER-RCT-01", NA, KNEE, mri__full_thickness_rotator_cuff_tear=True),
]


@pytest.mark.parametrize(("rule_id", "expected", "joint", "changes"), CASES)
def test_rule_at_and_beside_its_threshold(
    rule_id: str, expected: RuleStatus, joint: Joint, changes: dict[str, Any]
) -> None:
    facts = changed(complete_facts(joint), **changes)
    results = {r.rule_id: r for r in assess(facts, DEFAULT_PROTOCOL, ASSESSED_ON).results}
    assert results[rule_id].status is expected


def test_every_default_rule_has_a_threshold_case() -> None:
    tested = {param.values[0] for param in CASES}
    assert tested == {rule.id for rule in DEFAULT_PROTOCOL.rules}


@pytest.mark.parametrize("joint", list(Joint))
def test_complete_facts_pass_every_applicable_rule(joint: Joint) -> None:
    results = assess(complete_facts(joint), DEFAULT_PROTOCOL, ASSESSED_ON).results
    assert {r.status for r in results} <= {PASS, NA}


def test_washout_passes_from_day_90_after_the_injection() -> None:
    # Washout (CFG, docs/candidacy.md#washouts): 90 days after an IA corticosteroid injection
    # into the target joint.
    facts = changed(complete_facts(), prior_injections=shot(STEROID, 10))
    results = {r.rule_id: r for r in assess(facts, DEFAULT_PROTOCOL, ASSESSED_ON).results}
    assert results["WASHOUT-STEROID-TARGET-01"].passes_from == days_ago(10) + timedelta(days=90)


def test_injection_into_the_same_joint_with_unknown_side_asks_for_the_side() -> None:
    injection = PriorInjection(STEROID, KNEE, None, days_ago(200))
    facts = changed(complete_facts(), prior_injections=(injection,))
    results = {r.rule_id: r for r in assess(facts, DEFAULT_PROTOCOL, ASSESSED_ON).results}
    assert results["WASHOUT-STEROID-TARGET-01"].missing == ("prior_injections[0].side",)


def test_hip_is_deferred_by_a_knee_corticosteroid_three_weeks_ago_naming_the_injection() -> None:
    # A hip assessed 21 days after a corticosteroid into the right knee: the any-joint
    # washout (28 days, Habib 2009) defers it to the day it ends, and the result's data
    # names the knee injection that counted (agent, joint, side, date).
    knee_shot = PriorInjection(STEROID, KNEE, Side.RIGHT, days_ago(21))
    facts = changed(complete_facts(joint=HIP), prior_injections=(knee_shot,))
    assessment = assess(facts, DEFAULT_PROTOCOL, ASSESSED_ON)
    assert assessment.outcome.value == "defer"
    assert assessment.defer_until == days_ago(21) + timedelta(days=28)
    result = {r.rule_id: r for r in assessment.results}["WASHOUT-STEROID-ANY-02"]
    used = dict(result.data_used)["prior_injections"]
    assert used == [{"agent": "corticosteroid", "joint": "knee", "side": "right",
                     "given_on": days_ago(21).isoformat()}]
    # The "this joint" corticosteroid washout does not count the knee's injection.
    target = {r.rule_id: r for r in assessment.results}["WASHOUT-STEROID-TARGET-01"]
    assert target.status is PASS
