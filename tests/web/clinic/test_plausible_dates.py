"""The clinic's services refuse dates that cannot be true: a birth date in the future or over
125 years ago, a symptom onset or an encounter before the patient's birth or after today."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from orthoregen.web.clinic import services
from orthoregen.web.clinic.models import Encounter, JointEpisode, Patient

DETAILS = {"mrn": "A-0009", "family_name": "Avocet", "given_name": "Bea", "sex": "female"}
EPISODE = {"joint": "knee", "side": "right", "diagnosis_code": "M17.11",
           "grade_scale": "kellgren_lawrence", "grade": 2}


@pytest.mark.parametrize(("born", "words"), [
    (timezone.localdate() + dt.timedelta(days=1), "in the future"),
    (dt.date(1880, 1, 1), "older than 125 years"),
])
def test_an_impossible_birth_date_is_refused(site_a, coordinator_a, born, words):
    with pytest.raises(ValidationError) as refused:
        services.patient_save(None, site=site_a, date_of_birth=born, **DETAILS,
                              by=coordinator_a)
    assert words in refused.value.message_dict["date_of_birth"][0]
    assert not Patient.objects.filter(mrn="A-0009").exists()


def test_a_symptom_onset_before_birth_or_after_today_is_refused(patient_a, clinician_a):
    for onset, words in [(dt.date(1960, 5, 16), "before the patient was born (17 May 1960)"),
                         (dt.date(2099, 1, 1), "in the future")]:
        with pytest.raises(ValidationError) as refused:
            services.episode_save(patient_a, **EPISODE, symptom_onset=onset, by=clinician_a)
        assert words in refused.value.message_dict["symptom_onset"][0]
    assert patient_a.episodes.count() == 1
    on_birthday = services.episode_save(patient_a, **EPISODE, symptom_onset=dt.date(1960, 5, 17),
                                        by=clinician_a)
    assert on_birthday.symptom_onset == dt.date(1960, 5, 17)


def test_an_encounter_before_birth_is_refused(patient_a, clinician_a):
    episode = patient_a.episodes.get()
    with pytest.raises(ValidationError, match="before the patient was born"):
        services.encounter_save(episode, kind="consultation", occurred_on=dt.date(1950, 1, 1),
                                clinician=None, by=clinician_a)
    assert Encounter.objects.filter(episode=episode).count() == 1


def test_the_episode_form_shows_the_refusal_on_its_field(patient_a, clinician_a, as_user):
    response = as_user(clinician_a).post(f"/patients/{patient_a.pk}/episodes/new/", {
        **EPISODE, "symptom_onset": "1950-01-01"})
    assert response.status_code == 200
    assert "before the patient was born" in response.context["form"].errors["symptom_onset"][0]
    assert JointEpisode.objects.filter(patient=patient_a).count() == 1


def test_the_patient_form_refuses_a_birth_date_over_125_years_ago(site_a, coordinator_a,
                                                                  as_user):
    response = as_user(coordinator_a).post("/patients/new/", {
        **DETAILS, "site": site_a.pk, "date_of_birth": "1850-01-01"})
    assert response.status_code == 200
    assert "older than 125 years" in response.context["form"].errors["date_of_birth"][0]
    assert not Patient.objects.filter(mrn="A-0009").exists()
