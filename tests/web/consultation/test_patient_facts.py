"""Comorbidities, smoking, height and weight and laboratory results belong to the patient:
recorded once (whichever joint's intake page), read by every joint's assessment, kept with
their history, and corrected only with a reason."""

import datetime as dt

import pytest
from django.utils import timezone

from orthoregen.web.consultation import services
from orthoregen.web.consultation.body import body_on
from orthoregen.web.consultation.forms import conditions_saved_at
from orthoregen.web.consultation.models import (
    BodyMeasurement,
    Intake,
    LabResult,
    PatientConditions,
)

TODAY = timezone.localdate


def days_ago(days: int) -> dt.date:
    return TODAY() - dt.timedelta(days=days)


def url(episode) -> str:
    return f"/consultation/episodes/{episode.pk}/intake/"


def intake_data(**changes) -> dict:
    data = {"recorded_on": TODAY().isoformat(), "radiograph_scale": "kellgren_lawrence",
            "radiograph_grade": "3", "pain_scale": "nrs", "pain_value": "7",
            "malignancy_status": "", "alignment": "", "height_cm": "170", "weight_kg": "80"}
    data.update(changes)
    return data


def test_a_comorbidity_recorded_at_the_knees_intake_is_seen_by_the_hips_assessment(
        as_user, clinician_a, knee_a, hip_a):
    client = as_user(clinician_a)
    response = client.post(url(knee_a), intake_data(diabetes="true", current_smoker="true",
                                                    **{"lab-TOTAL_FORMS": "1",
                                                       "lab-INITIAL_FORMS": "0",
                                                       "lab-0-test": "hba1c_percent",
                                                       "lab-0-value": "9.1",
                                                       "lab-0-collected_on":
                                                           days_ago(3).isoformat()}))
    assert response.status_code == 302
    assert not Intake.objects.filter(episode=hip_a).exists()

    hip = services.episode_assess(hip_a, TODAY())
    assert hip.facts.comorbidities.diabetes is True
    assert hip.facts.comorbidities.current_smoker is True
    assert hip.facts.labs.hba1c_percent.value == 9.1
    # BMI 80 / 1.70² = 27.68..., rounded to 27.7 kg/m² (weight / height², WHO definition).
    assert hip.facts.bmi_kg_m2 == 27.7
    # The default protocol's diabetes rule (HbA1c at most 8.5 %) then fails for the hip too.
    diabetes = next(r for r in hip.assessment.results if r.rule_id == "DIABETES-01")
    assert diabetes.status == "failed"
    assert LabResult.objects.get().patient == knee_a.patient


def test_the_hips_page_shows_the_knees_answers_and_saving_it_adds_nothing(
        as_user, clinician_a, knee_a, hip_a):
    client = as_user(clinician_a)
    client.post(url(knee_a), intake_data(diabetes="true"))
    form = client.get(url(hip_a) + "?blank=1").context["form"]
    assert form["diabetes"].value() is True and form["height_cm"].value() == 170
    stored = PatientConditions.objects.get(patient=knee_a.patient)
    response = client.post(url(hip_a), intake_data(
        diabetes="true", radiograph_scale="tonnis", radiograph_grade="2",
        conditions_seen_at=conditions_saved_at(stored)))
    assert response.status_code == 302
    assert stored.history.count() == 1  # the same answers: no new version
    assert BodyMeasurement.objects.count() == 1  # the same height and weight: not re-measured


def test_changing_a_recorded_answer_needs_a_reason_and_keeps_the_earlier_one(
        as_user, clinician_a, coordinator_a, knee_a, hip_a):
    client = as_user(clinician_a)
    client.post(url(knee_a), intake_data(diabetes="true"))
    stored = PatientConditions.objects.get(patient=knee_a.patient)
    seen = conditions_saved_at(stored)
    hip = {"radiograph_scale": "tonnis", "radiograph_grade": "2", "conditions_seen_at": seen}

    refused = client.post(url(hip_a), intake_data(diabetes="false", **hip))
    assert refused.status_code == 200
    assert "Give the reason for changing the patient&#x27;s recorded answer (diabetes)" \
        in refused.content.decode()
    assert not Intake.objects.filter(episode=hip_a).exists()
    assert PatientConditions.objects.get().diabetes is True

    corrected = as_user(coordinator_a).post(url(hip_a), intake_data(
        diabetes="false", conditions_reason="Diet-controlled prediabetes, not diabetes", **hip))
    assert corrected.status_code == 302
    stored.refresh_from_db()
    assert stored.diabetes is False and stored.entered_by == coordinator_a
    versions = list(stored.history.order_by("history_date"))
    assert [v.diabetes for v in versions] == [True, False]
    assert versions[0].entered_by_id == clinician_a.pk
    assert versions[1].history_change_reason == (
        "corrected: Diet-controlled prediabetes, not diabetes")
    assert services.episode_assess(knee_a, TODAY()).facts.comorbidities.diabetes is False


def test_the_service_refuses_a_change_without_a_reason(clinician_a, knee_a):
    patient = knee_a.patient
    first = services.patient_conditions_save(
        patient, answers=services.ConditionsAnswers(current_smoker=True), asked_on=TODAY(),
        seen_saved_at="", by=clinician_a)
    # Answering a question left "not asked" is not a change: no reason needed.
    services.patient_conditions_save(
        patient, answers=services.ConditionsAnswers(current_smoker=True, diabetes=False),
        asked_on=TODAY(), seen_saved_at=conditions_saved_at(first), by=clinician_a)
    first.refresh_from_db()
    with pytest.raises(services.ConditionsNeedReason):
        services.patient_conditions_save(
            patient, answers=services.ConditionsAnswers(current_smoker=False, diabetes=False),
            asked_on=TODAY(), seen_saved_at=conditions_saved_at(first), by=clinician_a)
    assert PatientConditions.objects.get().current_smoker is True


def test_a_save_made_meanwhile_refuses_the_older_page(clinician_a, knee_a):
    answers = services.ConditionsAnswers(diabetes=False)
    services.patient_conditions_save(knee_a.patient, answers=answers, asked_on=TODAY(),
                                     seen_saved_at="", by=clinician_a)
    with pytest.raises(services.ConditionsSavedMeanwhile):
        services.patient_conditions_save(knee_a.patient, answers=answers, asked_on=TODAY(),
                                         seen_saved_at="", by=clinician_a)


def test_height_and_weight_are_dated_and_the_latest_of_each_counts(clinician_a, knee_a):
    patient = knee_a.patient
    BodyMeasurement.objects.create(patient=patient, measured_on=days_ago(300), height_cm=180,
                                   weight_kg=90)
    BodyMeasurement.objects.create(patient=patient, measured_on=days_ago(10), weight_kg=81)
    BodyMeasurement.objects.create(patient=patient, measured_on=days_ago(1), weight_kg=200,
                                   removed_at=timezone.now(), removal_reason="typing error")
    # 81 / 1.80² = 25.0 kg/m²; a year ago 90 / 1.80² = 27.8 kg/m²; the removed row never counts.
    assert body_on(patient.pk, TODAY()).bmi_kg_m2 == 25.0
    assert body_on(patient.pk, days_ago(100)).bmi_kg_m2 == 27.8
    assert body_on(patient.pk, days_ago(400)).bmi_kg_m2 is None


def test_a_lab_result_collected_after_the_assessment_date_is_not_read(clinician_a, knee_a):
    LabResult.objects.create(patient=knee_a.patient, test="alt_iu_l", value=30,
                             collected_on=days_ago(20))
    LabResult.objects.create(patient=knee_a.patient, test="alt_iu_l", value=140,
                             collected_on=days_ago(2))
    assert services.episode_assess(knee_a, days_ago(10)).facts.labs.alt_iu_l.value == 30
    assert services.episode_assess(knee_a, TODAY()).facts.labs.alt_iu_l.value == 140


def test_a_measurement_is_corrected_on_the_history_page_with_its_reason(
        as_user, clinician_a, knee_a):
    row = BodyMeasurement.objects.create(patient=knee_a.patient, measured_on=days_ago(5),
                                         height_cm=170, weight_kg=700 / 10)
    changes = services.TableChanges(edited=(services.RowEdit(
        id=row.pk, row=services.BodyMeasurementRow(measured_on=days_ago(5), height_cm=170,
                                                   weight_kg=77),
        reason="scale read wrongly"),))
    services.patient_history_save(knee_a.patient, taken=services.HistoriesTaken(),
                                  seen_saved_at="", tables={"body": changes}, by=clinician_a)
    row.refresh_from_db()
    assert row.weight_kg == 77
    assert row.history.latest().history_change_reason == "corrected: scale read wrongly"
    page = as_user(clinician_a).get(f"/consultation/patients/{knee_a.patient.pk}/history/")
    assert "Height and weight" in page.content.decode()
