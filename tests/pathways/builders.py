"""Complete candidacy facts that pass every default rule, to vary one fact at a time."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from typing import Any

from orthoregen.pathways.facts import (
    CandidacyFacts,
    Comorbidities,
    ConservativeTreatment,
    Examination,
    GradeScale,
    Joint,
    Labs,
    LabValue,
    Malignancy,
    MalignancyStatus,
    Medications,
    MriFindings,
    PainScale,
    PainScore,
    ProductSource,
    RadiographicGrade,
    Sex,
    Side,
    TrialParticipation,
)

ASSESSED_ON = date(2026, 3, 2)
GRADE_SCALE = {
    Joint.KNEE: GradeScale.KELLGREN_LAWRENCE,
    Joint.HIP: GradeScale.TONNIS,
    Joint.SHOULDER: GradeScale.SAMILSON_PRIETO,
}
# Mid-range grades that the catalogue passes: KL 2-3, Tönnis 1-2, Samilson-Prieto I-II.
PASSING_GRADE = {Joint.KNEE: 2, Joint.HIP: 1, Joint.SHOULDER: 1}


def days_ago(days: int) -> date:
    return ASSESSED_ON - timedelta(days=days)


def lab(value: float, age_days: int = 10) -> LabValue:
    return LabValue(value, days_ago(age_days))


def complete_facts(joint: Joint = Joint.KNEE, side: Side = Side.LEFT) -> CandidacyFacts:
    """Return fully recorded facts that pass every default rule on ASSESSED_ON."""
    return CandidacyFacts(
        joint=joint,
        side=side,
        sex=Sex.FEMALE,
        age_years=55,
        bmi_kg_m2=26.0,
        radiograph=RadiographicGrade(GRADE_SCALE[joint], PASSING_GRADE[joint], days_ago(30)),
        symptom_duration_months=12,
        post_traumatic_oa=False,
        baseline_pain=PainScore(PainScale.NRS, 6, days_ago(1)),
        failed_conservative_care=(
            ConservativeTreatment.PHYSIOTHERAPY, ConservativeTreatment.ORAL_NSAID
        ),
        prior_injections=(),
        prior_surgeries=(),
        comorbidities=Comorbidities(
            diabetes=False, inflammatory_arthritis=False,
            malignancy=Malignancy(MalignancyStatus.NEVER), bleeding_disorder=False,
            immunodeficiency=False, active_infection=False, pregnant_or_lactating=False,
            childbearing_potential=False, current_smoker=False,
        ),
        medications=Medications(
            anticoagulant_or_antiplatelet=False, systemic_corticosteroid=False,
            immunosuppressant=False, nsaid=False,
        ),
        mri=MriFindings(avascular_necrosis=False, full_thickness_rotator_cuff_tear=False),
        examination=Examination(varus_valgus_degrees=2.0, mechanical_symptoms=False),
        labs=Labs(hba1c_percent=lab(5.4), alt_iu_l=lab(25), ast_iu_l=lab(22),
                  creatinine_mg_dl=lab(0.9)),
        other_trial=TrialParticipation(enrolled_now=False),
        planned_product_source=ProductSource.AUTOLOGOUS,
    )


def changed(facts: Any, **paths: Any) -> Any:
    """Return ``facts`` with nested fields replaced; ``a__b`` stands for ``facts.a.b``."""
    for path, value in paths.items():
        head, _, rest = path.partition("__")
        if rest:
            value = changed(getattr(facts, head), **{rest: value})
        facts = dataclasses.replace(facts, **{head: value})
    return facts
