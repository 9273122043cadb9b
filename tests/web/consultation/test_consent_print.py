"""The printable consent: what it shows, who may open it, and its access record."""

import datetime as dt

import pytest
from django.urls import reverse
from tests.web.conftest import make_patient

from orthoregen.pathways import ConsentElement
from orthoregen.web.audit.models import AccessAction, AccessRecord
from orthoregen.web.consultation import services

ALL_ELEMENTS = [element.value for element in ConsentElement]


@pytest.fixture
def consent_a(knee_a, consent_document_a, clinician_a):
    return services.consent_record(
        knee_a, document=consent_document_a, consented_on=dt.date(2026, 12, 6),
        consenting_as="patient", consenting_person="Ada Aardvark",
        elements_confirmed=ALL_ELEMENTS, by=clinician_a)


def print_url(consent):
    return reverse("consultation:consent-print", args=[consent.episode_id, consent.pk])


def test_printable_consent_shows_document_patient_joint_text_and_signatures(
        as_user, clinician_a, coordinator_a, consent_a):
    clinician_a.first_name, clinician_a.last_name = "Mina", "Okoye"
    clinician_a.save()
    response = as_user(coordinator_a).get(print_url(consent_a))
    assert response.status_code == 200
    page = response.content.decode()
    document = consent_a.document
    for expected in (document.title, f"Version <strong>{document.version}</strong>",
                     document.sha256[:16], "AARDVARK, Ada", "A-0001", "17 May 1960",
                     "Knee, left", "06 Dec 2026", "Ada Aardvark (the patient)",
                     "Long-term risks are not known.", "Signatures", "Witness",
                     "Clinician taking consent", "Recorded in orthoregen by Mina Okoye"):
        assert expected in page, expected
    # Every element discussed, in words.
    assert "Expected benefits and their uncertainty" in page
    assert "benefits_and_uncertainty" not in page


def test_withdrawn_consent_says_so_on_paper(as_user, clinician_a, consent_a):
    services.consent_withdraw(consent_a, withdrawn_on=dt.date(2026, 12, 7),
                              reason="Changed her mind", by=clinician_a)
    page = as_user(clinician_a).get(print_url(consent_a)).content.decode()
    assert "Withdrawn on 07 Dec 2026" in page and "Changed her mind" in page


def test_consent_page_links_to_the_printable_consent(as_user, clinician_a, consent_a):
    page = as_user(clinician_a).get(
        reverse("consultation:episode", args=[consent_a.episode_id])).content.decode()
    assert print_url(consent_a) in page


def test_opening_it_leaves_an_access_record_naming_the_patient(as_user, clinician_a,
                                                              consent_a):
    as_user(clinician_a).get(print_url(consent_a))
    record = AccessRecord.objects.filter(path=print_url(consent_a)).get()
    assert record.user == clinician_a and record.action == AccessAction.VIEW
    assert record.patient == consent_a.episode.patient
    assert f"printable consent {consent_a.pk}" in record.detail


def test_staff_of_another_site_are_refused(as_user, clinician_b, consent_a):
    response = as_user(clinician_b).get(print_url(consent_a))
    assert response.status_code == 404
    assert "Aardvark" not in response.content.decode()
    refusal = AccessRecord.objects.filter(path=print_url(consent_a)).get()
    assert refusal.patient is None and refusal.user == clinician_b


def test_a_role_without_patient_access_is_refused(as_user, analyst_a, consent_a):
    assert as_user(analyst_a).get(print_url(consent_a)).status_code == 403


def test_anonymous_is_sent_to_sign_in(client, consent_a):
    response = client.get(print_url(consent_a))
    assert response.status_code == 302 and "login" in response["Location"]


def test_consent_through_another_patients_episode_is_not_found(
        as_user, clinician_a, site_a, consent_a):
    other = make_patient(site_a, "A-0002", "Other").episodes.get()
    url = reverse("consultation:consent-print", args=[other.pk, consent_a.pk])
    assert as_user(clinician_a).get(url).status_code == 404
