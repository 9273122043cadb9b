"""A second joint's intake starts from the patient-level answers of the patient's other intake.

Only the same patient's intakes, only at the user's sites; joint-level answers stay empty;
nothing is saved before the clinician saves; dates are kept, so stale labs stay stale.
"""

import dataclasses
import datetime as dt

import pytest
from django import forms
from django.utils import timezone

from orthoregen.pathways import DEFAULT_PROTOCOL, Outcome, ProtocolStatus, with_threshold
from orthoregen.pathways.conditions import LabTest, current_lab
from orthoregen.pathways.facts import CandidacyFacts, Labs, LabValue
from orthoregen.web.audit.models import AccessRecord
from orthoregen.web.clinic.models import JointEpisode, Patient
from orthoregen.web.consultation import services
from orthoregen.web.consultation.carry_forward import (
    ASKED_AGAIN,
    JOINT_FIELDS,
    JOINT_TABLES,
    PATIENT_FIELDS,
    PATIENT_TABLES,
    CarryForwardIntakeForm,
    intake_sources,
    is_past_validity,
    lab_validity_days,
)
from orthoregen.web.consultation.facts import INTAKE_TABLES
from orthoregen.web.consultation.forms import IntakeForm
from orthoregen.web.consultation.models import (
    ConservativeCare,
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
                        mri_bone_marrow_lesions=True, pain_value=8)
    patient = knee_a.patient
    Medication.objects.create(patient=patient, kind="anticoagulant_or_antiplatelet",
                              name="Apixaban", current=True)
    Medication.objects.create(patient=patient, kind="nsaid", name="Naproxen", current=False,
                              last_dose_on=days_ago(12))
    LabResult.objects.create(intake=intake, test="hba1c_percent", value=7.1,
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


def test_every_intake_field_and_table_is_patient_or_joint_level():
    groups = [set(PATIENT_FIELDS), set(ASKED_AGAIN), set(JOINT_FIELDS), {"recorded_on"}]
    assert sum(len(group) for group in groups) == len(IntakeForm.Meta.fields)
    assert set().union(*groups) == set(IntakeForm.Meta.fields)
    assert sorted(PATIENT_TABLES + JOINT_TABLES) == sorted(INTAKE_TABLES)


def test_second_joint_form_is_prefilled_with_patient_level_answers(
        as_user, clinician_a, knee_history, hip_a):
    response = as_user(clinician_a).get(url(hip_a))
    form = response.context["form"]
    assert isinstance(form, CarryForwardIntakeForm) and form.source == knee_history
    assert form["diabetes"].value() is True and form["current_smoker"].value() is True
    assert form["height_cm"].value() == 181 and form["weight_kg"].value() == 93
    assert form["malignancy_last_active_on"].value() == days_ago(8 * 365)
    assert {"diabetes", "height_cm", "current_smoker"} <= form.carried_fields
    html = response.content.decode()
    notice = (f"carried forward from the left knee intake of "
              f"{knee_history.recorded_on:%d %b %Y} — review before saving")
    assert notice in html and "HbA1c (%) 7.1" in html
    assert not Intake.objects.filter(episode=hip_a).exists()  # nothing saved on opening


def test_joint_level_answers_and_point_in_time_answers_are_not_carried(
        as_user, clinician_a, knee_history, hip_a):
    form = as_user(clinician_a).get(url(hip_a)).context["form"]
    for name in (*JOINT_FIELDS, *ASKED_AGAIN):
        if name in ("radiograph_scale", "radiograph_grade"):
            continue  # from the hip episode's own recorded grade, as for any new intake
        assert form[name].value() in (None, "", False), name
    assert form["radiograph_scale"].value() == "tonnis" and form["radiograph_grade"].value() == 2
    assert form["recorded_on"].value() == TODAY()


def test_saving_copies_lab_rows_with_their_dates_and_records_the_source(
        as_user, clinician_a, knee_history, hip_a):
    client = as_user(clinician_a)
    knee_before = rows_of(knee_history)
    data = as_submitted(client.get(url(hip_a)).context["form"])
    assert client.post(url(hip_a), data).status_code == 302

    hip = Intake.objects.get(episode=hip_a)
    assert hip.carried_forward_from == knee_history and hip.entered_by == clinician_a
    assert hip.diabetes is True and hip.bmi_kg_m2 == knee_history.bmi_kg_m2
    assert hip.active_infection is None and hip.pain_value is None and hip.alignment == ""
    labs = {(lab.test, lab.value, lab.collected_on) for lab in hip.labs.all()}
    assert labs == {(lab.test, lab.value, lab.collected_on) for lab in knee_history.labs.all()}
    assert all(row.entered_by == clinician_a for row in hip.labs.all())
    assert not hip.conservative_care.exists()
    # The patient's medications, injections and operations are not copied: the hip reads
    # the patient's own rows, the same ones the knee reads.
    assert Medication.objects.count() == 2 and PriorInjection.objects.count() == 1
    facts = services.episode_assess(hip_a, TODAY()).facts
    assert facts.medications.anticoagulant_or_antiplatelet is True
    assert [shot.joint for shot in facts.prior_injections] == ["knee"]
    reason = f"carried forward from intake {knee_history.pk}"
    assert hip.history.get().history_change_reason == reason
    assert hip.history.get().carried_forward_from_id == knee_history.pk
    assert {h.history_change_reason for h in LabResult.history.filter(intake_id=hip.pk)} \
        == {reason}
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
                             "diabetes": "false", "height_cm": "150"})
    knee_history.refresh_from_db()
    assert knee_history.diabetes is True and knee_history.height_cm == 181
    assert rows_of(knee_history) == knee_before
    assert knee_history.history.count() == 1


def test_clinician_chooses_which_rows_to_carry(as_user, clinician_a, knee_history, hip_a):
    client = as_user(clinician_a)
    data = as_submitted(client.get(url(hip_a)).context["form"])
    data["carry_labs"] = []
    client.post(url(hip_a), data)
    hip = Intake.objects.get(episode=hip_a)
    assert not hip.labs.exists()


def test_most_recent_intake_of_another_joint_is_the_source(
        as_user, clinician_a, knee_history, shoulder_a, hip_a, intake_for):
    shoulder = intake_for(shoulder_a, recorded_on=days_ago(2), current_smoker=False)
    form = as_user(clinician_a).get(url(hip_a)).context["form"]
    assert form.source == shoulder and form["current_smoker"].value() is False


def test_blank_start_and_existing_intakes_are_never_prefilled(
        as_user, clinician_a, knee_history, hip_a, intake_for):
    client = as_user(clinician_a)
    blank = client.get(url(hip_a) + "?blank=1").context["form"]
    assert type(blank) is IntakeForm and blank["diabetes"].value() is None
    intake_for(hip_a, diabetes=False)
    edit = client.get(url(hip_a)).context["form"]
    assert type(edit) is IntakeForm and edit["diabetes"].value() is False


def test_a_carry_forward_posted_after_someone_saved_the_intake_changes_nothing(
        as_user, clinician_a, knee_history, hip_a, intake_for):
    client = as_user(clinician_a)
    data = as_submitted(client.get(url(hip_a)).context["form"])
    intake_for(hip_a, diabetes=False)
    response = client.post(url(hip_a), data)
    assert response.status_code == 302 and response.url == url(hip_a)
    hip = Intake.objects.get(episode=hip_a)
    assert hip.diabetes is False and hip.carried_forward_from is None
    assert not hip.labs.filter(test="hba1c_percent").exists()


def foreign_intake(site, mrn: str, intake_for) -> Intake:
    """Store a right-knee intake, taking tacrolimus, of a patient Ada Aardvark born 1960."""
    patient = Patient.objects.create(site=site, mrn=mrn, family_name="Aardvark",
                                     given_name="Ada", date_of_birth=dt.date(1960, 5, 17),
                                     sex="female")
    episode = JointEpisode.objects.create(patient=patient, joint="knee", side="right",
                                          diagnosis_code="M17.11",
                                          grade_scale="kellgren_lawrence", grade=3)
    intake = intake_for(episode, recorded_on=days_ago(1), diabetes=True)
    LabResult.objects.create(intake=intake, test="hba1c_percent", value=9.9,
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
    data.update(carried_forward_from=str(foreign.pk), diabetes="true",
                carry_labs=[str(foreign.labs.get(test="hba1c_percent").pk)])
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


def test_carried_labs_past_validity_leave_the_assessment_as_if_typed_by_hand(
        as_user, clinician_a, knee_history, hip_a):
    knee_history.labs.update(collected_on=days_ago(120))
    client = as_user(clinician_a)
    response = client.get(url(hip_a))
    assert "past the protocol&#x27;s 90-day validity" in response.content.decode()
    assert len(response.context["form"].stale_labs) == knee_history.labs.count()
    # The hip's own answers, complete, so that only the labs can leave a question open.
    client.post(url(hip_a), {**as_submitted(response.context["form"]), **HIP_ANSWERS})
    hip = Intake.objects.get(episode=hip_a)
    for treatment in ("physiotherapy", "oral_nsaid"):
        ConservativeCare.objects.create(intake=hip, treatment=treatment)
    assert {lab.collected_on for lab in hip.labs.all()} == {days_ago(120)}
    carried = services.episode_assess(hip_a, TODAY()).assessment
    assert carried.outcome is Outcome.INCOMPLETE
    assert set(carried.to_collect) == {"labs.hba1c_percent", "labs.alt_iu_l", "labs.ast_iu_l",
                                       "labs.creatinine_mg_dl"}

    # The same results typed by hand on the lab form give the same assessment.
    typed = [(lab.test, lab.value, lab.collected_on) for lab in hip.labs.all()]
    hip.labs.all().delete()
    page = client.get(url(hip_a))
    data = {**as_submitted(page.context["form"]), "lab-TOTAL_FORMS": str(len(typed)),
            "lab-INITIAL_FORMS": "0"}
    for n, (test, value, collected_on) in enumerate(typed):
        data.update({f"lab-{n}-test": test, f"lab-{n}-value": str(value),
                     f"lab-{n}-collected_on": collected_on.isoformat()})
    assert client.post(url(hip_a), data).status_code == 302
    assert services.episode_assess(hip_a, TODAY()).assessment == carried


HIP_ANSWERS = {
    "active_infection": "false", "pregnant_or_lactating": "false",
    "conservative_care_reviewed": "on",
    "radiograph_grader": "Dr Grader", "radiograph_graded_on": days_ago(20).isoformat(),
    "mri_reviewed_on": days_ago(10).isoformat(), "mri_avascular_necrosis": "false",
    "examined_on": days_ago(1).isoformat(), "effusion": "false",
    "mechanical_symptoms": "false", "pain_scale": "nrs", "pain_value": "6",
    "pain_recorded_on": days_ago(1).isoformat(), "planned_product_source": "allogeneic",
}


@pytest.mark.parametrize("age_days", [0, 89, 90, 91, 400])
def test_stale_flag_agrees_with_the_engine(age_days):
    lab = LabResult(test="alt_iu_l", value=30, collected_on=days_ago(age_days))
    validity = lab_validity_days(DEFAULT_PROTOCOL, "knee")
    facts = CandidacyFacts(joint="knee", side="left",
                           labs=Labs(alt_iu_l=LabValue(30, lab.collected_on)))
    engine_ignores = current_lab(LabTest.ALT_IU_L, facts, TODAY(), 90) is None
    assert validity["alt_iu_l"] == 90
    assert is_past_validity(lab, validity, TODAY()) is engine_ignores


def test_validity_windows_follow_the_sites_protocol():
    draft = dataclasses.replace(DEFAULT_PROTOCOL, status=ProtocolStatus.DRAFT)
    shorter = with_threshold(draft, "LABS-ALT-01", valid_for_days=30)
    assert lab_validity_days(shorter, "hip")["alt_iu_l"] == 30
    assert lab_validity_days(shorter, "hip")["hba1c_percent"] == 90

