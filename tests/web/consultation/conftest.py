"""Consultation fixtures: complete intakes that the default protocol finds suitable, so each
test changes only the fact it is about."""

import datetime as dt

import pytest
from django.utils import timezone

from orthoregen.web.clinic.models import JointEpisode, Patient
from orthoregen.web.consultation.consent_text import consent_document_seed
from orthoregen.web.consultation.forms import CONDITION_FIELDS as CONDITIONS
from orthoregen.web.consultation.models import (
    BodyMeasurement,
    ConservativeCare,
    Intake,
    LabResult,
    PatientConditions,
    PatientHistory,
)

PATIENT_FLAGS = ("injections_reviewed", "surgeries_reviewed", "medications_reviewed",
                 "allergies_reviewed")

TODAY = timezone.localdate


def days_ago(days: int) -> dt.date:
    return TODAY() - dt.timedelta(days=days)


def complete_intake(episode: JointEpisode, **overrides) -> Intake:
    """Store an intake with every fact the default protocol reads, all of them passing."""
    if episode.symptom_onset is None:
        episode.symptom_onset = days_ago(2 * 365)
        episode.save()
    scale = {"knee": "kellgren_lawrence", "hip": "tonnis",
             "shoulder": "samilson_prieto"}[episode.joint]
    conditions = dict(diabetes=False, inflammatory_arthritis=False, malignancy_status="never",
                      bleeding_disorder=False, immunodeficiency=False,
                      childbearing_potential=False, current_smoker=False)
    body = dict(height_cm=170, weight_kg=72)
    fields = dict(
        recorded_on=days_ago(1),
        active_infection=False, pregnant_or_lactating=False, conservative_care_reviewed=True,
        radiograph_scale=scale, radiograph_grade=episode.grade if episode.grade is not None
        else 2, radiograph_grader="Dr Grader", radiograph_graded_on=days_ago(20),
        mri_reviewed_on=days_ago(10), mri_avascular_necrosis=False, mri_rotator_cuff="intact",
        examined_on=days_ago(1), alignment="neutral", alignment_degrees=None, effusion=False,
        mechanical_symptoms=False, pain_scale="nrs", pain_value=6,
        pain_recorded_on=days_ago(1), other_trial_enrolled=False,
        planned_product_source="allogeneic",
    )
    taken = dict.fromkeys(PATIENT_FLAGS, True)
    taken.update({name: overrides.pop(name) for name in PATIENT_FLAGS if name in overrides})
    PatientHistory.objects.update_or_create(patient=episode.patient, defaults=taken)
    # The patient's own answers (comorbidities, height and weight, laboratory results) are
    # stored once for the patient, as the intake page saves them.
    conditions.update({name: overrides.pop(name) for name in CONDITIONS if name in overrides})
    measured = {name: overrides.pop(name) for name in ("height_cm", "weight_kg")
                if name in overrides}
    body.update(measured)
    fields.update(overrides)
    patient = episode.patient
    PatientConditions.objects.update_or_create(
        patient=patient, defaults={**conditions, "asked_on": fields["recorded_on"]})
    if (measured or not patient.body_measurements.exists()) \
            and any(v is not None for v in body.values()):
        BodyMeasurement.objects.create(patient=patient, measured_on=fields["recorded_on"],
                                       **body)
    intake = Intake.objects.create(episode=episode, **fields)
    for treatment in ("physiotherapy", "oral_nsaid"):
        ConservativeCare.objects.create(intake=intake, treatment=treatment)
    if not patient.labs.exists():
        for test, value in (("alt_iu_l", 30), ("ast_iu_l", 28), ("creatinine_mg_dl", 0.9)):
            LabResult.objects.create(patient=patient, test=test, value=value,
                                     collected_on=days_ago(5))
    return intake


def make_episode(patient: Patient, joint: str, side: str, code: str, scale: str,
                 grade: int | None) -> JointEpisode:
    return JointEpisode.objects.create(patient=patient, joint=joint, side=side,
                                       diagnosis_code=code, grade_scale=scale, grade=grade,
                                       symptom_onset=days_ago(2 * 365))


@pytest.fixture
def knee_a(patient_a):
    return patient_a.episodes.get()


@pytest.fixture
def hip_a(patient_a):
    return make_episode(patient_a, "hip", "right", "M16.11", "tonnis", 2)


@pytest.fixture
def shoulder_a(patient_a):
    return make_episode(patient_a, "shoulder", "left", "M19.012", "samilson_prieto", 3)


@pytest.fixture
def consent_document_a(site_a):
    return consent_document_seed(site_a)


@pytest.fixture
def intake_for():
    """Return complete_intake(episode, **overrides)."""
    return complete_intake
