"""The clinic's services record values given by name, attributed to who gave them."""

import datetime as dt

import pytest

from orthoregen.web.clinic import services
from orthoregen.web.clinic.models import Patient

DETAILS = {"mrn": "A-0002", "family_name": "Avocet", "given_name": "Bea",
           "date_of_birth": dt.date(1958, 2, 1), "sex": "female"}


def test_a_registered_patient_is_attributed_to_who_registered_them(site_a, coordinator_a):
    patient = services.patient_save(None, site=site_a, **DETAILS, by=coordinator_a)
    assert Patient.objects.get(mrn="A-0002").site == site_a
    assert patient.history.get().history_user == coordinator_a


def test_a_patient_keeps_their_site(patient_a, site_b, coordinator_a):
    with pytest.raises(ValueError, match="keeps their site"):
        services.patient_save(patient_a, site=site_b, **DETAILS, by=coordinator_a)
    assert Patient.objects.get(pk=patient_a.pk).mrn == "A-0001"


def test_an_episode_of_another_patient_is_not_corrected_through_this_one(
        patient_a, patient_b, clinician_a):
    with pytest.raises(ValueError, match="another patient"):
        services.episode_save(patient_a, episode=patient_b.episodes.get(), joint="knee",
                              side="left", diagnosis_code="M17.12",
                              grade_scale="kellgren_lawrence", grade=2, by=clinician_a)
    assert patient_b.episodes.get().grade == 3
