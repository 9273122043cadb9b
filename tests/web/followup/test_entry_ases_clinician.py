"""Staff entry of the ASES physician section at a shoulder visit (clinician only).

The codes and ranges come from Richards RR et al., J Shoulder Elbow Surg 1994;3:347–52
(tested in tests/instruments/test_ases_clinician.py); here the point is that the web layer
offers it for shoulders only, lets the clinician enter it, refuses a coordinator and an
impossible value, and keeps the items as recorded (no summed score exists).
"""

import datetime as dt

import pytest
from django.urls import reverse

from orthoregen.web.clinic.models import JointEpisode
from orthoregen.web.followup import entry
from orthoregen.web.followup.models import QuestionnaireResponse, ResponseSource
from orthoregen.web.followup.services import schedule_create

from .conftest import ADMINISTERED
from .test_entry import IN_WINDOW, post_form, record

# A shoulder examination: elevation 120° active / 140° passive, external rotation at the
# side −10° (a rotation contracture), thumb to L5 (code 5), AC joint tenderness moderate (2),
# painful arc present, abduction MRC 4, inferior translation mild (1).
EXAM = {"active_forward_elevation_deg": 120, "passive_forward_elevation_deg": 140,
        "active_er_side_deg": -10, "active_internal_rotation_level": 5, "tender_ac_joint": 2,
        "impingement_3": 1, "strength_abduction": 4, "translation_inferior": 1}


@pytest.fixture
def shoulder_visit(patient_a):
    episode = JointEpisode.objects.create(patient=patient_a, joint="shoulder", side="left",
                                          diagnosis_code="M19.012",
                                          grade_scale="kellgren_lawrence", grade=3)
    schedule = schedule_create(episode, administered_on=ADMINISTERED)
    return schedule.visits.get(timepoint="month_3", kind="visit")


def form_data(values):
    return {**values, "mode": "clinician", "completed_on": IN_WINDOW.isoformat()}


def test_a_clinician_enters_the_ases_clinician_section(client, shoulder_visit, clinician_a,
                                                       patient_a):
    client.force_login(clinician_a)
    url = reverse("followup:entry-create", args=[shoulder_visit.pk, "ases_clinician"])
    assert client.get(url).status_code == 200
    answer = post_form(client, url, clinician_a, patient_a, form_data(EXAM))
    assert answer.status_code == 302, answer.content.decode()[:2000]
    saved = QuestionnaireResponse.objects.get()
    assert saved.source == "clinician" and saved.entered_by == clinician_a
    assert saved.answers == EXAM
    assert {k: saved.scores[k] for k in EXAM} == {k: float(v) for k, v in EXAM.items()}
    assert saved.scores["items_recorded"] == 8 and "total" not in saved.scores
    page = client.get(answer["Location"]).content.decode()
    assert "Clinician-reported" in page and "Items recorded" in page


def test_a_coordinator_cannot_enter_it(client, shoulder_visit, coordinator_a, patient_a):
    with pytest.raises(entry.ClinicianOnly, match="Only a clinician"):
        record(shoulder_visit, "ases_clinician", EXAM, coordinator_a,
               mode=ResponseSource.CLINICIAN)
    client.force_login(coordinator_a)
    url = reverse("followup:entry-create", args=[shoulder_visit.pk, "ases_clinician"])
    assert client.get(url).status_code == 403
    assert post_form(client, url, coordinator_a, patient_a, form_data(EXAM)).status_code == 403
    assert not QuestionnaireResponse.objects.exists()


@pytest.mark.parametrize(("item", "value", "message"), [
    ("strength_abduction", 6, "6 is not one of the available choices"),  # MRC stops at 5
    ("active_forward_elevation_deg", 400, "not credible"),
])
def test_an_impossible_value_is_refused(client, shoulder_visit, clinician_a, patient_a,
                                        item, value, message):
    client.force_login(clinician_a)
    url = reverse("followup:entry-create", args=[shoulder_visit.pk, "ases_clinician"])
    answer = post_form(client, url, clinician_a, patient_a, form_data({**EXAM, item: value}))
    assert answer.status_code == 400  # the form again, with the error on the item
    assert message in answer.content.decode()
    assert not QuestionnaireResponse.objects.exists()
    with pytest.raises(entry.EntryRefused, match=item):
        record(shoulder_visit, "ases_clinician", {**EXAM, item: value}, clinician_a,
               mode=ResponseSource.CLINICIAN)


def test_offered_at_a_shoulder_visit_and_not_at_a_knee_visit(client, visit_a, shoulder_visit,
                                                             clinician_a):
    # visit_a first: its fixture reads patient A's only episode, before the shoulder's exists.
    offered = {o.instrument.id for o in entry.entry_instruments(shoulder_visit)}
    assert "ases_clinician" in offered
    assert "ases_clinician" not in {o.instrument.id for o in entry.entry_instruments(visit_a)}
    client.force_login(clinician_a)
    shoulder = client.get(reverse("followup:entry-choose", args=[shoulder_visit.pk]))
    knee = client.get(reverse("followup:entry-choose", args=[visit_a.pk]))
    assert "ASES shoulder assessment (clinician section)" in shoulder.content.decode()
    assert "ASES shoulder assessment (clinician section)" not in knee.content.decode()
    with pytest.raises(entry.EntryRefused, match="not an instrument for the knee"):
        record(visit_a, "ases_clinician", EXAM, clinician_a, mode=ResponseSource.CLINICIAN,
               on=dt.date(2026, 4, 10))
