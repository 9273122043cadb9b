"""Scenario tests through the consultation page: the protocol result and its reasons.

Expected outcomes come from the default protocol's rules (docs/candidacy.md#washouts,
docs/candidacy.md#default-protocol)
as encoded in the shipped default protocol, not from this app's output.
"""

import datetime as dt
import re

import pytest
from django.utils import timezone

from orthoregen.web.audit.models import AccessAction, AccessRecord
from orthoregen.web.consultation.models import PriorInjection


def page(client, episode):
    response = client.get(f"/consultation/episodes/{episode.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def live_outcome(html: str) -> str:
    return re.search(r'data-outcome="(\w+)"', html).group(1)


def test_knee_kl3_with_steroid_40_days_ago_defers_until_day_90(as_user, clinician_a, knee_a,
                                                               intake_for):
    intake_for(knee_a)
    given = timezone.localdate() - dt.timedelta(days=40)
    PriorInjection.objects.create(patient=knee_a.patient, agent="corticosteroid", joint="knee",
                                  side="left", given_on=given)
    html = page(as_user(clinician_a), knee_a)
    assert live_outcome(html) == "defer"
    # docs/candidacy.md#washouts: 90 days after the last corticosteroid injection into the joint.
    until = given + dt.timedelta(days=90)
    assert f"Defer until {until:%d %b %Y}" in html
    assert "WASHOUT-STEROID-TARGET-01" in html
    assert "Corticosteroid injected into this joint less than 90 days ago" in html


def test_hip_with_avascular_necrosis_is_not_suitable(as_user, clinician_a, hip_a, intake_for):
    intake_for(hip_a, mri_avascular_necrosis=True)
    html = page(as_user(clinician_a), hip_a)
    assert live_outcome(html) == "not_suitable"
    assert "HIP-AVN-01" in html
    assert "Avascular necrosis of the hip" in html


def test_shoulder_samilson_prieto_3_is_suitable_to_discuss(as_user, clinician_a, shoulder_a,
                                                           intake_for):
    intake_for(shoulder_a, radiograph_grade=3)
    html = page(as_user(clinician_a), shoulder_a)
    assert live_outcome(html) == "suitable_discuss"
    assert "Suitable — discuss expectations" in html
    assert "SHOULDER-GRADE-02" in html


def test_missing_kl_grade_is_incomplete_and_names_it(as_user, clinician_a, knee_a, intake_for):
    intake_for(knee_a, radiograph_scale="", radiograph_grade=None)
    html = page(as_user(clinician_a), knee_a)
    assert live_outcome(html) == "incomplete"
    collect = html[html.index("To collect before a decision"):]
    assert "radiographic grade (scale, grade and date)" in collect[:400]


def test_episode_without_intake_lists_what_to_collect(as_user, clinician_a, knee_a):
    html = page(as_user(clinician_a), knee_a)
    assert live_outcome(html) == "incomplete"
    assert "BMI (kg/m²)" in html and "history of injections" in html


def test_complete_knee_is_suitable(as_user, clinician_a, knee_a, intake_for):
    intake_for(knee_a)
    assert live_outcome(page(as_user(clinician_a), knee_a)) == "suitable"


def test_page_read_leaves_an_access_record(as_user, clinician_a, knee_a, patient_a):
    page(as_user(clinician_a), knee_a)
    record = AccessRecord.objects.get(patient=patient_a, action=AccessAction.VIEW)
    assert record.user == clinician_a
    assert f"episode {knee_a.pk}" in record.detail


def test_other_site_sees_404_and_a_refusal_naming_no_patient(as_user, clinician_b, knee_a):
    response = as_user(clinician_b).get(f"/consultation/episodes/{knee_a.pk}/")
    assert response.status_code == 404
    refusal = AccessRecord.objects.get()  # the attempt is recorded (audit middleware) ...
    assert (refusal.user, refusal.action, refusal.patient) == (clinician_b, "denied", None)


def test_analyst_is_refused(as_user, analyst_a, knee_a):
    assert as_user(analyst_a).get(f"/consultation/episodes/{knee_a.pk}/").status_code == 403


@pytest.mark.parametrize("path", ["", "intake/", "consent/"])
def test_anonymous_is_sent_to_login(client, knee_a, path):
    response = client.get(f"/consultation/episodes/{knee_a.pk}/{path}")
    assert response.status_code == 302
    assert response.url.startswith("/login/")


def test_coordinator_sees_the_result_but_no_decision_form(as_user, coordinator_a, knee_a,
                                                          intake_for):
    intake_for(knee_a)
    html = page(as_user(coordinator_a), knee_a)
    assert live_outcome(html) == "suitable"
    assert "Record decision" not in html and "Edit intake" in html
    assert "Record consent" not in html


def test_intake_and_consent_forms_leave_access_records(as_user, clinician_a, knee_a, patient_a):
    client = as_user(clinician_a)
    client.get(f"/consultation/episodes/{knee_a.pk}/intake/")
    client.get(f"/consultation/episodes/{knee_a.pk}/consent/")
    details = list(AccessRecord.objects.filter(patient=patient_a).values_list("detail", flat=True))
    assert any("intake form" in d for d in details) and any("consent form" in d for d in details)
