"""The consultation refuses history dates and a consent dated before the patient's birth, in
the services (every caller) and on the pages, naming the date and the birth date."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError

from orthoregen.pathways.consent import ConsentElement
from orthoregen.web.consultation import services
from orthoregen.web.consultation.models import ConsentRecord, PriorInjection, PriorSurgery

from .conftest import days_ago
from .test_patient_history import page_data, url

BEFORE_BIRTH = dt.date(1958, 3, 1)  # tests.web.conftest.make_patient: born 17 May 1960
ALL_ELEMENTS = [element.value for element in ConsentElement]


def test_a_history_row_dated_before_birth_saves_nothing(clinician_a, patient_a):
    tables = {"surgery": services.TableChanges(added=(
        services.PriorSurgeryRow(kind="arthroscopy", joint="knee", side="left",
                                 performed_on=BEFORE_BIRTH),)),
              "injection": services.TableChanges(added=(
                  services.PriorInjectionRow(agent="corticosteroid", joint="knee",
                                             given_on=days_ago(30)),))}
    with pytest.raises(services.DateRefused) as refused:
        services.patient_history_save(patient_a, taken=services.HistoriesTaken(),
                                      seen_saved_at="", tables=tables, by=clinician_a)
    [message] = refused.value.message_dict["performed_on"]
    assert "01 Mar 1958 is before the patient was born (17 May 1960)" in message
    assert not PriorSurgery.objects.exists() and not PriorInjection.objects.exists()


def test_a_correction_to_a_date_before_birth_is_refused(clinician_a, patient_a):
    shot = PriorInjection.objects.create(patient=patient_a, agent="corticosteroid",
                                         joint="knee", given_on=days_ago(40))
    tables = {"injection": services.TableChanges(edited=(services.RowEdit(
        id=shot.pk, row=services.PriorInjectionRow(agent="corticosteroid", joint="knee",
                                                   given_on=BEFORE_BIRTH),
        reason="typed the year"),))}
    with pytest.raises(services.DateRefused, match="before the patient was born"):
        services.patient_history_save(patient_a, taken=services.HistoriesTaken(),
                                      seen_saved_at="", tables=tables, by=clinician_a)
    shot.refresh_from_db()
    assert shot.given_on == days_ago(40)


def test_the_history_page_refuses_an_injection_before_birth(as_user, clinician_a, patient_a):
    client = as_user(clinician_a)
    response = client.post(url(patient_a), page_data(**{
        "injection-0-given_on": BEFORE_BIRTH.isoformat()}))
    assert response.status_code == 302  # back to the page, with the refusal said
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("before the patient was born" in m for m in said), said
    assert not PriorInjection.objects.exists()


def test_a_consent_dated_before_birth_is_refused(clinician_a, knee_a, consent_document_a,
                                                 as_user):
    with pytest.raises(ValidationError) as refused:
        services.consent_record(knee_a, document=consent_document_a, consented_on=BEFORE_BIRTH,
                                consenting_as="patient", consenting_person="Ada Aardvark",
                                elements_confirmed=ALL_ELEMENTS, by=clinician_a)
    assert "before the patient was born" in refused.value.message_dict["consented_on"][0]
    response = as_user(clinician_a).post(f"/consultation/episodes/{knee_a.pk}/consent/", {
        "document": consent_document_a.pk, "consented_on": BEFORE_BIRTH.isoformat(),
        "consenting_as": "patient", "consenting_person": "Ada Aardvark",
        "elements_confirmed": ALL_ELEMENTS})
    assert response.status_code == 200
    assert "before the patient was born" in response.context["form"].errors["consented_on"][0]
    assert not ConsentRecord.objects.exists()
