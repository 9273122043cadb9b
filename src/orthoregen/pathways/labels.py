"""Name facts in the clinic's words, so that "incomplete" can say what to collect."""

from __future__ import annotations

import re

FACT_LABELS: dict[str, str] = {
    "joint": "joint",
    "side": "side",
    "sex": "sex",
    "age_years": "age (years)",
    "bmi_kg_m2": "BMI (kg/m²)",
    "radiograph": "radiographic grade (scale, grade and date)",
    "symptom_duration_months": "symptom duration (months)",
    "post_traumatic_oa": "whether the osteoarthritis is post-traumatic",
    "baseline_pain": "baseline pain (VAS or NRS)",
    "failed_conservative_care": "conservative treatments tried and failed",
    "prior_injections": "history of injections (agent, joint, side, date)",
    "prior_injections.side": "side of a prior injection",
    "prior_injections.given_on": "date of a prior injection",
    "prior_surgeries": "history of surgery (kind, joint, side, date)",
    "prior_surgeries.side": "side of a prior operation",
    "prior_surgeries.performed_on": "date of a prior operation",
    "comorbidities.diabetes": "diabetes",
    "comorbidities.inflammatory_arthritis": "inflammatory arthritis (RA, PsA, gout, CPPD)",
    "comorbidities.malignancy": "malignancy (status)",
    "comorbidities.malignancy.last_active_on": "date of last known malignancy",
    "comorbidities.bleeding_disorder": "bleeding disorder",
    "comorbidities.immunodeficiency": "immunodeficiency",
    "comorbidities.active_infection": "active local or systemic infection",
    "comorbidities.pregnant_or_lactating": "pregnancy or breastfeeding",
    "comorbidities.childbearing_potential": "childbearing potential",
    "comorbidities.effective_contraception": "effective contraception",
    "comorbidities.current_smoker": "current smoking",
    "medications.anticoagulant_or_antiplatelet": "anticoagulant or antiplatelet",
    "medications.systemic_corticosteroid": "systemic corticosteroid",
    "medications.immunosuppressant": "immunosuppressant",
    "medications.nsaid": "NSAID use",
    "medications.nsaid_last_dose_on": "date of the last NSAID dose",
    "mri.avascular_necrosis": "MRI: avascular necrosis",
    "mri.full_thickness_rotator_cuff_tear": "MRI: full-thickness rotator cuff tear",
    "mri.bone_marrow_lesions": "MRI: bone marrow lesions",
    "mri.meniscal_or_labral_tear": "MRI: meniscal or labral tear",
    "examination.varus_valgus_degrees": "varus/valgus alignment (degrees)",
    "examination.mechanical_symptoms": "mechanical symptoms (locking, loose bodies, instability)",
    "examination.effusion": "effusion",
    "labs.hba1c_percent": "HbA1c (%), current",
    "labs.alt_iu_l": "ALT (IU/L), current",
    "labs.ast_iu_l": "AST (IU/L), current",
    "labs.creatinine_mg_dl": "creatinine (mg/dL), current",
    "other_trial": "participation in another trial",
    "other_trial.enrolled_now": "enrolled in another trial now",
    "comorbidities.malignancy.status": "malignancy (status)",
    "radiograph.grade": "radiographic grade",
    "radiograph.scale": "radiographic grading scale",
    "other_trial.last_investigational_product_on": "date of the last investigational product",
    "planned_product_source": "planned cell product (autologous or allogeneic)",
}

# Not facts but values a rule derives from them and shows beside its decision: the latest
# of the events a washout counts (history.py).
DERIVED_LABELS: dict[str, str] = {
    "last_given_on": "date of the latest counted injection",
    "last_performed_on": "date of the latest counted operation",
}

_INDEX = re.compile(r"\[(\d+)\]")


def fact_label(path: str) -> str:
    """Return the clinic's name for a fact path such as ``prior_injections[0].given_on``."""
    match = _INDEX.search(path)
    key = _INDEX.sub("", path)
    label = FACT_LABELS.get(key) or DERIVED_LABELS.get(key, path)
    return f"{label} (entry {int(match.group(1)) + 1})" if match else label
