"""The patient's own history: recorded once on one page, read by every joint's assessment.

Injections and operations on any joint, medications and allergies belong to the patient.
A page submission is one transaction: a bad row rejects the whole page, rows are corrected
or removed with a reason and never deleted, and another site's patient or a role without
ENTER_INTAKE is refused.
"""

import datetime as dt
import re

import pytest
from django.utils import timezone

from orthoregen.web.consultation import services
from orthoregen.web.consultation.models import (
    Allergy,
    Medication,
    PatientHistory,
    PriorInjection,
)
from orthoregen.web.consultation.panels import allergies_asked, patient_allergies

TODAY = timezone.localdate


def days_ago(days: int) -> dt.date:
    return TODAY() - dt.timedelta(days=days)


def url(patient, episode=None) -> str:
    return f"/consultation/patients/{patient.pk}/history/" + (
        f"?episode={episode.pk}" if episode else "")


def management(**totals: int) -> dict:
    """The formset management data of a page with ``totals`` rows per table, none stored."""
    data = {}
    for key in ("injection", "surgery", "medication", "allergy"):
        data[f"{key}-TOTAL_FORMS"] = str(totals.get(key, 0))
        data[f"{key}-INITIAL_FORMS"] = "0"
    return data


def knee_steroid(days: int = 21) -> dict:
    return {"injection-0-agent": "corticosteroid", "injection-0-joint": "knee",
            "injection-0-side": "right", "injection-0-given_on": days_ago(days).isoformat()}


def page_data(**rows) -> dict:
    return {"injections_reviewed": "on", "surgeries_reviewed": "on",
            "medications_reviewed": "on", "allergies_reviewed": "on", "seen_saved_at": "",
            **management(injection=1, allergy=1), **knee_steroid(),
            "allergy-0-substance": "Penicillin", "allergy-0-reaction": "Rash",
            "allergy-0-severity": "severe", **rows}


def seen(patient) -> str:
    """The saved state a page opened now carries (services.history_saved_at)."""
    return services.history_saved_at(PatientHistory.objects.filter(patient=patient).first())


@pytest.fixture
def right_knee(patient_a):
    from .conftest import make_episode
    return make_episode(patient_a, "knee", "right", "M17.11", "kellgren_lawrence", 3)


def test_a_knee_steroid_three_weeks_ago_defers_the_hip_and_names_the_injection(
        as_user, clinician_a, patient_a, right_knee, hip_a, intake_for):
    """Done when: the hip of a patient with a knee corticosteroid three weeks ago is
    deferred, and the reason names the knee injection (joint, side, agent, date)."""
    intake_for(right_knee)
    intake_for(hip_a)
    client = as_user(clinician_a)
    response = client.post(url(patient_a), page_data(seen_saved_at=seen(patient_a)))
    assert response.status_code == 302 and response.url == f"/patients/{patient_a.pk}/"
    html = client.get(f"/consultation/episodes/{hip_a.pk}/").content.decode()
    assert re.search(r'data-outcome="(\w+)"', html).group(1) == "defer"
    # docs/candidacy.md#washouts: 28 days after a corticosteroid into any joint (Habib 2009).
    assert f"Defer until {days_ago(21) + dt.timedelta(days=28):%d %b %Y}" in html
    assert "WASHOUT-STEROID-ANY-02" in html
    assert (f"agent corticosteroid, joint knee, side right, given on "
            f"{days_ago(21).isoformat()}") in html
    # The same row is read by the knee's own assessment, as a "this joint" washout too.
    knee = services.episode_assess(right_knee, TODAY()).assessment
    failed = {result.rule_id for result in knee.failed}
    assert {"WASHOUT-STEROID-TARGET-01", "WASHOUT-STEROID-ANY-02"} <= failed


def test_a_this_joint_rule_is_not_triggered_by_another_joints_injection(
        as_user, clinician_a, patient_a, right_knee, hip_a, intake_for):
    intake_for(hip_a)
    data = page_data(**{"injection-0-agent": "hyaluronic_acid"}, seen_saved_at=seen(patient_a))
    assert as_user(clinician_a).post(url(patient_a), data).status_code == 302
    hip = {r.rule_id: r for r in services.episode_assess(hip_a, TODAY()).assessment.results}
    assert hip["WASHOUT-HA-PRP-TARGET-01"].status == "passed"
    knee = {r.rule_id: r
            for r in services.episode_assess(right_knee, TODAY()).assessment.results}
    assert knee["WASHOUT-HA-PRP-TARGET-01"].status == "failed"


def test_rows_are_recorded_once_with_who_and_when(as_user, coordinator_a, patient_a, hip_a):
    assert as_user(coordinator_a).post(url(patient_a), page_data()).status_code == 302
    shot, allergy = PriorInjection.objects.get(), Allergy.objects.get()
    assert shot.patient == patient_a and shot.recorded_by == coordinator_a
    assert allergy.recorded_by == coordinator_a and allergy.recorded_at is not None
    assert str(allergy) == "Penicillin (Rash) — severe"
    history = PatientHistory.objects.get(patient=patient_a)
    assert history.injections_reviewed and history.allergies_reviewed


def test_a_bad_row_rejects_the_whole_submission_with_its_own_error(
        as_user, clinician_a, patient_a):
    data = page_data(**{"medication-TOTAL_FORMS": "2", "medication-0-kind": "nsaid",
                        "medication-0-name": "Naproxen", "medication-0-current": "on",
                        "medication-1-kind": "nsaid", "medication-1-name": "",
                        "medication-1-current": "on",
                        "injection-0-given_on": "2999-01-01"})
    response = as_user(clinician_a).post(url(patient_a), data)
    assert response.status_code == 200
    formsets = {fs.prefix: fs for fs in response.context["formsets"]}
    assert formsets["injection"].errors[0] == {"given_on": ["This date is in the future."]}
    assert formsets["medication"].errors[0] == {}
    assert "name" in formsets["medication"].errors[1]
    html = response.content.decode()
    assert "Nothing was saved" in html and 'id="injection-row-1"' in html
    assert not PriorInjection.objects.exists() and not Medication.objects.exists()
    assert not Allergy.objects.exists() and not PatientHistory.objects.exists()


def test_add_another_row_without_javascript_saves_nothing(as_user, clinician_a, patient_a):
    data = {**page_data(), "more": "allergy"}
    response = as_user(clinician_a).post(url(patient_a), data)
    assert response.status_code == 200
    allergy = {fs.prefix: fs for fs in response.context["formsets"]}["allergy"]
    assert allergy.total_form_count() == 2
    assert response.context["formsets"][0].forms[0]["agent"].value() == "corticosteroid"
    assert not Allergy.objects.exists() and not PatientHistory.objects.exists()


def test_a_recorded_row_is_corrected_or_removed_only_with_a_reason(
        as_user, clinician_a, patient_a):
    client = as_user(clinician_a)
    client.post(url(patient_a), page_data())
    shot = PriorInjection.objects.get()
    seen = PatientHistory.objects.get().entered_at.isoformat()
    stored = {"seen_saved_at": seen, "injections_reviewed": "on", "allergies_reviewed": "on",
              **management(injection=1, allergy=1), "injection-INITIAL_FORMS": "1",
              "allergy-INITIAL_FORMS": "1", "injection-0-row_id": str(shot.pk),
              **knee_steroid(), "allergy-0-row_id": str(Allergy.objects.get().pk),
              "allergy-0-substance": "Penicillin", "allergy-0-reaction": "Rash",
              "allergy-0-severity": "severe"}
    response = client.post(url(patient_a), {**stored, "injection-0-remove": "on"})
    assert response.status_code == 200
    errors = {fs.prefix: fs for fs in response.context["formsets"]}["injection"].errors
    assert "reason" in errors[0]
    assert PriorInjection.objects.current().count() == 1

    removed = {**stored, "injection-0-remove": "on",
               "injection-0-reason": "entered on the wrong patient"}
    assert client.post(url(patient_a), removed).status_code == 302
    shot.refresh_from_db()
    assert shot.is_removed and shot.removed_by == clinician_a
    assert shot.removal_reason == "entered on the wrong patient"
    assert PriorInjection.objects.count() == 1  # kept, never deleted
    assert shot.history.first().history_change_reason == "removed: entered on the wrong patient"


def test_a_stale_page_is_refused_and_saves_nothing(as_user, clinician_a, coordinator_a,
                                                   patient_a):
    as_user(coordinator_a).post(url(patient_a), page_data())
    response = as_user(clinician_a).post(url(patient_a), page_data())
    assert response.status_code == 302
    assert PriorInjection.objects.count() == 1 and Allergy.objects.count() == 1


def test_a_forged_row_of_another_patient_is_refused(as_user, clinician_a, patient_a,
                                                    other_patient):
    foreign = PriorInjection.objects.create(patient=other_patient, agent="prp", joint="knee",
                                            side="left", given_on=days_ago(5))
    data = {**page_data(), "injection-INITIAL_FORMS": "1",
            "injection-0-row_id": str(foreign.pk), "injection-0-remove": "on",
            "injection-0-reason": "forged"}
    response = as_user(clinician_a).post(url(patient_a), data)
    assert response.status_code == 302
    foreign.refresh_from_db()
    assert not foreign.is_removed and not Allergy.objects.exists()


@pytest.fixture
def other_patient(site_a):
    from orthoregen.web.clinic.models import Patient
    return Patient.objects.create(site=site_a, mrn="A-0099", family_name="Other",
                                  given_name="Olga", date_of_birth=dt.date(1955, 1, 1),
                                  sex="female")


def test_another_sites_patient_is_404_and_nothing_saved(as_user, clinician_b, patient_a):
    client = as_user(clinician_b)
    assert client.get(url(patient_a)).status_code == 404
    assert client.post(url(patient_a), page_data()).status_code == 404
    assert not PriorInjection.objects.exists()


@pytest.mark.parametrize("role", ["lab_a", "analyst_a"])
def test_a_role_without_intake_entry_is_refused(request, as_user, patient_a, role):
    client = as_user(request.getfixturevalue(role))
    assert client.get(url(patient_a)).status_code == 403
    assert client.post(url(patient_a), page_data()).status_code == 403
    assert not PriorInjection.objects.exists()


def test_allergies_are_exposed_to_later_stages(as_user, clinician_a, patient_a):
    assert patient_allergies(patient_a) == [] and not allergies_asked(patient_a)
    as_user(clinician_a).post(url(patient_a), page_data(**{
        "allergy-TOTAL_FORMS": "2", "allergy-1-substance": "Latex",
        "allergy-1-severity": "mild"}))
    lines = patient_allergies(patient_a)
    assert [line.text for line in lines] == ["Penicillin (Rash) — severe", "Latex — mild"]
    assert lines[0].recorded_by == "Clinician_A Tester" and allergies_asked(patient_a)
    Allergy.objects.filter(substance="Latex").update(removed_at=timezone.now())
    assert [line.substance for line in patient_allergies(patient_a.pk)] == ["Penicillin"]


def test_the_history_page_is_audited(as_user, clinician_a, patient_a):
    from orthoregen.web.audit.models import AccessRecord
    as_user(clinician_a).get(url(patient_a))
    record = AccessRecord.objects.filter(patient=patient_a).latest("pk")
    assert "patient history" in record.detail
