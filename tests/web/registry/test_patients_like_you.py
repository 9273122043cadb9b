"""The consultation page's "patients like you": own sites only, too-few path, caveat, wording.

The cohort is registry facts loaded through conftest.make_cohort (KL 2, 3, 4 in turn, ages
62-66 at treatment, autologous BMAC) with an intake giving each a BMI of 27.7 kg/m².
"""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils.html import escape

from orthoregen.analytics.patients_like_you import PATIENTS_LIKE_YOU_CAVEAT, PatientsLikeYou
from orthoregen.web.clinic.models import JointEpisode
from orthoregen.web.consultation.models import BodyMeasurement, Intake
from orthoregen.web.registry.patients_like import origin_of, patients_like_read

TODAY = dt.date(2026, 12, 6)


def measured(patients, on: dt.date, *, height_cm=170.0, weight_kg=80.0) -> None:
    """Record each patient's height and weight (the patient's, consultation.BodyMeasurement)."""
    if weight_kg is not None:
        BodyMeasurement.objects.bulk_create([
            BodyMeasurement(patient=patient, measured_on=on, height_cm=height_cm,
                            weight_kg=weight_kg) for patient in patients])


def give_intakes(patients, *, height_cm=170.0, weight_kg=80.0):
    measured(patients, dt.date(2025, 5, 1), height_cm=height_cm, weight_kg=weight_kg)
    Intake.objects.bulk_create([
        Intake(episode=episode, recorded_on=dt.date(2025, 5, 1),
               radiograph_scale=episode.grade_scale, radiograph_grade=episode.grade)
        for episode in JointEpisode.objects.filter(patient__in=patients)])


def consult(patient, *, height_cm=170.0, weight_kg=80.0, **fields):
    episode = patient.episodes.get()
    defaults = dict(recorded_on=dt.date(2026, 11, 30),
                    radiograph_scale="kellgren_lawrence", radiograph_grade=3,
                    planned_product_source="allogeneic")
    measured([patient], defaults["recorded_on"], height_cm=height_cm, weight_kg=weight_kg)
    Intake.objects.create(episode=episode, **{**defaults, **fields})
    return episode


def page(client, episode):
    return client.get(reverse("consultation:episode", args=[episode.pk]))


@pytest.fixture
def site_a_cohort(site_a, cohort):
    patients = cohort(site_a, 30, prefix="CA")
    give_intakes(patients)
    return patients


def test_product_classes_match_on_their_origin():
    assert origin_of("bmac") == "autologous"
    assert origin_of("umbilical_cord_msc") == "allogeneic"
    assert origin_of("") is None


def test_widens_step_by_step_and_says_how_many_each_step_found(site_a_cohort, patient_a,
                                                               clinician_a):
    read = patients_like_read(consult(patient_a), user=clinician_a, today=TODAY)
    assert isinstance(read.result, PatientsLikeYou)
    # Allogeneic planned, every earlier joint had autologous BMAC: none, then the KL 3 third.
    assert [s.n for s in read.result.steps] == [0, 10, 10, 10, 30]
    assert read.result.n == 30
    assert read.measure.key == "nrs_pain:pain"
    assert read.result.month_6.n_with_data == 30
    assert read.result.adverse_events.injections == 30
    assert read.result.adverse_events.events == 10


def test_the_section_shows_n_steps_shares_and_caveat_and_never_a_prediction(
        site_a_cohort, patient_a, clinician_a, as_user):
    response = page(as_user(clinician_a), consult(patient_a))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Patients like you" in html
    assert "Dropped cell source</strong>: n=10" in html
    assert "n=30" in html
    assert escape(PATIENTS_LIKE_YOU_CAVEAT) in html
    assert "Lost to follow-up" in html and "Not yet due" in html
    assert "per 100 injections" in html
    # NRS pain MCII stored signed (-2); the page gives the magnitude.
    assert "(2 points or more)" in html
    assert "data:image/svg+xml;base64," in html
    assert "predicted" not in html.lower()
    assert "you can expect" not in html.lower()


def test_a_user_of_site_b_never_sees_site_a_patients(site_a_cohort, patient_b, clinician_b,
                                                     as_user):
    episode = consult(patient_b)
    read = patients_like_read(episode, user=clinician_b, today=TODAY)
    assert read.result.n == 0
    html = page(as_user(clinician_b), episode).content.decode()
    assert "Too few earlier patients like this one to say anything" in html
    assert "CohortCA" not in html and "CA-0001" not in html


def test_site_a_sees_only_its_own_even_when_site_b_has_many(site_a, site_b, cohort, patient_a,
                                                            clinician_a):
    give_intakes(cohort(site_b, 30, prefix="CB"))
    give_intakes(cohort(site_a, 6, prefix="CA"))
    read = patients_like_read(consult(patient_a), user=clinician_a, today=TODAY)
    assert read.result.n == 6
    assert not isinstance(read.result, PatientsLikeYou)


def test_below_the_floor_the_page_says_too_few_and_shows_no_number(site_a, cohort, patient_a,
                                                                   clinician_a, as_user):
    give_intakes(cohort(site_a, 6, prefix="CA"))
    html = page(as_user(clinician_a), consult(patient_a)).content.decode()
    assert "Too few earlier patients like this one to say anything: 6 matched" in html
    assert "Wilson interval)" not in html
    assert escape(PATIENTS_LIKE_YOU_CAVEAT) in html


def test_earlier_joints_without_a_bmi_are_left_out_and_counted(site_a, cohort, patient_a,
                                                               clinician_a):
    cohort(site_a, 12, prefix="CA")
    read = patients_like_read(consult(patient_a), user=clinician_a, today=TODAY)
    assert read.result.n == 0
    assert read.n_unmatchable == 12


def test_without_a_bmi_no_comparison_is_made(site_a_cohort, patient_a, clinician_a, as_user):
    html = page(as_user(clinician_a), consult(patient_a, weight_kg=None)).content.decode()
    assert "No comparison can be made yet: BMI from the intake not recorded" in html


def test_the_section_is_only_for_roles_that_see_registry_results(site_a_cohort, patient_a,
                                                                 coordinator_a, as_user):
    html = page(as_user(coordinator_a), consult(patient_a)).content.decode()
    assert "Patients like you" not in html


def test_the_patient_is_not_compared_with_their_own_joints(site_a_cohort, clinician_a):
    patient = site_a_cohort[1]  # KL 3, one of the 30
    episode = patient.episodes.get()
    read = patients_like_read(episode, user=clinician_a, today=TODAY)
    assert read.result.n == 29
