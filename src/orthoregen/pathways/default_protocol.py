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
from orthoregen.pathways.facts import InjectionAgent, JointScope
from orthoregen.pathways.history import (
    InjectionWashout,
    NoArthroplastyOfTarget,
    NoOtherTrialWithin,
    NoRecentSurgeryOnTarget,
    NsaidWashout,
)
from orthoregen.pathways.protocol import (
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
HABIB_2009 = "Habib GS, Clin Rheumatol 2009;28:749-56, doi:10.1007/s10067-009-1135-x"
HABIB_2014 = "Habib G et al., Clin Rheumatol 2014, doi:10.1007/s10067-013-2374-4"
THIS, ANY = JointScope.THIS_JOINT, JointScope.ANY_JOINT
# Labs older than this count as not collected. Lab values need a validity window but no
# source gives one: project choice, about one HbA1c cycle.
LAB_VALID_DAYS = 90


def _grade_rules() -> list[Rule]:
    return [
        Rule(
            id="KNEE-GRADE-01",
            severity=HARD,
            check=RadiographicGradeWithin(scale=KL, lowest=1, highest=4),
            sentence="KL 0: no radiographic osteoarthritis of the knee.",
            source=f"{KL_1957} (KL 0: no OA); {GRADE}",
            joints=KNEE,
        ),
        Rule(
            id="KNEE-GRADE-02",
            severity=REASON,
            check=RadiographicGradeWithin(scale=KL, lowest=2, highest=3),
            sentence=(
                "KL 1 or 4: give a reason and discuss expectations (KL 4: limited regenerative "
                "substrate, arthroplasty is the alternative)."
            ),
            source=(
                "KL 2-3 pass, KL 1 or 4 need a reason: KL 2-3 in NCT02118519, NCT03358654 and "
                f"{AD_MPC_2019}; ESSKA-ORBIT consensus 2025, doi:10.1002/ksa.70001 (less benefit "
                f"in KL 4); {GRADE}"
            ),
            joints=KNEE,
        ),
        Rule(
            id="HIP-GRADE-01",
            severity=HARD,
            check=RadiographicGradeWithin(scale=TONNIS, lowest=1, highest=3),
            sentence="Tönnis 0: no radiographic osteoarthritis of the hip.",
            source=f"{TONNIS_GRADES} (Tönnis 0: no OA); {GRADE}",
            joints=HIP,
        ),
        Rule(
            id="HIP-GRADE-02",
            severity=WARN,
            check=RadiographicGradeWithin(scale=TONNIS, lowest=0, highest=2),
            sentence="Tönnis 3 (severe): discuss expectations and total hip arthroplasty.",
            source=(
                "Tönnis 1-2 pass, 3 warns (discuss THA): hip series of mild to moderate OA "
                f"(Mardones R et al., J Hip Preserv Surg 2017;4:159-63); {GRADE}"
            ),
            joints=HIP,
        ),
        Rule(
            id="HIP-GRADE-03",
            severity=HARD,
            check=RadiographicGradeWithin(scale=KL, lowest=1, highest=4),
            sentence="KL 0: no radiographic osteoarthritis of the hip.",
            source=f"{KL_1957} (KL 0: no OA; the hip may be graded with KL); {GRADE}",
            joints=HIP,
        ),
        Rule(
            id="HIP-GRADE-04",
            severity=WARN,
            check=RadiographicGradeWithin(scale=KL, lowest=2, highest=3),
            sentence="KL 1 or 4 hip: doubtful or end-stage disease; discuss expectations and THA.",
            source=(
                "project choice: KL 2-3 read as Tönnis 1-2 (mild-moderate), by the wording of "
                f"{KL_1957} and {TONNIS_GRADES}; {GRADE}"
            ),
            joints=HIP,
        ),
        Rule(
            id="SHOULDER-GRADE-01",
            severity=HARD,
            check=RadiographicGradeWithin(scale=SP, lowest=1, highest=3),
            sentence="Samilson-Prieto 0: no glenohumeral arthropathy on the radiograph.",
            source=(
                f"{SP_1983} (grades I-III; 0 = no arthropathy is this project's convention); "
                f"{GRADE}"
            ),
            joints=SHOULDER,
        ),
        Rule(
            id="SHOULDER-GRADE-02",
            severity=WARN,
            check=RadiographicGradeWithin(scale=SP, lowest=0, highest=2),
            sentence="Samilson-Prieto III (severe): discuss expectations and arthroplasty.",
            source=(
                "Samilson-Prieto I-II pass, III warns: shoulder series treat early-stage disease "
                f"(Centeno CJ et al., J Pain Res 2015;8:269-76); {GRADE}"
            ),
            joints=SHOULDER,
        ),
    ]


def _patient_rules() -> list[Rule]:
    return [
        Rule(
            id="AGE-MIN-01",
            severity=HARD,
            check=MinimumAge(18),
            sentence="Under 18: not treated in this pathway.",
            source=f"adults only, e.g. JointStem NCT04368806 (>= 18); {PATIENT}",
        ),
        Rule(
            id="AGE-MAX-01",
            severity=WARN,
            check=MaximumAge(80),
            sentence="Over 80: outside the ages studied; discuss expectations.",
            source=(
                "trial upper limits 65-79 (NCT02118519, NCT03358654, NCT03130335); warn over 80: "
                f"{PATIENT}"
            ),
        ),
        Rule(
            id="BMI-01",
            severity=WARN,
            check=MaximumBmi(30.0),
            sentence="BMI over 30: discuss weight loss and expectations.",
            source=f"BMI <= 30 in {AD_MPC_2019} and NCT03358654; {PATIENT}",
        ),
        Rule(
            id="BMI-02",
            severity=REASON,
            check=MaximumBmi(35.0),
            sentence="BMI over 35: give a reason for treating now.",
            source=f"BMI <= 35 in {SADRI_2023}; {PATIENT}",
        ),
        Rule(
            id="SYMPTOMS-01",
            severity=REASON,
            check=MinimumSymptomDuration(3),
            sentence="Symptoms for less than 3 months: give a reason for not waiting.",
            source=(
                "symptoms >= 12 weeks in JointStem NCT04368806, >= 3 months in NCT03130335 "
                f"(severity needs_reason: project choice); {HISTORY}"
            ),
        ),
        Rule(
            id="PAIN-BASELINE-01",
            severity=WARN,
            check=BaselinePainRecorded(),
            sentence=(
                "Record baseline pain (VAS or NRS) before treatment: outcomes are measured "
                "against it."
            ),
            source=(
                "outcomes are change from baseline; trials required VAS 3 to 7 of 10 or more, so "
                f"no threshold is set; {HISTORY}"
            ),
        ),
        Rule(
            id="POST-TRAUMATIC-01",
            severity=Severity.INFO,
            check=NoneOf((Flag.POST_TRAUMATIC_OA,)),
            sentence="Post-traumatic osteoarthritis: excluded from some trials; note it.",
            source=f"post-traumatic arthritis excluded by NCT05985785; {HISTORY}",
        ),
        Rule(
            id="CONSERVATIVE-01",
            severity=WARN,
            check=MinimumFailedConservativeCare(2),
            sentence="Fewer than 2 documented failed conservative treatments: offer them first.",
            source=(
                "NCT03130335 (>= 2 failed conservative treatments); core OA care per Kolasinski SL "
                f"et al., Arthritis Care Res 2020;72:149-62, doi:10.1002/acr.24131; {HISTORY}"
            ),
        ),
        Rule(
            id="SMOKING-01",
            severity=WARN,
            check=NoneOf((Flag.CURRENT_SMOKER,)),
            sentence="Current smoker: advise stopping; discuss expectations.",
            source=f"current smokers excluded by NCT03130335; {HISTORY}",
        ),
        Rule(
            id="OTHER-TRIAL-01",
            severity=HARD,
            check=NoOtherTrialWithin(30),
            sentence="In another trial, or its investigational product within 30 days.",
            source=f"no other trial within 30 days in {AD_MPC_2019} and NCT03358654; {HISTORY}",
        ),
    ]


def _washout_rules() -> list[Rule]:
    return [
        Rule(
            id="WASHOUT-STEROID-TARGET-01",
            severity=HARD,
            check=InjectionWashout(
                agents=(InjectionAgent.CORTICOSTEROID,), joint_scope=THIS, days=90
            ),
            sentence=(
                "Corticosteroid injected into this joint less than 90 days ago (toxic to MSCs)."
            ),
            source=(
                f"corticosteroid cytotoxicity to MSCs ({WYLES_2015}); IA injection excluded for 3 "
                f"months in NCT03358654 and NCT05985785; {WASHOUTS}"
            ),
        ),
        Rule(
            id="WASHOUT-HA-PRP-TARGET-01",
            severity=WARN,
            check=InjectionWashout(
                agents=(InjectionAgent.HYALURONIC_ACID, InjectionAgent.PRP),
                joint_scope=THIS,
                days=90,
            ),
            sentence="Hyaluronic acid or PRP injected into this joint less than 90 days ago.",
            source=(
                "IA injection of any drug excluded for 3 months (NCT03358654, NCT03357770, "
                f"NCT05985785); {WASHOUTS}"
            ),
        ),
        Rule(
            id="WASHOUT-BIOLOGIC-TARGET-01",
            severity=WARN,
            check=InjectionWashout(
                agents=(InjectionAgent.OTHER_BIOLOGIC,), joint_scope=THIS, days=90
            ),
            sentence="Another biologic injected into this joint less than 90 days ago.",
            source=(
                "IA injection of any drug excluded for 3 months (NCT03358654, NCT05985785); "
                f"severity as for HA/PRP: project choice; {WASHOUTS}"
            ),
        ),
        Rule(
            id="WASHOUT-STEROID-ANY-01",
            severity=WARN,
            check=InjectionWashout(
                agents=(InjectionAgent.CORTICOSTEROID,), joint_scope=ANY, days=90
            ),
            sentence=(
                "Corticosteroid injected into any joint less than 90 days ago (systemic exposure)."
            ),
            source=f"systemic exposure to an injected corticosteroid ({WYLES_2015}); {WASHOUTS}",
        ),
        Rule(
            id="WASHOUT-STEROID-ANY-02",
            severity=HARD,
            check=InjectionWashout(
                agents=(InjectionAgent.CORTICOSTEROID,), joint_scope=ANY, days=28
            ),
            sentence=(
                "Corticosteroid injected into any joint less than 4 weeks ago (its systemic "
                "effect on the adrenal axis lasts 1-4 weeks)."
            ),
            source=(
                f"serum cortisol recovers 1-4 weeks after an intra-articular corticosteroid "
                f"({HABIB_2009}); adrenal insufficiency seen from week 2 to week 4 after 80 mg "
                f"methylprednisolone into the knee ({HABIB_2014}); {WASHOUTS}"
            ),
        ),
        Rule(
            id="NSAID-01",
            severity=WARN,
            check=NsaidWashout(7),
            sentence="NSAID taken in the last 7 days.",
            source=f"NSAIDs within 1 week excluded by NCT03130335; {WASHOUTS}",
        ),
    ]


def _medication_rules() -> list[Rule]:
    return [
        Rule(
            id="SYSTEMIC-STEROID-01",
            severity=HARD,
            check=NoneOf((Flag.SYSTEMIC_CORTICOSTEROID,)),
            sentence="Current systemic corticosteroid: override only with a written reason.",
            source=(
                f"current systemic corticosteroid excluded by NCT03130335 and {SADRI_2023}; "
                f"{MEDICATION}"
            ),
        ),
        Rule(
            id="IMMUNOSUPPRESSION-01",
            severity=HARD,
            check=NoneOf((Flag.IMMUNOSUPPRESSANT, Flag.IMMUNODEFICIENCY)),
            sentence="Immunosuppressant or immunodeficiency.",
            source=f"excluded by NCT02118519, {AD_MPC_2019} and NCT03358654; {MEDICATION}",
        ),
        Rule(
            id="ANTICOAGULATION-01",
            severity=WARN,
            check=NoneOf((Flag.ANTICOAGULANT_OR_ANTIPLATELET,)),
            sentence="Anticoagulant or antiplatelet: record a management plan.",
            source=f"anticoagulants excluded by {SADRI_2023}; {MEDICATION}",
        ),
        Rule(
            id="ANTICOAGULATION-02",
            severity=REASON,
            check=NoneOf((Flag.ANTICOAGULANT_OR_ANTIPLATELET,)),
            sentence="Anticoagulant or antiplatelet before a hip injection: explicit review.",
            source=f"deep hip access: explicit review; {MEDICATION}",
            joints=HIP,
        ),
        Rule(
            id="ANTICOAGULATION-03",
            severity=REASON,
            check=NoneOf((Flag.ANTICOAGULANT_OR_ANTIPLATELET,)),
            sentence="Anticoagulant or antiplatelet before a harvest: explicit review.",
            source=f"bone marrow or adipose harvest: explicit review; {MEDICATION}",
            product_scope=ProductScope.AUTOLOGOUS,
        ),
    ]


def _comorbidity_rules() -> list[Rule]:
    return [
        Rule(
            id="INFECTION-01",
            severity=HARD,
            check=NoneOf((Flag.ACTIVE_INFECTION,)),
            sentence="Active local or systemic infection: treat it and reassess.",
            source=(
                f"active infection excluded by every trial of {DOCS}#trials-behind-the-defaults; "
                f"{COMORBIDITY}"
            ),
        ),
        Rule(
            id="MALIGNANCY-01",
            severity=HARD,
            check=NoActiveMalignancy(),
            sentence="Active malignancy.",
            source=f"malignancy excluded by {AD_MPC_2019} and {SADRI_2023}; {COMORBIDITY}",
        ),
        Rule(
            id="MALIGNANCY-02",
            severity=WARN,
            check=NoMalignancyWithin(5),
            sentence="Malignancy within the last 5 years: discuss with the oncologist.",
            source=f"history within 5 years: project choice; {COMORBIDITY}",
        ),
        Rule(
            id="INFLAMMATORY-01",
            severity=HARD,
            check=NoneOf((Flag.INFLAMMATORY_ARTHRITIS,)),
            sentence="Inflammatory arthritis (RA, PsA, gout, CPPD): a different indication.",
            source=(
                "inflammatory joint disease excluded by NCT03130335: a different indication; "
                f"{COMORBIDITY}"
            ),
        ),
        Rule(
            id="PREGNANCY-01",
            severity=HARD,
            check=NotPregnantOrLactating(),
            sentence="Pregnant or breastfeeding.",
            source=f"excluded by {AD_MPC_2019} and {SADRI_2023}; {COMORBIDITY}",
        ),
        Rule(
            id="CONTRACEPTION-01",
            severity=WARN,
            check=ContraceptionIfChildbearing(),
            sentence=(
                "Childbearing potential without effective contraception: discuss before "
                "an investigational cell product."
            ),
            source=f"contraception required by NCT04821102 and NCT03477942; {COMORBIDITY}",
        ),
        Rule(
            id="BLEEDING-01",
            severity=HARD,
            check=NoneOf((Flag.BLEEDING_DISORDER,)),
            sentence="Bleeding disorder: override only with a haematology plan and a reason.",
            source=f"bleeding disorders excluded by NCT03130335 and {SADRI_2023}; {COMORBIDITY}",
        ),
        Rule(
            id="DIABETES-01",
            severity=WARN,
            check=DiabetesControlled(max_hba1c_percent=8.5, hba1c_valid_for_days=LAB_VALID_DAYS),
            sentence="Diabetes with HbA1c over 8.5 %: improve control first.",
            source=f"HbA1c > 8.5 % excluded by {SADRI_2023}; {LABS}",
        ),
        Rule(
            id="LABS-ALT-01",
            severity=WARN,
            check=LabAtMost(
                test=LabTest.ALT_IU_L, upper_limit=100.0, valid_for_days=LAB_VALID_DAYS
            ),
            sentence="ALT over 100 IU/L.",
            source=f"ALT/AST > 100 IU/L excluded by {SADRI_2023}; {LABS}",
        ),
        Rule(
            id="LABS-AST-01",
            severity=WARN,
            check=LabAtMost(
                test=LabTest.AST_IU_L, upper_limit=100.0, valid_for_days=LAB_VALID_DAYS
            ),
            sentence="AST over 100 IU/L.",
            source=f"ALT/AST > 100 IU/L excluded by {SADRI_2023}; {LABS}",
        ),
        Rule(
            id="LABS-CREATININE-01",
            severity=WARN,
            check=LabAtMost(
                test=LabTest.CREATININE_MG_DL, upper_limit=2.0, valid_for_days=LAB_VALID_DAYS
            ),
            sentence="Creatinine over 2 mg/dL.",
            source=f"Cr > 2 mg/dL excluded by {SADRI_2023}; {LABS}",
        ),
    ]


def _joint_rules() -> list[Rule]:
    return [
        Rule(
            id="SURGERY-TARGET-01",
            severity=WARN,
            check=NoRecentSurgeryOnTarget(6),
            sentence="Surgery on this joint within 6 months.",
            source=f"previous knee surgery excluded by NCT03130335; 6 months: {JOINT}",
        ),
        Rule(
            id="ARTHROPLASTY-TARGET-01",
            severity=HARD,
            check=NoArthroplastyOfTarget(),
            sentence="This joint has been replaced.",
            source=f"a replaced joint has no native cartilage to treat; {JOINT}",
        ),
        Rule(
            id="ALIGNMENT-KNEE-01",
            severity=WARN,
            check=MaximumMalalignment(5.0),
            sentence="Varus or valgus over 5 degrees: consider offloading or osteotomy.",
            source=(
                "varus <= 5 degrees in JointStem NCT04368806 and a Danish allogeneic adipose MSC "
                f"trial; {JOINT}"
            ),
            joints=KNEE,
        ),
        Rule(
            id="MECHANICAL-01",
            severity=WARN,
            check=NoneOf((Flag.MECHANICAL_SYMPTOMS,)),
            sentence="Mechanical symptoms (locking, loose bodies, instability): refer for review.",
            source=(
                "loose bodies, ligament deficiency, mechanical symptoms excluded by NCT03130335; "
                f"{JOINT}"
            ),
        ),
        Rule(
            id="HIP-AVN-01",
            severity=HARD,
            check=NoneOf((Flag.AVASCULAR_NECROSIS,)),
            sentence="Avascular necrosis of the hip: a different indication, not this OA pathway.",
            source=f"osteonecrosis is a different indication with its own trials; {JOINT}",
            joints=HIP,
        ),
        Rule(
            id="SHOULDER-RCT-01",
            severity=WARN,
            check=NoneOf((Flag.FULL_THICKNESS_ROTATOR_CUFF_TEAR,)),
            sentence="Full-thickness rotator cuff tear: a different indication; discuss.",
            source=(
                "a different indication; shoulder series mix it with OA (Centeno CJ et al., J Pain "
                f"Res 2015;8:269-76); {JOINT}"
            ),
            joints=SHOULDER,
        ),
    ]


DEFAULT_PROTOCOL = Protocol(
    name="orthoregen default candidacy",
    version="2026.2",
    status=ProtocolStatus.PUBLISHED,
    rules=tuple(
        _grade_rules() + _patient_rules() + _washout_rules() + _medication_rules()
        + _comorbidity_rules() + _joint_rules()
    ),
)
