"""Entering the intake and its dated history tables; bad input saves nothing."""

import datetime as dt

import pytest
from django.utils import timezone

from orthoregen.pathways import CandidacyFacts
from orthoregen.web.consultation.facts import facts_from_episode, whole_months
from orthoregen.web.consultation.models import (
    BodyMeasurement,
    Intake,
    Medication,
    PatientConditions,
)

TODAY = timezone.localdate


def intake_data(**changes):
    data = {"recorded_on": TODAY().isoformat(), "diabetes": "false",
            "radiograph_scale": "kellgren_lawrence", "radiograph_grade": "3", "height_cm": "170",
            "weight_kg": "80", "pain_scale": "nrs", "pain_value": "7",
            "malignancy_status": "", "alignment": ""}
    data.update(changes)
    return data


def post_intake(client, episode, **changes):
    return client.post(f"/consultation/episodes/{episode.pk}/intake/", intake_data(**changes))


@pytest.mark.parametrize("who", ["clinician_a", "coordinator_a"])
def test_clinician_or_coordinator_enters_the_intake(request, as_user, knee_a, who):
    user = request.getfixturevalue(who)
    response = post_intake(as_user(user), knee_a)
    assert response.status_code == 302
    intake = Intake.objects.get(episode=knee_a)
    assert intake.entered_by == user and intake.bmi_kg_m2 == 27.7  # 80 / 1.70²
    # Comorbidities, height and weight are saved for the patient, dated by the intake.
    conditions = PatientConditions.objects.get(patient=knee_a.patient)
    assert conditions.diabetes is False and intake.active_infection is None
    assert conditions.entered_by == user and conditions.asked_on == TODAY()
    assert BodyMeasurement.objects.get().measured_on == TODAY()
    assert intake.history.get().history_user == user


def test_new_intake_form_starts_from_the_episode_grade(as_user, clinician_a, knee_a):
    html = as_user(clinician_a).get(f"/consultation/episodes/{knee_a.pk}/intake/")
    assert html.context["form"]["radiograph_grade"].value() == 3


@pytest.mark.parametrize("changes, field, message", [
    ({"pain_value": "11"}, "pain_value", "This scale runs from 0 to 10."),
    ({"pain_scale": ""}, "pain_scale", "Name the scale the pain score is on."),
    ({"radiograph_grade": "5"}, "radiograph_grade", "Kellgren-Lawrence (0-4) grades run"),
    ({"radiograph_scale": "samilson_prieto", "radiograph_grade": "2"}, "radiograph_grade",
     "The knee is graded with"),
    ({"recorded_on": "2999-01-01"}, "recorded_on", "This date is in the future."),
    ({"height_cm": "20"}, "height_cm", "greater than or equal to 100"),
    ({"alignment": "varus"}, "alignment_degrees", "Give the varus or valgus angle"),
    ({"malignancy_status": "in_remission"}, "malignancy_last_active_on", "last active"),
    ({"diabetes": "perhaps"}, None, None),
])
def test_bad_intake_gives_field_errors_and_saves_nothing(as_user, clinician_a, knee_a,
                                                         changes, field, message):
    response = post_intake(as_user(clinician_a), knee_a, **changes)
    if field is None:  # an unknown yes/no answer reads as "not asked", never as yes
        assert Intake.objects.exists()
        assert PatientConditions.objects.get(patient=knee_a.patient).diabetes is None
        return
    assert response.status_code == 200
    errors = response.context["form"].errors[field]
    assert any(message in error for error in errors), errors
    assert not Intake.objects.exists() and not PatientConditions.objects.exists()
    assert not BodyMeasurement.objects.exists()


def test_lab_user_cannot_enter_intake(as_user, lab_a, knee_a):
    assert post_intake(as_user(lab_a), knee_a).status_code == 403
    assert not Intake.objects.exists()


def test_other_site_cannot_enter_intake(as_user, clinician_b, knee_a):
    assert post_intake(as_user(clinician_b), knee_a).status_code == 404


def test_facts_read_the_recorded_intake(knee_a, intake_for):
    intake_for(knee_a, current_smoker=True)
    Medication.objects.create(patient=knee_a.patient, kind="nsaid", name="Naproxen",
                              current=False, last_dose_on=TODAY() - dt.timedelta(days=3))
    facts = facts_from_episode(knee_a, TODAY())
    assert isinstance(facts, CandidacyFacts)
    assert facts.comorbidities.current_smoker is True
    assert facts.medications.nsaid is True
    assert facts.medications.nsaid_last_dose_on == TODAY() - dt.timedelta(days=3)
    assert facts.radiograph.scale == "kellgren_lawrence" and facts.radiograph.grade == 3
    assert facts.bmi_kg_m2 == 24.9  # 72 kg / 1.70 m² = 24.91
    assert facts.examination.varus_valgus_degrees == 0.0


def test_unreviewed_histories_read_as_not_recorded(knee_a, intake_for):
    intake_for(knee_a, injections_reviewed=False, medications_reviewed=False)
    facts = facts_from_episode(knee_a, TODAY())
    assert facts.prior_injections is None
    assert facts.medications.anticoagulant_or_antiplatelet is None


@pytest.mark.parametrize("start, end, months", [
    (dt.date(2026, 1, 31), dt.date(2026, 2, 28), 0),
    (dt.date(2026, 1, 15), dt.date(2026, 4, 15), 3),
    (dt.date(2026, 1, 16), dt.date(2026, 4, 15), 2),
    (None, dt.date(2026, 4, 15), None),
])
def test_whole_months_of_symptoms(start, end, months):
    assert whole_months(start, end) == months


def test_a_bad_row_on_the_joint_page_saves_neither_the_intake_nor_the_good_rows(
        as_user, clinician_a, knee_a):
    data = intake_data(**{
        "care-TOTAL_FORMS": "1", "care-INITIAL_FORMS": "0", "care-0-treatment": "physiotherapy",
        "lab-TOTAL_FORMS": "2", "lab-INITIAL_FORMS": "0",
        "lab-0-test": "alt_iu_l", "lab-0-value": "30", "lab-0-collected_on": TODAY().isoformat(),
        "lab-1-test": "ast_iu_l", "lab-1-value": "-3", "lab-1-collected_on": TODAY().isoformat()})
    response = as_user(clinician_a).post(f"/consultation/episodes/{knee_a.pk}/intake/", data)
    assert response.status_code == 200
    labs = {fs.prefix: fs for fs in response.context["formsets"]}["lab"]
    assert labs.errors[0] == {} and "value" in labs.errors[1]
    assert "Nothing was saved" in response.content.decode()
    assert not Intake.objects.exists()


def test_joint_rows_are_saved_with_the_intake_in_one_submission(as_user, clinician_a, knee_a):
    data = intake_data(**{
        "care-TOTAL_FORMS": "2", "care-INITIAL_FORMS": "0", "care-0-treatment": "physiotherapy",
        "care-1-treatment": "weight_loss", "lab-TOTAL_FORMS": "1", "lab-INITIAL_FORMS": "0",
        "lab-0-test": "alt_iu_l", "lab-0-value": "30", "lab-0-collected_on": TODAY().isoformat()})
    response = as_user(clinician_a).post(f"/consultation/episodes/{knee_a.pk}/intake/", data)
    assert response.status_code == 302
    intake = Intake.objects.get()
    assert sorted(intake.conservative_care.values_list("treatment", flat=True)) == [
        "physiotherapy", "weight_loss"]
    # Laboratory results are the patient's, entered on this joint's page.
    assert knee_a.patient.labs.get().entered_by == clinician_a
