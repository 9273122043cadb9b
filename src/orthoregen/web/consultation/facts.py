"""Turn a joint episode, its intake and its patient's history into the engine's facts.

The injection and surgery histories, medications, comorbidities and smoking, height and
weight and laboratory results are the patient's, so each joint's assessment reads the same
ones; the rules decide by their JointScope whether an injection or operation counts for
this joint or for any joint. Rows removed as entered in error are not read, nor rows dated
after the assessment date (a decision re-read later sees what was known then). Nothing is
guessed: a blank field becomes None (not recorded) and the engine asks for it; a history
table counts as recorded ("none") only once its ``*_reviewed`` flag is set or it has rows.
Joints, sides, sex and grading scales are stored in the core vocabulary's spelling, so they
pass to the engine unchanged.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from orthoregen.pathways import CandidacyFacts
from orthoregen.pathways import facts as pf
from orthoregen.pathways.conditions import LabTest
from orthoregen.vocabulary import GradeScale, Joint, Sex, Side
from orthoregen.web.clinic.models import JointEpisode, Patient
from orthoregen.web.clinic.vocabulary import ICD10CM_BY_CODE
from orthoregen.web.consultation.body import body_from_rows
from orthoregen.web.consultation.models import Intake, PatientConditions, PatientHistory
from orthoregen.web.consultation.models.vocabulary import Alignment, MedicationKind, RotatorCuff

PATIENT_TABLES = ("injections", "surgeries", "medications", "labs", "body_measurements")
INTAKE_TABLES = ("conservative_care",)
HISTORY_TABLES = PATIENT_TABLES + INTAKE_TABLES


def facts_from_episode(episode: JointEpisode, on_date: dt.date) -> CandidacyFacts:
    """Return the candidacy facts of ``episode`` as recorded, assessed on ``on_date``."""
    intake = Intake.objects.filter(episode=episode).first()
    patient = episode.patient
    history = PatientHistory.objects.filter(patient_id=patient.pk).first()
    conditions = PatientConditions.objects.filter(patient_id=patient.pk).first()
    tables = {name: list(getattr(patient, name).current()) for name in PATIENT_TABLES}
    if intake is not None:
        tables.update({name: list(getattr(intake, name).current()) for name in INTAKE_TABLES})
    return facts_from_records(episode, patient, intake, tables, on_date, history=history,
                              conditions=conditions)


def facts_from_records(episode: JointEpisode, patient: Patient, intake: Intake | None,
                       tables: dict[str, list], on_date: dt.date, *,
                       history: PatientHistory | None,
                       conditions: PatientConditions | None) -> CandidacyFacts:
    """Return the facts from rows already in memory (``tables``: HISTORY_TABLES to rows).

    ``tables`` holds the patient's current injection, surgery, medication, laboratory and
    body measurement rows and, when there is an intake, its conservative care rows. The
    synthetic load calls this on rows it is about to insert, so its decisions come from
    exactly the conversion the pages use.
    """
    base: dict[str, Any] = dict(
        joint=Joint(episode.joint),
        side=Side(episode.side),
        sex=Sex(patient.sex) if patient.sex else None,
        age_years=patient.age_on(on_date),
        symptom_duration_months=whole_months(episode.symptom_onset, on_date),
        post_traumatic_oa=is_post_traumatic(episode.diagnosis_code),
    )
    base.update(patient_facts(history, tables))
    base.update(
        bmi_kg_m2=body_from_rows(tables.get("body_measurements", []), on_date).bmi_kg_m2,
        labs=_labs(tables.get("labs", []), on_date),
        comorbidities=_comorbidities(conditions, intake))
    if intake is None:
        return CandidacyFacts(**base)
    return CandidacyFacts(**base, **intake_facts(intake, tables))


def patient_facts(history: PatientHistory | None, tables: dict[str, list]) -> dict[str, Any]:
    """Return the engine fields of the patient's own histories (every joint's rows)."""
    injections, surgeries = tables.get("injections", []), tables.get("surgeries", [])
    medications = tables.get("medications", [])
    return dict(
        prior_injections=_history(bool(history and history.injections_reviewed), [
            pf.PriorInjection(row.agent, row.joint, row.side or None, row.given_on)
            for row in injections]),
        prior_surgeries=_history(bool(history and history.surgeries_reviewed), [
            pf.PriorSurgery(row.kind, row.joint, row.side or None, row.performed_on)
            for row in surgeries]),
        medications=_medications(bool(history and history.medications_reviewed), medications),
    )


def whole_months(start: dt.date | None, end: dt.date) -> int | None:
    """Return the whole calendar months from ``start`` to ``end`` (None when start unknown)."""
    if start is None:
        return None
    months = (end.year - start.year) * 12 + end.month - start.month
    return max(0, months - (end.day < start.day))


def is_post_traumatic(code: str) -> bool | None:
    """Say whether an ICD-10-CM osteoarthritis code is post-traumatic.

    See docs/standards.md#icd-10-cm.
    """
    if code not in ICD10CM_BY_CODE:
        return None
    return "post-traumatic" in ICD10CM_BY_CODE[code][0].lower()


def intake_facts(intake: Intake, tables: dict[str, list]) -> dict[str, Any]:
    """Return the engine fields held by an intake and its history tables."""
    return dict(
        radiograph=_radiograph(intake),
        baseline_pain=_pain(intake),
        failed_conservative_care=_history(
            intake.conservative_care_reviewed,
            [pf.ConservativeTreatment(row.treatment) for row in tables["conservative_care"]]),
        mri=_mri(intake),
        examination=_examination(intake),
        other_trial=_trial(intake),
        planned_product_source=intake.planned_product_source or None,
    )


def _history(reviewed: bool, rows: list) -> tuple | None:
    return tuple(rows) if reviewed or rows else None


def _radiograph(intake: Intake) -> pf.RadiographicGrade | None:
    if not intake.radiograph_scale or intake.radiograph_grade is None:
        return None
    return pf.RadiographicGrade(GradeScale(intake.radiograph_scale),
                                intake.radiograph_grade, intake.radiograph_graded_on)


def _pain(intake: Intake) -> pf.PainScore | None:
    if not intake.pain_scale or intake.pain_value is None:
        return None
    return pf.PainScore(pf.PainScale(intake.pain_scale), intake.pain_value, intake.pain_recorded_on)


def _comorbidities(conditions: PatientConditions | None,
                   intake: Intake | None) -> pf.Comorbidities:
    """Return the patient's comorbidities with this joint's day-of-procedure answers."""
    malignancy = None
    if conditions is not None and conditions.malignancy_status:
        malignancy = pf.Malignancy(pf.MalignancyStatus(conditions.malignancy_status),
                                   conditions.malignancy_last_active_on)
    return pf.Comorbidities(
        diabetes=conditions.diabetes if conditions else None,
        inflammatory_arthritis=conditions.inflammatory_arthritis if conditions else None,
        malignancy=malignancy,
        bleeding_disorder=conditions.bleeding_disorder if conditions else None,
        immunodeficiency=conditions.immunodeficiency if conditions else None,
        active_infection=intake.active_infection if intake else None,
        pregnant_or_lactating=intake.pregnant_or_lactating if intake else None,
        childbearing_potential=conditions.childbearing_potential if conditions else None,
        effective_contraception=conditions.effective_contraception if conditions else None,
        current_smoker=conditions.current_smoker if conditions else None,
    )


def _medications(reviewed: bool, rows: list) -> pf.Medications:
    if not (reviewed or rows):
        return pf.Medications()
    current = {row.kind for row in rows if row.current}
    nsaid_doses = [row.last_dose_on for row in rows
                   if row.kind == MedicationKind.NSAID and row.last_dose_on]
    return pf.Medications(
        anticoagulant_or_antiplatelet=MedicationKind.ANTICOAGULANT_OR_ANTIPLATELET in current,
        systemic_corticosteroid=MedicationKind.SYSTEMIC_CORTICOSTEROID in current,
        immunosuppressant=MedicationKind.IMMUNOSUPPRESSANT in current,
        # An NSAID stopped recently still counts: its washout runs from the last dose.
        nsaid=any(row.kind == MedicationKind.NSAID for row in rows),
        nsaid_last_dose_on=max(nsaid_doses) if nsaid_doses else None,
    )


def _mri(intake: Intake) -> pf.MriFindings:
    cuff = intake.mri_rotator_cuff
    return pf.MriFindings(
        avascular_necrosis=intake.mri_avascular_necrosis,
        full_thickness_rotator_cuff_tear=(cuff == RotatorCuff.FULL) if cuff else None,
        bone_marrow_lesions=intake.mri_bone_marrow_lesions,
        meniscal_or_labral_tear=intake.mri_meniscal_or_labral_tear,
    )


def _examination(intake: Intake) -> pf.Examination:
    deviation = None
    if intake.alignment == Alignment.NEUTRAL:
        deviation = 0.0
    elif intake.alignment:
        deviation = intake.alignment_degrees
    return pf.Examination(varus_valgus_degrees=deviation,
                          mechanical_symptoms=intake.mechanical_symptoms,
                          effusion=intake.effusion)


def _labs(rows: list, on_date: dt.date) -> pf.Labs:
    latest: dict[str, pf.LabValue] = {}
    for row in rows:
        if row.collected_on > on_date:
            continue  # not yet known on the assessment date
        known = latest.get(row.test)
        if known is None or row.collected_on > known.collected_on:
            latest[row.test] = pf.LabValue(row.value, row.collected_on)
    return pf.Labs(**{test.value: latest.get(test.value) for test in LabTest})


def _trial(intake: Intake) -> pf.TrialParticipation | None:
    if intake.other_trial_enrolled is None:
        return None
    return pf.TrialParticipation(intake.other_trial_enrolled, intake.other_trial_last_product_on)
