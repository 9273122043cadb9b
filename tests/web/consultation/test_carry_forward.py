"""A second joint's intake starts from the patient's own answers.

Comorbidities, height and weight and laboratory results are the patient's and show as
recorded for the patient; the trial answers are carried from the patient's other intake.
Only the same patient's intakes, only at the user's sites; joint-level answers stay empty;
nothing is saved before the clinician saves.
"""

import datetime as dt

import pytest
from django import forms
from django.utils import timezone

from orthoregen.web.audit.models import AccessRecord
from orthoregen.web.clinic.models import JointEpisode, Patient
from orthoregen.web.consultation import services
from orthoregen.web.consultation.carry_forward import (
    ASKED_AGAIN,
    JOINT_TABLES,
    PATIENT_FIELDS,
    CarryForwardIntakeForm,
    intake_sources,
)
from orthoregen.web.consultation.facts import INTAKE_TABLES
from orthoregen.web.consultation.forms import PATIENT_FORM_FIELDS, IntakeForm
from orthoregen.web.consultation.models import (
    Intake,
    LabResult,
    Medication,
    PriorInjection,
    PriorSurgery,
)

TODAY = timezone.localdate


def days_ago(days: int) -> dt.date:
    return TODAY() - dt.timedelta(days=days)


def url(episode) -> str:
    return f"/consultation/episodes/{episode.pk}/intake/"


def as_submitted(form) -> dict:
    """Return the POST data a browser sends for ``form`` as rendered, changed by nothing."""
    data = {}
    for field in form:
        value = field.value()
        if isinstance(field.field, forms.NullBooleanField):
            data[field.html_name] = {True: "true", False: "false"}.get(value, "unknown")
        elif isinstance(field.field, forms.BooleanField):
            if value:
                data[field.html_name] = "on"
        elif isinstance(value, list):
            data[field.html_name] = [str(item) for item in value]
        elif isinstance(value, dt.date):
            data[field.html_name] = value.isoformat()
        elif value is not None:
            data[field.html_name] = str(value)
    return data


@pytest.fixture
def knee_history(knee_a, intake_for):
    """The left knee's intake: patient-level answers, a medication, and joint-level data."""
    intake = intake_for(knee_a, recorded_on=days_ago(30), diabetes=True, current_smoker=True,
                        height_cm=181, weight_kg=93, malignancy_status="in_remission",
                        malignancy_last_active_on=days_ago(8 * 365), active_infection=False,
                        pregnant_or_lactating=False, alignment="varus", alignment_degrees=7,
                        mri_bone_marrow_lesions=True, pain_value=8,
                        other_trial_enrolled=True,
                        other_trial_last_product_on=days_ago(400))
    patient = knee_a.patient
    Medication.objects.create(patient=patient, kind="anticoagulant_or_antiplatelet",
                              name="Apixaban", current=True)
    Medication.objects.create(patient=patient, kind="nsaid", name="Naproxen", current=False,
                              last_dose_on=days_ago(12))
    LabResult.objects.create(patient=patient, test="hba1c_percent", value=7.1,
                             collected_on=days_ago(40))
    PriorInjection.objects.create(patient=patient, agent="corticosteroid", joint="knee",
                                  side="left", given_on=days_ago(60))
    PriorSurgery.objects.create(patient=patient, kind="arthroscopy", joint="knee", side="left",
                                performed_on=days_ago(900))
    return intake


def rows_of(intake) -> dict:
    return {name: sorted(tuple(sorted((k, str(v)) for k, v in vars(row).items()
                                      if not k.startswith("_")))
                         for row in getattr(intake, name).all())
            for name in INTAKE_TABLES}


def test_every_intake_field_is_patient_or_joint_level():
    joint = set(IntakeForm.Meta.fields) - set(PATIENT_FIELDS) - set(ASKED_AGAIN) - {"recorded_on"}
    assert not joint & set(PATIENT_FORM_FIELDS)
    assert {"pain_value", "radiograph_grade", "planned_product_source"} <= joint
    assert JOINT_TABLES == INTAKE_TABLES == ("conservative_care",)


def test_second_joint_form_shows_the_patients_answers(
        as_user, clinician_a, knee_history, hip_a):
    response = as_user(clinician_a).get(url(hip_a))
    form = response.context["form"]
    assert isinstance(form, CarryForwardIntakeForm) and form.source == knee_history
    assert form["diabetes"].value() is True and form["current_smoker"].value() is True
    assert form["height_cm"].value() == 181 and form["weight_kg"].value() == 93
    assert form["malignancy_last_active_on"].value() == days_ago(8 * 365)
    assert form["other_trial_enrolled"].value() is True
    assert form.carried_fields == {"other_trial_enrolled", "other_trial_last_product_on"}
    html = response.content.decode()
    notice = (f"carried forward from the left knee intake of "
              f"{knee_history.recorded_on:%d %b %Y} — review before saving")
    assert notice in html and "HbA1c (%)" in html
    assert not Intake.objects.filter(episode=hip_a).exists()  # nothing saved on opening


def test_joint_level_answers_and_point_in_time_answers_are_not_carried(
        as_user, clinician_a, knee_history, hip_a):
    form = as_user(clinician_a).get(url(hip_a)).context["form"]
    joint = set(IntakeForm.Meta.fields) - set(PATIENT_FIELDS) - {"recorded_on"}
    for name in sorted(joint):
        if name in ("radiograph_scale", "radiograph_grade"):
            continue  # from the hip episode's own recorded grade, as for any new intake
        assert form[name].value() in (None, "", False), name
    assert form["radiograph_scale"].value() == "tonnis" and form["radiograph_grade"].value() == 2
    assert form["recorded_on"].value() == TODAY()


def test_saving_records_the_source_and_copies_no_patient_rows(
        as_user, clinician_a, knee_history, hip_a):
    client = as_user(clinician_a)
    knee_before = rows_of(knee_history)
    data = as_submitted(client.get(url(hip_a)).context["form"])
    assert client.post(url(hip_a), data).status_code == 302

    hip = Intake.objects.get(episode=hip_a)
    assert hip.carried_forward_from == knee_history and hip.entered_by == clinician_a
    assert hip.other_trial_enrolled is True and hip.bmi_kg_m2 == knee_history.bmi_kg_m2
    assert hip.active_infection is None and hip.pain_value is None and hip.alignment == ""
    assert not hip.conservative_care.exists()
    # The patient's rows are not copied: the hip reads the patient's own rows, the same
    # ones the knee reads, and an unchanged height and weight is not a new measurement.
    assert Medication.objects.count() == 2 and PriorInjection.objects.count() == 1
    assert LabResult.objects.count() == 4 and hip_a.patient.body_measurements.count() == 1
    facts = services.episode_assess(hip_a, TODAY()).facts
    assert facts.medications.anticoagulant_or_antiplatelet is True
    assert facts.comorbidities.diabetes is True and facts.labs.hba1c_percent.value == 7.1
    assert [shot.joint for shot in facts.prior_injections] == ["knee"]
    reason = f"carried forward from intake {knee_history.pk}"
    assert hip.history.get().history_change_reason == reason
    assert hip.history.get().carried_forward_from_id == knee_history.pk
    assert rows_of(knee_history) == knee_before
    page = client.get(f"/consultation/episodes/{hip_a.pk}/").content.decode()
    assert f"carried forward from the left knee intake of {knee_history.recorded_on:%d %b %Y}" \
        in page


def test_the_first_joints_intake_is_unaffected_by_later_edits(
        as_user, clinician_a, knee_history, hip_a):
    client = as_user(clinician_a)
    knee_before = rows_of(knee_history)
    client.post(url(hip_a), as_submitted(client.get(url(hip_a)).context["form"]))
    client.post(url(hip_a), {**as_submitted(client.get(url(hip_a)).context["form"]),
                             "other_trial_enrolled": "false", "pain_value": "3"})
    knee_history.refresh_from_db()
    assert knee_history.other_trial_enrolled is True and knee_history.pain_value == 8
    assert rows_of(knee_history) == knee_before
    assert knee_history.history.count() == 1


def test_most_recent_intake_of_another_joint_is_the_source(
        as_user, clinician_a, knee_history, shoulder_a, hip_a, intake_for):
    shoulder = intake_for(shoulder_a, recorded_on=days_ago(2), other_trial_enrolled=False)
    form = as_user(clinician_a).get(url(hip_a)).context["form"]
    assert form.source == shoulder and form["other_trial_enrolled"].value() is False


def test_blank_start_and_existing_intakes_are_never_prefilled(
        as_user, clinician_a, knee_history, hip_a, intake_for):
    client = as_user(clinician_a)
    blank = client.get(url(hip_a) + "?blank=1").context["form"]
    assert type(blank) is IntakeForm and blank["other_trial_enrolled"].value() is None
    # The patient's own answers are shown on a blank start too: they are not carried.
    assert blank["diabetes"].value() is True
    intake_for(hip_a, other_trial_enrolled=False)
    edit = client.get(url(hip_a)).context["form"]
    assert type(edit) is IntakeForm and edit["other_trial_enrolled"].value() is False


def test_a_carry_forward_posted_after_someone_saved_the_intake_changes_nothing(
        as_user, clinician_a, knee_history, hip_a, intake_for):
    client = as_user(clinician_a)
    data = as_submitted(client.get(url(hip_a)).context["form"])
    intake_for(hip_a, other_trial_enrolled=False)
    response = client.post(url(hip_a), data)
    assert response.status_code == 302 and response.url == url(hip_a)
    hip = Intake.objects.get(episode=hip_a)
    assert hip.other_trial_enrolled is False and hip.carried_forward_from is None


def foreign_intake(site, mrn: str, intake_for) -> Intake:
    """Store a right-knee intake, taking tacrolimus, of a patient Ada Aardvark born 1960."""
    patient = Patient.objects.create(site=site, mrn=mrn, family_name="Aardvark",
                                     given_name="Ada", date_of_birth=dt.date(1960, 5, 17),
                                     sex="female")
    episode = JointEpisode.objects.create(patient=patient, joint="knee", side="right",
                                          diagnosis_code="M17.11",
                                          grade_scale="kellgren_lawrence", grade=3)
    intake = intake_for(episode, recorded_on=days_ago(1), diabetes=True)
    LabResult.objects.create(patient=patient, test="hba1c_percent", value=9.9,
                             collected_on=days_ago(1))
    Medication.objects.create(patient=patient, kind="immunosuppressant", name="Tacrolimus")
    return intake


@pytest.fixture
def namesake_b(site_b, patient_a, intake_for):
    """A patient at site B with the same name, MRN and birth date as patient A."""
    return foreign_intake(site_b, patient_a.mrn, intake_for)


@pytest.fixture
def other_patient_a(site_a, intake_for):
    """Another patient at site A, with the same name and birth date as patient A."""
    return foreign_intake(site_a, "A-0002", intake_for)


@pytest.mark.parametrize("foreign", ["other_patient_a", "namesake_b"])
def test_another_patients_intake_is_never_used(request, as_user, clinician_a, patient_a, hip_a,
                                               foreign):
    foreign = request.getfixturevalue(foreign)
    client = as_user(clinician_a)
    response = client.get(url(hip_a))
    assert type(response.context["form"]) is IntakeForm
    assert "Tacrolimus" not in response.content.decode()
    assert not intake_sources(hip_a, clinician_a).exists()

    # A forged post naming the foreign intake and its rows is refused; nothing is saved.
    data = as_submitted(response.context["form"])
    data.update(carried_forward_from=str(foreign.pk), diabetes="true")
    response = client.post(url(hip_a), data)
    assert response.status_code == 200
    assert "is not available to you" in response.content.decode()
    assert not Intake.objects.filter(episode__patient=patient_a).exists()
    assert Medication.objects.count() == 1 and LabResult.objects.filter(value=9.9).count() == 1


def test_sources_are_confined_to_the_users_sites(clinician_a, clinician_b, knee_history, hip_a):
    assert list(intake_sources(hip_a, clinician_a)) == [knee_history]
    assert not intake_sources(hip_a, clinician_b).exists()
    assert not intake_sources(knee_history.episode, clinician_a).exists()  # never itself


def test_opening_a_prefilled_form_is_audited(as_user, clinician_a, knee_history, hip_a):
    as_user(clinician_a).get(url(hip_a))
    record = AccessRecord.objects.filter(patient=hip_a.patient).latest("pk")
    assert f"carried forward from intake {knee_history.pk}" in record.detail
