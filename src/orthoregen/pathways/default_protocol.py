"""The default candidacy protocol: rules and washouts of docs/candidacy.md#default-protocol.

No guideline says who should receive an intra-articular MSC injection, so every threshold is
a project default chosen from published trial criteria (every rule's basis is CFG, the
project's overridable default), and every rule's source names those trials or standards
first and the docs section second. Where no source gives a value the choice is marked
"project choice" in the rule's source, so a clinic can see what to review.
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
DOCS = "docs/candidacy.md"
GRADE = f"project default, {DOCS}#radiographic-grade"
PATIENT = f"project default, {DOCS}#age-and-body-mass-index"
HISTORY = f"project default, {DOCS}#symptoms-and-prior-care"
WASHOUTS = f"project default, {DOCS}#washouts"
MEDICATION = f"project default, {DOCS}#medication"
COMORBIDITY = f"project default, {DOCS}#comorbidities"
LABS = f"project default, {DOCS}#laboratory-values"
JOINT = f"project default, {DOCS}#joint-specific-rules"
KL_1957 = "Kellgren JH, Lawrence JS, Ann Rheum Dis 1957;16:494-502"
TONNIS_GRADES = "Tönnis D 1987, as in Kovalenko B et al., Clin Orthop Relat Res 2018"
SP_1983 = "Samilson RL, Prieto V, J Bone Joint Surg Am 1983;65:456-60"
AD_MPC_2019 = "Stem Cell Res Ther 2019, doi:10.1186/s13287-019-1406-7"
SADRI_2023 = "Sadri B et al., Stem Cell Res Ther 2023, doi:10.1186/s13287-023-03359-8"
WYLES_2015 = "Wyles CC et al., Clin Orthop Relat Res 2015;473:1155"
# Labs older than this count as not collected. Lab values need a validity window but no
# source gives one: project choice, about one HbA1c cycle.
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
              f"{KL_1957} (KL 0: no OA); {GRADE}", KNEE),
        _rule("KNEE-GRADE-02", REASON, RadiographicGradeWithin(KL, 2, 3),
              "KL 1 or 4: give a reason and discuss expectations (KL 4: limited regenerative "
              "substrate, arthroplasty is the alternative).",
              "KL 2-3 pass, KL 1 or 4 need a reason: KL 2-3 in NCT02118519, NCT03358654 and "
              f"{AD_MPC_2019}; ESSKA-ORBIT consensus 2025, doi:10.1002/ksa.70001 (less benefit "
              f"in KL 4); {GRADE}", KNEE),
        _rule("HIP-GRADE-01", HARD, RadiographicGradeWithin(TONNIS, 1, 3),
              "Tönnis 0: no radiographic osteoarthritis of the hip.",
              f"{TONNIS_GRADES} (Tönnis 0: no OA); {GRADE}", HIP),
        _rule("HIP-GRADE-02", WARN, RadiographicGradeWithin(TONNIS, 0, 2),
              "Tönnis 3 (severe): discuss expectations and total hip arthroplasty.",
              "Tönnis 1-2 pass, 3 warns (discuss THA): hip series of mild to moderate OA "
              f"(Mardones R et al., J Hip Preserv Surg 2017;4:159-63); {GRADE}", HIP),
        _rule("HIP-GRADE-03", HARD, RadiographicGradeWithin(KL, 1, 4),
              "KL 0: no radiographic osteoarthritis of the hip.",
              f"{KL_1957} (KL 0: no OA; the hip may be graded with KL); {GRADE}", HIP),
        _rule("HIP-GRADE-04", WARN, RadiographicGradeWithin(KL, 2, 3),
              "KL 1 or 4 hip: doubtful or end-stage disease; discuss expectations and THA.",
              "project choice: KL 2-3 read as Tönnis 1-2 (mild-moderate), by the wording of "
              f"{KL_1957} and {TONNIS_GRADES}; {GRADE}", HIP),
        _rule("SHOULDER-GRADE-01", HARD, RadiographicGradeWithin(SP, 1, 3),
              "Samilson-Prieto 0: no glenohumeral arthropathy on the radiograph.",
              f"{SP_1983} (grades I-III; 0 = no arthropathy is this project's convention); "
              f"{GRADE}", SHOULDER),
        _rule("SHOULDER-GRADE-02", WARN, RadiographicGradeWithin(SP, 0, 2),
              "Samilson-Prieto III (severe): discuss expectations and arthroplasty.",
              "Samilson-Prieto I-II pass, III warns: shoulder series treat early-stage disease "
              f"(Centeno CJ et al., J Pain Res 2015;8:269-76); {GRADE}", SHOULDER),
    ]


def _patient_rules() -> list[Rule]:
    return [
        _rule("AGE-MIN-01", HARD, MinimumAge(18), "Under 18: not treated in this pathway.",
              f"adults only, e.g. JointStem NCT04368806 (>= 18); {PATIENT}"),
        _rule("AGE-MAX-01", WARN, MaximumAge(80),
              "Over 80: outside the ages studied; discuss expectations.",
              "trial upper limits 65-79 (NCT02118519, NCT03358654, NCT03130335); warn over 80: "
              f"{PATIENT}"),
        _rule("BMI-01", WARN, MaximumBmi(30.0),
              "BMI over 30: discuss weight loss and expectations.",
              f"BMI <= 30 in {AD_MPC_2019} and NCT03358654; {PATIENT}"),
        _rule("BMI-02", REASON, MaximumBmi(35.0),
              "BMI over 35: give a reason for treating now.",
              f"BMI <= 35 in {SADRI_2023}; {PATIENT}"),
        _rule("SYMPTOMS-01", REASON, MinimumSymptomDuration(3),
              "Symptoms for less than 3 months: give a reason for not waiting.",
              "symptoms >= 12 weeks in JointStem NCT04368806, >= 3 months in NCT03130335 "
              f"(severity needs_reason: project choice); {HISTORY}"),
        _rule("PAIN-BASELINE-01", WARN, BaselinePainRecorded(),
              "Record baseline pain (VAS or NRS) before treatment: outcomes are measured "
              "against it.",
              "outcomes are change from baseline; trials required VAS 3 to 7 of 10 or more, so "
              f"no threshold is set; {HISTORY}"),
        _rule("POST-TRAUMATIC-01", Severity.INFO, NoneOf((Flag.POST_TRAUMATIC_OA,)),
              "Post-traumatic osteoarthritis: excluded from some trials; note it.",
              f"post-traumatic arthritis excluded by NCT05985785; {HISTORY}"),
        _rule("CONSERVATIVE-01", WARN, MinimumFailedConservativeCare(2),
              "Fewer than 2 documented failed conservative treatments: offer them first.",
              "NCT03130335 (>= 2 failed conservative treatments); core OA care per Kolasinski SL "
              f"et al., Arthritis Care Res 2020;72:149-62, doi:10.1002/acr.24131; {HISTORY}"),
        _rule("SMOKING-01", WARN, NoneOf((Flag.CURRENT_SMOKER,)),
              "Current smoker: advise stopping; discuss expectations.",
              f"current smokers excluded by NCT03130335; {HISTORY}"),
        _rule("OTHER-TRIAL-01", HARD, NoOtherTrialWithin(30),
              "In another trial, or its investigational product within 30 days.",
              f"no other trial within 30 days in {AD_MPC_2019} and NCT03358654; {HISTORY}"),
    ]


def _washout_rules() -> list[Rule]:
    return [
        _rule("WASHOUT-STEROID-TARGET-01", HARD,
              InjectionWashout((InjectionAgent.CORTICOSTEROID,), True, 90),
              "Corticosteroid injected into this joint less than 90 days ago (toxic to MSCs).",
              f"corticosteroid cytotoxicity to MSCs ({WYLES_2015}); IA injection excluded for 3 "
              f"months in NCT03358654 and NCT05985785; {WASHOUTS}"),
        _rule("WASHOUT-HA-PRP-TARGET-01", WARN,
              InjectionWashout((InjectionAgent.HYALURONIC_ACID, InjectionAgent.PRP), True, 90),
              "Hyaluronic acid or PRP injected into this joint less than 90 days ago.",
              "IA injection of any drug excluded for 3 months (NCT03358654, NCT03357770, "
              f"NCT05985785); {WASHOUTS}"),
        _rule("WASHOUT-BIOLOGIC-TARGET-01", WARN,
              InjectionWashout((InjectionAgent.OTHER_BIOLOGIC,), True, 90),
              "Another biologic injected into this joint less than 90 days ago.",
              "IA injection of any drug excluded for 3 months (NCT03358654, NCT05985785); "
              f"severity as for HA/PRP: project choice; {WASHOUTS}"),
        _rule("WASHOUT-STEROID-ANY-01", WARN,
              InjectionWashout((InjectionAgent.CORTICOSTEROID,), False, 90),
              "Corticosteroid injected into any joint less than 90 days ago (systemic exposure).",
              f"systemic exposure to an injected corticosteroid ({WYLES_2015}); {WASHOUTS}"),
        _rule("NSAID-01", WARN, NsaidWashout(7),
              "NSAID taken in the last 7 days.",
              f"NSAIDs within 1 week excluded by NCT03130335; {WASHOUTS}"),
    ]


def _medication_rules() -> list[Rule]:
    return [
        _rule("SYSTEMIC-STEROID-01", HARD, NoneOf((Flag.SYSTEMIC_CORTICOSTEROID,)),
              "Current systemic corticosteroid: override only with a written reason.",
              f"current systemic corticosteroid excluded by NCT03130335 and {SADRI_2023}; "
              f"{MEDICATION}"),
        _rule("IMMUNOSUPPRESSION-01", HARD,
              NoneOf((Flag.IMMUNOSUPPRESSANT, Flag.IMMUNODEFICIENCY)),
              "Immunosuppressant or immunodeficiency.",
              f"excluded by NCT02118519, {AD_MPC_2019} and NCT03358654; {MEDICATION}"),
        _rule("ANTICOAGULATION-01", WARN, NoneOf((Flag.ANTICOAGULANT_OR_ANTIPLATELET,)),
              "Anticoagulant or antiplatelet: record a management plan.",
              f"anticoagulants excluded by {SADRI_2023}; {MEDICATION}"),
        _rule("ANTICOAGULATION-02", REASON, NoneOf((Flag.ANTICOAGULANT_OR_ANTIPLATELET,)),
              "Anticoagulant or antiplatelet before a hip injection: explicit review.",
              f"deep hip access: explicit review; {MEDICATION}", HIP),
        _rule("ANTICOAGULATION-03", REASON, NoneOf((Flag.ANTICOAGULANT_OR_ANTIPLATELET,)),
              "Anticoagulant or antiplatelet before a harvest: explicit review.",
              f"bone marrow or adipose harvest: explicit review; {MEDICATION}",
              product_scope=ProductScope.AUTOLOGOUS),
    ]


def _comorbidity_rules() -> list[Rule]:
    return [
        _rule("INFECTION-01", HARD, NoneOf((Flag.ACTIVE_INFECTION,)),
              "Active local or systemic infection: treat it and reassess.",
              f"active infection excluded by every trial of {DOCS}#trials-behind-the-defaults; "
              f"{COMORBIDITY}"),
        _rule("MALIGNANCY-01", HARD, NoActiveMalignancy(), "Active malignancy.",
              f"malignancy excluded by {AD_MPC_2019} and {SADRI_2023}; {COMORBIDITY}"),
        _rule("MALIGNANCY-02", WARN, NoMalignancyWithin(5),
              "Malignancy within the last 5 years: discuss with the oncologist.",
              f"history within 5 years: project choice; {COMORBIDITY}"),
        _rule("INFLAMMATORY-01", HARD, NoneOf((Flag.INFLAMMATORY_ARTHRITIS,)),
              "Inflammatory arthritis (RA, PsA, gout, CPPD): a different indication.",
              "inflammatory joint disease excluded by NCT03130335: a different indication; "
              f"{COMORBIDITY}"),
        _rule("PREGNANCY-01", HARD, NotPregnantOrLactating(), "Pregnant or breastfeeding.",
              f"excluded by {AD_MPC_2019} and {SADRI_2023}; {COMORBIDITY}"),
        _rule("CONTRACEPTION-01", WARN, ContraceptionIfChildbearing(),
              "Childbearing potential without effective contraception: discuss before "
              "an investigational cell product.",
              f"contraception required by NCT04821102 and NCT03477942; {COMORBIDITY}"),
        _rule("BLEEDING-01", HARD, NoneOf((Flag.BLEEDING_DISORDER,)),
              "Bleeding disorder: override only with a haematology plan and a reason.",
              f"bleeding disorders excluded by NCT03130335 and {SADRI_2023}; {COMORBIDITY}"),
        _rule("DIABETES-01", WARN, DiabetesControlled(8.5, LAB_VALID_DAYS),
              "Diabetes with HbA1c over 8.5 %: improve control first.",
              f"HbA1c > 8.5 % excluded by {SADRI_2023}; {LABS}"),
        _rule("LABS-ALT-01", WARN, LabAtMost(LabTest.ALT_IU_L, 100.0, LAB_VALID_DAYS),
              "ALT over 100 IU/L.", f"ALT/AST > 100 IU/L excluded by {SADRI_2023}; {LABS}"),
        _rule("LABS-AST-01", WARN, LabAtMost(LabTest.AST_IU_L, 100.0, LAB_VALID_DAYS),
              "AST over 100 IU/L.", f"ALT/AST > 100 IU/L excluded by {SADRI_2023}; {LABS}"),
        _rule("LABS-CREATININE-01", WARN,
              LabAtMost(LabTest.CREATININE_MG_DL, 2.0, LAB_VALID_DAYS),
              "Creatinine over 2 mg/dL.", f"Cr > 2 mg/dL excluded by {SADRI_2023}; {LABS}"),
    ]


def _joint_rules() -> list[Rule]:
    return [
        _rule("SURGERY-TARGET-01", WARN, NoRecentSurgeryOnTarget(6),
              "Surgery on this joint within 6 months.",
              f"previous knee surgery excluded by NCT03130335; 6 months: {JOINT}"),
        _rule("ARTHROPLASTY-TARGET-01", HARD, NoArthroplastyOfTarget(),
              "This joint has been replaced.",
              f"a replaced joint has no native cartilage to treat; {JOINT}"),
        _rule("ALIGNMENT-KNEE-01", WARN, MaximumMalalignment(5.0),
              "Varus or valgus over 5 degrees: consider offloading or osteotomy.",
              "varus <= 5 degrees in JointStem NCT04368806 and a Danish allogeneic adipose MSC "
              f"trial; {JOINT}", KNEE),
        _rule("MECHANICAL-01", WARN, NoneOf((Flag.MECHANICAL_SYMPTOMS,)),
              "Mechanical symptoms (locking, loose bodies, instability): refer for review.",
              "loose bodies, ligament deficiency, mechanical symptoms excluded by NCT03130335; "
              f"{JOINT}"),
        _rule("HIP-AVN-01", HARD, NoneOf((Flag.AVASCULAR_NECROSIS,)),
              "Avascular necrosis of the hip: a different indication, not this OA pathway.",
              f"osteonecrosis is a different indication with its own trials; {JOINT}", HIP),
        _rule("SHOULDER-RCT-01", WARN, NoneOf((Flag.FULL_THICKNESS_ROTATOR_CUFF_TEAR,)),
              "Full-thickness rotator cuff tear: a different indication; discuss.",
              "a different indication; shoulder series mix it with OA (Centeno CJ et al., J Pain "
              f"Res 2015;8:269-76); {JOINT}", SHOULDER),
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
