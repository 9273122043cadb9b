"""The patient's access log: who at the clinic looked at or changed their record, in words.

It opens only as the results page does (the session of the browser that submitted, for an
hour), shows only that patient's record, and names no URL.
"""

import time

import pytest
from django.test import Client
from django.urls import reverse

from orthoregen.web.audit.models import AccessAction, AccessRecord

LOG = "/portal/results/access/"


def open_session(client, patient):
    """What questionnaire_submit leaves in the browser that submitted (portal.views)."""
    session = client.session
    session["portal_patient"] = patient.pk
    session["portal_until"] = time.time() + 3600
    session.save()
    return client


def staff_opens_chart(user, patient):
    staff = Client()
    staff.force_login(user)
    assert staff.get(reverse("patient-detail", args=[patient.pk])).status_code == 200


def test_the_url_is_the_portal_access_log():
    assert reverse("portal:access-log") == LOG


def test_a_patient_sees_who_looked_and_who_changed_in_words(
        client, patient_a, clinician_a, coordinator_a):
    staff_opens_chart(clinician_a, patient_a)
    patient_a.phone = "020 7946 0000"
    patient_a._history_user = coordinator_a  # django-simple-history's author of the change
    patient_a.save()
    page = open_session(client, patient_a).get(LOG)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Clinician_A Tester" in text and "(Clinician, Clinic A)" in text
    assert "Looked at your patient chart" in text
    assert "Coordinator_A Tester" in text and "(Coordinator / nurse, Clinic A)" in text
    assert "Changed your personal details" in text
    assert f"/patients/{patient_a.pk}" not in text  # words, not URLs
    assert "no-store" in page["Cache-Control"]


def test_a_spanish_patient_reads_the_log_in_spanish(client, patient_a, clinician_a):
    # The phrases are whole translations (docs/translations.md), built in the patient's
    # language for this request only, like the other portal pages.
    patient_a.preferred_language = "es"
    patient_a.save()
    staff_opens_chart(clinician_a, patient_a)
    page = open_session(client, patient_a).get(LOG)
    text = page.content.decode()
    assert page["Content-Language"] == "es"
    assert "Quién ha consultado su historia clínica" in text
    assert "Consultó su historia clínica de paciente" in text
    assert "Looked at" not in text


def test_the_areas_of_the_record_are_named(client, patient_a, clinician_a):
    staff = Client()
    staff.force_login(clinician_a)
    episode = patient_a.episodes.get()
    assert staff.get(reverse("consultation:episode", args=[episode.pk])).status_code == 200
    text = open_session(client, patient_a).get(LOG).content.decode()
    assert "Looked at your consultation: history, assessment, decision and consent" in text


def test_another_patients_session_sees_nothing_of_it(client, patient_a, patient_b,
                                                      clinician_a, clinician_b):
    staff_opens_chart(clinician_a, patient_a)
    staff_opens_chart(clinician_b, patient_b)
    text = open_session(client, patient_b).get(LOG).content.decode()
    assert "Clinician_B Tester" in text
    assert "Clinician_A Tester" not in text and "Clinic A" not in text


@pytest.mark.parametrize("session", ["none", "expired"])
def test_without_the_results_session_it_is_refused_and_recorded(client, patient_a,
                                                                 clinician_a, session):
    staff_opens_chart(clinician_a, patient_a)
    if session == "expired":
        open_session(client, patient_a)
        stored = client.session
        stored["portal_until"] = time.time() - 1
        stored.save()
    page = client.get(LOG)
    assert page.status_code == 404
    assert "Clinician_A Tester" not in page.content.decode()
    assert AccessRecord.objects.filter(detail="portal: access log refused (no session)").exists()


def test_a_questionnaire_link_alone_does_not_open_it(client, link_a, clinician_a, patient_a):
    staff_opens_chart(clinician_a, patient_a)
    _, url = link_a
    assert client.get(url).status_code == 200
    assert client.get(LOG).status_code == 404


def test_the_patients_own_visit_is_recorded_and_not_listed_as_staff(client, patient_a):
    open_session(client, patient_a)
    client.get(LOG)
    text = client.get(LOG).content.decode()
    assert "No member of staff has opened your record yet." in text
    assert AccessRecord.objects.filter(patient=patient_a, user=None, action=AccessAction.VIEW,
                                       detail="portal: own access log").count() == 2


def test_the_results_page_links_to_it(client, patient_a):
    assert f'href="{LOG}"' in open_session(client, patient_a).get(
        reverse("portal:results")).content.decode()
