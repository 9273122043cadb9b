"""Bad input gets a field error and saves nothing."""

import datetime as dt

from django.urls import reverse

from orthoregen.web.clinic.models import Encounter, JointEpisode, Patient


def patient_form(site, **changes):
    data = {"site": site.pk, "mrn": "A-0200", "family_name": "Dunlin", "given_name": "Sam",
            "date_of_birth": "1962-07-01", "sex": "female", "email": "", "phone": "",
            "address": ""}
    return {**data, **changes}


def episode_form(**changes):
    data = {"joint": "knee", "side": "right", "diagnosis_code": "M17.11",
            "grade_scale": "kellgren_lawrence", "grade": "2", "symptom_onset": "2024-01-15"}
    return {**data, **changes}


def field_errors(response, field):
    return response.context["form"].errors.get(field, [])


def test_future_birth_date_is_refused(as_user, clinician_a, site_a):
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    response = as_user(clinician_a).post(reverse("patient-create"),
                                         patient_form(site_a, date_of_birth=tomorrow.isoformat()))
    assert response.status_code == 200
    assert field_errors(response, "date_of_birth") == [
        f"The date of birth {tomorrow:%d %b %Y} is in the future."]
    assert not Patient.objects.filter(mrn="A-0200").exists()


def test_duplicate_mrn_in_a_site_is_refused_on_the_mrn_field(as_user, clinician_a, patient_a):
    response = as_user(clinician_a).post(reverse("patient-create"),
                                         patient_form(patient_a.site, mrn="A-0001"))
    assert field_errors(response, "mrn") == ["Another patient at Clinic A already has MRN A-0001."]
    assert Patient.objects.filter(mrn="A-0001").count() == 1


def test_same_mrn_at_another_site_is_allowed(as_user, clinician_b, patient_a, site_b):
    response = as_user(clinician_b).post(reverse("patient-create"),
                                         patient_form(site_b, mrn="A-0001"))
    assert response.status_code == 302
    assert Patient.objects.filter(mrn="A-0001").count() == 2


def test_patient_cannot_be_registered_at_a_site_the_user_is_not_in(as_user, clinician_a, site_b):
    response = as_user(clinician_a).post(reverse("patient-create"), patient_form(site_b))
    assert field_errors(response, "site")
    assert not Patient.objects.filter(mrn="A-0200").exists()


def test_unknown_joint_is_refused(as_user, clinician_a, patient_a):
    response = as_user(clinician_a).post(reverse("episode-create", args=[patient_a.pk]),
                                         episode_form(joint="elbow"))
    assert field_errors(response, "joint") == [
        "Select a valid choice. elbow is not one of the available choices."]
    assert patient_a.episodes.count() == 1


def test_diagnosis_must_match_joint_and_side(as_user, clinician_a, patient_a):
    response = as_user(clinician_a).post(reverse("episode-create", args=[patient_a.pk]),
                                         episode_form(diagnosis_code="M16.12"))
    assert field_errors(response, "diagnosis_code") == [
        "M16.12 is a hip code, but this episode is the knee.",
        "M16.12 is for the left side, but this episode is the right.",
    ]
    assert patient_a.episodes.count() == 1


def test_grade_scale_must_suit_the_joint(as_user, clinician_a, patient_a):
    client = as_user(clinician_a)
    wrong_scale = client.post(reverse("episode-create", args=[patient_a.pk]),
                              episode_form(grade_scale="tonnis"))
    assert field_errors(wrong_scale, "grade") == [
        "The knee is graded with Kellgren-Lawrence (0-4)."]
    too_high = client.post(reverse("episode-create", args=[patient_a.pk]),
                           episode_form(joint="shoulder", diagnosis_code="M19.011",
                                        grade_scale="samilson_prieto", grade="4"))
    assert field_errors(too_high, "grade") == ["Samilson-Prieto (0-3) grades run from 0 to 3."]
    assert patient_a.episodes.count() == 1


def test_valid_episode_and_encounter_are_saved(as_user, clinician_a, patient_a):
    client = as_user(clinician_a)
    response = client.post(reverse("episode-create", args=[patient_a.pk]),
                           episode_form(joint="hip", diagnosis_code="M16.11", grade_scale="tonnis"))
    assert response.status_code == 302
    episode = JointEpisode.objects.get(patient=patient_a, joint="hip")
    response = client.post(reverse("encounter-create", args=[episode.pk]),
                           {"kind": "imaging", "occurred_on": "2026-04-01",
                            "clinician": clinician_a.pk, "notes": "AP pelvis"})
    assert response.status_code == 302
    assert Encounter.objects.get(episode=episode).notes == "AP pelvis"


def test_encounter_with_a_bad_date_is_refused(as_user, clinician_a, patient_a):
    episode = patient_a.episodes.get()
    response = as_user(clinician_a).post(reverse("encounter-create", args=[episode.pk]),
                                         {"kind": "imaging", "occurred_on": "2026-02-30"})
    assert field_errors(response, "occurred_on") == [
        "February 2026 has no day 30: it has 28 days."]
    assert episode.encounters.count() == 1
