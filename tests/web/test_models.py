"""Database constraints hold even when the forms are bypassed."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from orthoregen.web.clinic.models import JointEpisode, Patient


def test_mrn_is_unique_within_a_site(patient_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        Patient.objects.create(site=patient_a.site, mrn="A-0001", family_name="Other",
                               given_name="Bo", date_of_birth=dt.date(1970, 1, 1), sex="male")


def test_same_mrn_is_allowed_at_two_sites(patient_a, site_b):
    Patient.objects.create(site=site_b, mrn="A-0001", family_name="Other", given_name="Bo",
                           date_of_birth=dt.date(1970, 1, 1), sex="male")
    assert Patient.objects.filter(mrn="A-0001").count() == 2


@pytest.mark.parametrize("field, value", [("joint", "elbow"), ("side", "both"), ("grade", 5)])
def test_episode_rejects_impossible_values_in_the_database(patient_a, field, value):
    values = {"patient": patient_a, "joint": "knee", "side": "left", "diagnosis_code": "M17.12",
              "grade_scale": "kellgren_lawrence", "grade": 2, field: value}
    with pytest.raises(IntegrityError), transaction.atomic():
        JointEpisode.objects.create(**values)


@pytest.mark.parametrize("scale, grade", [("samilson_prieto", 4), ("tonnis", 4), ("kl", 2)])
def test_database_refuses_a_grade_outside_its_scale(patient_a, scale, grade):
    # A bulk load skips clean(); the constraint still holds each scale to its range, and the
    # old "kl" spelling is not a scale.
    with pytest.raises(IntegrityError), transaction.atomic():
        JointEpisode.objects.create(patient=patient_a, joint="shoulder", side="left",
                                    diagnosis_code="M19.012", grade_scale=scale, grade=grade)


def test_model_validation_names_each_problem(patient_a):
    episode = JointEpisode(patient=patient_a, joint="shoulder", side="left",
                           diagnosis_code="M17.11", grade_scale="kellgren_lawrence", grade=2)
    with pytest.raises(ValidationError) as caught:
        episode.full_clean()
    assert caught.value.message_dict == {
        "diagnosis_code": ["M17.11 is a knee code, but this episode is the shoulder.",
                           "M17.11 is for the right side, but this episode is the left."],
        "grade": ["The shoulder is graded with Samilson-Prieto (0-3)."],
    }


@pytest.mark.parametrize("born, on, age", [
    (dt.date(1960, 2, 29), dt.date(2024, 2, 28), 63),
    (dt.date(1960, 2, 29), dt.date(2024, 2, 29), 64),
    (dt.date(1960, 5, 17), dt.date(2026, 5, 16), 65),
    (dt.date(1960, 5, 17), dt.date(2026, 5, 17), 66),
])
def test_age_counts_whole_years(born, on, age):
    assert Patient(date_of_birth=born).age_on(on) == age
