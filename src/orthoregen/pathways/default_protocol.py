"""The default candidacy protocol, from cell_products.md §6.4 (rule catalogue) and §5.6.

Every threshold is the catalogue's ``CFG`` default (so every rule's basis is CFG, the
project's overridable default) and every rule cites the catalogue row
and the trials or standards behind it. Where the catalogue is silent the choice is
marked "project choice" in the rule's source, so a clinic can see what to review.
"""

from __future__ import annotations

from orthoregen.pathways.checks import (
    BaselinePainRecorded,
    Check,
    MaximumAge,
    MaximumBmi,
    MaximumMalalignment,
    MinimumAge,
    MinimumFailedConservativeCare,
    MinimumSymptomDuration,
    RadiographicGradeWithin,
)
from orthoregen.pathways.conditions import (
    ContraceptionIfChildbearing,
    DiabetesControlled,
    Flag,
    LabAtMost,
    LabTest,
    NoActiveMalignancy,
    NoMalignancyWithin,
    NoneOf,
    NotPregnantOrLactating,
)
from orthoregen.pathways.facts import InjectionAgent
from orthoregen.pathways.history import (
    InjectionWashout,
    NoArthroplastyOfTarget,
    NoOtherTrialWithin,
    NoRecentSurgeryOnTarget,
    NsaidWashout,
)
from orthoregen.pathways.protocol import (
    ALL_JOINTS,
    ProductScope,
    Protocol,
    ProtocolStatus,
    Rule,
    Severity,
)
from orthoregen.vocabulary import GradeScale, Joint

HARD, REASON, WARN = Severity.HARD_STOP, Severity.NEEDS_REASON, Severity.WARN
KNEE, HIP, SHOULDER = frozenset({Joint.KNEE}), frozenset({Joint.HIP}), frozenset({Joint.SHOULDER})
KL, TONNIS, SP = GradeScale.KELLGREN_LAWRENCE, GradeScale.TONNIS, GradeScale.SAMILSON_PRIETO
CATALOGUE = "cell_products.md §6.4"
WASHOUTS = "cell_products.md §5.6"
# Labs older than this count as not collected. The catalogue asks for "labs with collection
# date and validity window" but gives no window: project choice, about one HbA1c cycle.
LAB_VALID_DAYS = 90


def _rule(
    rule_id: str,
    severity: Severity,
    check: Check,
    sentence: str,
    source: str,
    joints: frozenset[Joint] = ALL_JOINTS,
    product_scope: ProductScope = ProductScope.ANY,
) -> Rule:
    return Rule(rule_id, check, severity, sentence, source, joints, product_scope)


def _grade_rules() -> list[Rule]:
    return [
        _rule("KNEE-GRADE-01", HARD, RadiographicGradeWithin(KL, 1, 4),
              "KL 0: no radiographic osteoarthritis of the knee.",
              f"{CATALOGUE} KL_KNEE (0 hard_stop); standards.md §6.1", KNEE),
        _rule("KNEE-GRADE-02", REASON, RadiographicGradeWithin(KL, 2, 3),
              "KL 1 or 4: give a reason and discuss expectations (KL 4: limited regenerative "
              "substrate, arthroplasty is the alternative).",
              f"{CATALOGUE} KL_KNEE ({{2,3}} pass, {{1,4}} need physician rationale); §6.1 "
              "Al-Najar 2017, SCRT 2019, NCT03358654; ESSKA-ORBIT 2025 (inferior in KL 4)", KNEE),
        _rule("HIP-GRADE-01", HARD, RadiographicGradeWithin(TONNIS, 1, 3),
              "Tönnis 0: no radiographic osteoarthritis of the hip.",
              f"{CATALOGUE} GRADE_HIP; standards.md §6.4 (Tönnis 0 = no OA)", HIP),
        _rule("HIP-GRADE-02", WARN, RadiographicGradeWithin(TONNIS, 0, 2),
              "Tönnis 3 (severe): discuss expectations and total hip arthroplasty.",
              f"{CATALOGUE} GRADE_HIP (1-2 pass, 3 warn, discuss THA); §6.2", HIP),
        _rule("HIP-GRADE-03", HARD, RadiographicGradeWithin(KL, 1, 4),
              "KL 0: no radiographic osteoarthritis of the hip.",
              f"{CATALOGUE} GRADE_HIP (KL allowed); standards.md §6.1", HIP),
        _rule("HIP-GRADE-04", WARN, RadiographicGradeWithin(KL, 2, 3),
              "KL 1 or 4 hip: doubtful or end-stage disease; discuss expectations and THA.",
              f"{CATALOGUE} GRADE_HIP; project choice: KL 2-3 read as Tönnis 1-2 "
              "(mild-moderate), per standards.md §6.1 and §6.4 wording", HIP),
        _rule("SHOULDER-GRADE-01", HARD, RadiographicGradeWithin(SP, 1, 3),
              "Samilson-Prieto 0: no glenohumeral arthropathy on the radiograph.",
              f"{CATALOGUE} GRADE_SHOULDER; standards.md §6.5", SHOULDER),
        _rule("SHOULDER-GRADE-02", WARN, RadiographicGradeWithin(SP, 0, 2),
              "Samilson-Prieto III (severe): discuss expectations and arthroplasty.",
              f"{CATALOGUE} GRADE_SHOULDER (I-II pass, III warn); §6.3 (early-stage series)",
              SHOULDER),
    ]


def _patient_rules() -> list[Rule]:
    return [
        _rule("AGE-MIN-01", HARD, MinimumAge(18), "Under 18: not treated in this pathway.",
              f"{CATALOGUE} AGE_MIN (18, hard_stop); §6.1 JointStem NCT04368806 (>= 18)"),
        _rule("AGE-MAX-01", WARN, MaximumAge(80),
              "Over 80: outside the ages studied; discuss expectations.",
              f"{CATALOGUE} AGE_MAX (warn > 80); §6.1 observed upper limits 60-80"),
        _rule("BMI-01", WARN, MaximumBmi(30.0),
              "BMI over 30: discuss weight loss and expectations.",
              f"{CATALOGUE} BMI_MAX (warn > 30); §6.1 SCRT 2019, NCT03358654 (<= 30)"),
        _rule("BMI-02", REASON, MaximumBmi(35.0),
              "BMI over 35: give a reason for treating now.",
              f"{CATALOGUE} BMI_MAX (warn+rationale > 35); §6.1 Sadri 2023 (<= 35)"),
        _rule("SYMPTOMS-01", REASON, MinimumSymptomDuration(3),
              "Symptoms for less than 3 months: give a reason for not waiting.",
              f"{CATALOGUE} SYMPTOM_DURATION_MIN (3 months; severity: project choice "
              "needs_reason); §6.1 JointStem (>= 12 weeks), NCT03130335"),
        _rule("PAIN-BASELINE-01", WARN, BaselinePainRecorded(),
              "Record baseline pain (VAS or NRS) before treatment: outcomes are measured "
              "against it.", f"{CATALOGUE} PAIN_BASELINE (required; no threshold)"),
        _rule("POST-TRAUMATIC-01", Severity.INFO, NoneOf((Flag.POST_TRAUMATIC_OA,)),
              "Post-traumatic osteoarthritis: excluded from some trials; note it.",
              f"{CATALOGUE} POST_TRAUMATIC_OA (info); §6.1 NCT05985785 (Rush)"),
        _rule("CONSERVATIVE-01", WARN, MinimumFailedConservativeCare(2),
              "Fewer than 2 documented failed conservative treatments: offer them first.",
              f"{CATALOGUE} CONSERVATIVE_FAILURE (>= 2, warn); §6.1 NCT03130335"),
        _rule("SMOKING-01", WARN, NoneOf((Flag.CURRENT_SMOKER,)),
              "Current smoker: advise stopping; discuss expectations.",
              f"{CATALOGUE} SMOKING_CURRENT (warn); §6.1 NCT03130335"),
        _rule("OTHER-TRIAL-01", HARD, NoOtherTrialWithin(30),
              "In another trial, or its investigational product within 30 days.",
              f"{CATALOGUE} OTHER_TRIAL (30 days, hard_stop); §6.1 SCRT 2019, NCT03358654"),
    ]


def _washout_rules() -> list[Rule]:
    return [
        _rule("WASHOUT-STEROID-TARGET-01", HARD,
              InjectionWashout((InjectionAgent.CORTICOSTEROID,), True, 90),
              "Corticosteroid injected into this joint less than 90 days ago (toxic to MSCs).",
              f"{WASHOUTS} CFG (90 days, hard_stop); Wyles, Clin Orthop Relat Res 2015;"
              "473:1155; NCT03358654, NCT05985785 (3 months)"),
        _rule("WASHOUT-HA-PRP-TARGET-01", WARN,
              InjectionWashout((InjectionAgent.HYALURONIC_ACID, InjectionAgent.PRP), True, 90),
              "Hyaluronic acid or PRP injected into this joint less than 90 days ago.",
              f"{WASHOUTS} CFG (90 days, warn); {CATALOGUE} WASHOUT_IA_HA_PRP_TARGET"),
        _rule("WASHOUT-BIOLOGIC-TARGET-01", WARN,
              InjectionWashout((InjectionAgent.OTHER_BIOLOGIC,), True, 90),
              "Another biologic injected into this joint less than 90 days ago.",
              f"{WASHOUTS} (IA injection of any drug: 3 months, most common); severity: "
              "project choice, as for HA/PRP"),
        _rule("WASHOUT-STEROID-ANY-01", WARN,
              InjectionWashout((InjectionAgent.CORTICOSTEROID,), False, 90),
              "Corticosteroid injected into any joint less than 90 days ago (systemic exposure).",
              f"{WASHOUTS} CFG (any joint, 90 days, warn); {CATALOGUE} WASHOUT_IA_STEROID_ANY"),
        _rule("NSAID-01", WARN, NsaidWashout(7),
              "NSAID taken in the last 7 days.",
              f"{WASHOUTS} CFG (7 days, warn); NCT03130335 (NSAIDs < 1 week excluded)"),
    ]


def _medication_rules() -> list[Rule]:
    return [
        _rule("SYSTEMIC-STEROID-01", HARD, NoneOf((Flag.SYSTEMIC_CORTICOSTEROID,)),
              "Current systemic corticosteroid: override only with a written reason.",
              f"{WASHOUTS} CFG; {CATALOGUE} SYSTEMIC_STEROID_CURRENT; NCT03130335, Sadri 2023"),
        _rule("IMMUNOSUPPRESSION-01", HARD,
              NoneOf((Flag.IMMUNOSUPPRESSANT, Flag.IMMUNODEFICIENCY)),
              "Immunosuppressant or immunodeficiency.",
              f"{CATALOGUE} IMMUNOSUPPRESSION (hard_stop); Al-Najar 2017, SCRT 2019, NCT03358654"),
        _rule("ANTICOAGULATION-01", WARN, NoneOf((Flag.ANTICOAGULANT_OR_ANTIPLATELET,)),
              "Anticoagulant or antiplatelet: record a management plan.",
              f"{CATALOGUE} ANTICOAGULATION (warn + management plan); Sadri 2023"),
        _rule("ANTICOAGULATION-02", REASON, NoneOf((Flag.ANTICOAGULANT_OR_ANTIPLATELET,)),
              "Anticoagulant or antiplatelet before a hip injection: explicit review.",
              f"{CATALOGUE} ANTICOAGULATION (hip: explicit review)", HIP),
        _rule("ANTICOAGULATION-03", REASON, NoneOf((Flag.ANTICOAGULANT_OR_ANTIPLATELET,)),
              "Anticoagulant or antiplatelet before a harvest: explicit review.",
              f"{CATALOGUE} ANTICOAGULATION (harvest: explicit review)",
              product_scope=ProductScope.AUTOLOGOUS),
    ]


def _comorbidity_rules() -> list[Rule]:
    return [
        _rule("INFECTION-01", HARD, NoneOf((Flag.ACTIVE_INFECTION,)),
              "Active local or systemic infection: treat it and reassess.",
              f"{CATALOGUE} ACTIVE_INFECTION (hard_stop, all trials)"),
        _rule("MALIGNANCY-01", HARD, NoActiveMalignancy(), "Active malignancy.",
              f"{CATALOGUE} MALIGNANCY (active: hard_stop); SCRT 2019, Sadri 2023"),
        _rule("MALIGNANCY-02", WARN, NoMalignancyWithin(5),
              "Malignancy within the last 5 years: discuss with the oncologist.",
              f"{CATALOGUE} MALIGNANCY (history within 5 y: warn, project choice)"),
        _rule("INFLAMMATORY-01", HARD, NoneOf((Flag.INFLAMMATORY_ARTHRITIS,)),
              "Inflammatory arthritis (RA, PsA, gout, CPPD): a different indication.",
              f"{CATALOGUE} INFLAMMATORY_ARTHRITIS (hard_stop); NCT03130335; §6.2, §6.3"),
        _rule("PREGNANCY-01", HARD, NotPregnantOrLactating(), "Pregnant or breastfeeding.",
              f"{CATALOGUE} PREGNANCY_LACTATION (hard_stop); SCRT 2019, Sadri 2023"),
        _rule("CONTRACEPTION-01", WARN, ContraceptionIfChildbearing(),
              "Childbearing potential without effective contraception: discuss before "
              "an investigational cell product.",
              f"{CATALOGUE} CONTRACEPTION (warn); §6.1 NCT04821102, NCT03477942"),
        _rule("BLEEDING-01", HARD, NoneOf((Flag.BLEEDING_DISORDER,)),
              "Bleeding disorder: override only with a haematology plan and a reason.",
              f"{CATALOGUE} BLEEDING_DISORDER (hard_stop, override); NCT03130335"),
        _rule("DIABETES-01", WARN, DiabetesControlled(8.5, LAB_VALID_DAYS),
              "Diabetes with HbA1c over 8.5 %: improve control first.",
              f"{CATALOGUE} DIABETES_UNCONTROLLED (HbA1c > 8.5 %, warn); Sadri 2023"),
        _rule("LABS-ALT-01", WARN, LabAtMost(LabTest.ALT_IU_L, 100.0, LAB_VALID_DAYS),
              "ALT over 100 IU/L.", f"{CATALOGUE} LABS (ALT/AST > 100 IU/L, warn); Sadri 2023"),
        _rule("LABS-AST-01", WARN, LabAtMost(LabTest.AST_IU_L, 100.0, LAB_VALID_DAYS),
              "AST over 100 IU/L.", f"{CATALOGUE} LABS (ALT/AST > 100 IU/L, warn); Sadri 2023"),
        _rule("LABS-CREATININE-01", WARN,
              LabAtMost(LabTest.CREATININE_MG_DL, 2.0, LAB_VALID_DAYS),
              "Creatinine over 2 mg/dL.", f"{CATALOGUE} LABS (Cr > 2 mg/dL, warn); Sadri 2023"),
    ]


def _joint_rules() -> list[Rule]:
    return [
        _rule("SURGERY-TARGET-01", WARN, NoRecentSurgeryOnTarget(6),
              "Surgery on this joint within 6 months.",
              f"{CATALOGUE} PRIOR_SURGERY_TARGET (within 6 months warn); NCT03130335"),
        _rule("ARTHROPLASTY-TARGET-01", HARD, NoArthroplastyOfTarget(),
              "This joint has been replaced.",
              f"{CATALOGUE} PRIOR_SURGERY_TARGET (arthroplasty hard_stop); §6.3"),
        _rule("ALIGNMENT-KNEE-01", WARN, MaximumMalalignment(5.0),
              "Varus or valgus over 5 degrees: consider offloading or osteotomy.",
              f"{CATALOGUE} MALALIGNMENT (> 5 degrees warn); §6.1 JointStem, Danish RCT", KNEE),
        _rule("MECHANICAL-01", WARN, NoneOf((Flag.MECHANICAL_SYMPTOMS,)),
              "Mechanical symptoms (locking, loose bodies, instability): refer for review.",
              f"{CATALOGUE} MECHANICAL_SYMPTOMS (warn, refer); NCT03130335"),
        _rule("HIP-AVN-01", HARD, NoneOf((Flag.AVASCULAR_NECROSIS,)),
              "Avascular necrosis of the hip: a different indication, not this OA pathway.",
              f"{CATALOGUE} HIP_AVN (hard_stop for OA pathway); §6.2", HIP),
        _rule("SHOULDER-RCT-01", WARN, NoneOf((Flag.FULL_THICKNESS_ROTATOR_CUFF_TEAR,)),
              "Full-thickness rotator cuff tear: a different indication; discuss.",
              f"{CATALOGUE} SHOULDER_FT_RCT (warn); §6.3", SHOULDER),
    ]


DEFAULT_PROTOCOL = Protocol(
    name="orthoregen default candidacy",
    version="2026.1",
    status=ProtocolStatus.PUBLISHED,
    rules=tuple(
        _grade_rules() + _patient_rules() + _washout_rules() + _medication_rules()
        + _comorbidity_rules() + _joint_rules()
    ),
)
