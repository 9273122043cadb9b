"""Informed consent (docs/candidacy.md#informed-consent elements), its withdrawal, and the
procedure gate."""

import datetime as dt

import pytest
from django.utils import timezone

from orthoregen.pathways import ConsentElement
from orthoregen.web.consultation import services
from orthoregen.web.consultation.consent_text import DEFAULT_TEXT
from orthoregen.web.consultation.models import CandidacyDecision, ConsentRecord
from orthoregen.web.consultation.models.consent import ConsentImmutable, text_sha256

ALL_ELEMENTS = [element.value for element in ConsentElement]


def consent_data(doc, **changes):
    data = {"document": doc.pk, "consented_on": timezone.localdate().isoformat(),
            "consenting_as": "patient", "consenting_person": "Ada Aardvark",
            "elements_confirmed": ALL_ELEMENTS}
    data.update(changes)
    return data


def record(client, episode, doc, **changes):
    return client.post(f"/consultation/episodes/{episode.pk}/consent/",
                       consent_data(doc, **changes))


def test_default_document_is_hashed_and_honest(consent_document_a):
    assert consent_document_a.sha256 == text_sha256(DEFAULT_TEXT)
    text = consent_document_a.text
    for phrase in ("investigational", "not proven", "Food and Drug Administration",
                   "European Medicines Agency", "no good evidence", "Long-term risks are not "
                   "known", "arthroplasty", "price", "registry", "withdraw"):
        assert phrase in text


def test_clinician_records_consent_with_every_element(as_user, clinician_a, knee_a,
                                                      consent_document_a):
    response = record(as_user(clinician_a), knee_a, consent_document_a)
    assert response.status_code == 302
    consent = ConsentRecord.objects.get()
    assert consent.taken_by == clinician_a and consent.elements_confirmed == sorted(ALL_ELEMENTS)
    assert consent.history.get().history_user == clinician_a


@pytest.mark.parametrize("changes, field_error", [
    ({"elements_confirmed": ALL_ELEMENTS[:-1]}, "Not yet confirmed"),
    ({"consenting_person": ""}, "This field is required"),
    ({"consented_on": "2999-01-01"}, "This date is in the future"),
    ({"consented_on": "not a date"}, "Enter a valid date"),
    ({"document": 999999}, "Select a valid choice"),
])
def test_bad_consent_input_gives_field_errors_and_saves_nothing(
        as_user, clinician_a, knee_a, consent_document_a, changes, field_error):
    response = record(as_user(clinician_a), knee_a, consent_document_a, **changes)
    assert response.status_code == 200
    assert field_error in response.content.decode()
    assert not ConsentRecord.objects.exists()


def test_coordinator_cannot_record_consent(as_user, coordinator_a, knee_a, consent_document_a):
    assert record(as_user(coordinator_a), knee_a, consent_document_a).status_code == 403
    assert not ConsentRecord.objects.exists()


def test_other_site_cannot_record_consent(as_user, clinician_b, knee_a, consent_document_a):
    assert record(as_user(clinician_b), knee_a, consent_document_a).status_code == 404


def test_withdrawal_is_recorded_once(as_user, clinician_a, knee_a, consent_document_a):
    client = as_user(clinician_a)
    record(client, knee_a, consent_document_a)
    consent = ConsentRecord.objects.get()
    url = f"/consultation/episodes/{knee_a.pk}/consent/{consent.pk}/withdraw/"
    bad = client.post(url, {"withdrawn_on": timezone.localdate().isoformat(), "reason": ""})
    assert "This field is required" in bad.content.decode()
    consent.refresh_from_db()
    assert not consent.is_withdrawn
    client.post(url, {"withdrawn_on": timezone.localdate().isoformat(),
                      "reason": "Wants to try physiotherapy"})
    consent.refresh_from_db()
    assert consent.is_withdrawn and consent.withdrawal_recorded_by == clinician_a
    again = client.get(url)
    assert "was withdrawn on" in again.content.decode()
    with pytest.raises(ConsentImmutable):
        services.consent_withdraw(consent, withdrawn_on=timezone.localdate(), reason="x",
                                  by=clinician_a)
    html = client.get(f"/consultation/episodes/{knee_a.pk}/").content.decode()
    assert "Withdrawn on" in html and "Wants to try physiotherapy" in html


def test_recorded_consent_and_used_document_never_change(as_user, clinician_a, knee_a,
                                                         consent_document_a):
    record(as_user(clinician_a), knee_a, consent_document_a)
    consent = ConsentRecord.objects.get()
    consent.consenting_person = "Someone Else"
    with pytest.raises(ConsentImmutable):
        consent.save()
    consent_document_a.text += "\nA late addition."
    with pytest.raises(ConsentImmutable):
        consent_document_a.save()


def agree(client, episode, outcome, **data):
    return client.post(f"/consultation/episodes/{episode.pk}/decide/",
                       {"kind": "agree", "seen_outcome": outcome, **data})


def test_gate_refuses_without_consent_or_decision(knee_a):
    result = services.procedure_gate(knee_a, timezone.localdate())
    assert not result.may_proceed
    assert result.reasons == ("No consent is recorded.", "No candidacy decision is recorded.")


def test_gate_passes_with_consent_and_a_suitable_decision(as_user, clinician_a, knee_a,
                                                          intake_for, consent_document_a):
    intake_for(knee_a)
    client = as_user(clinician_a)
    agree(client, knee_a, "suitable")
    record(client, knee_a, consent_document_a)
    assert services.procedure_gate(knee_a, timezone.localdate()).may_proceed
    # ...but not on a day before the consent was given.
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    assert not services.procedure_gate(knee_a, yesterday).may_proceed


def test_gate_refuses_after_withdrawal(as_user, clinician_a, knee_a, intake_for,
                                       consent_document_a):
    intake_for(knee_a)
    client = as_user(clinician_a)
    agree(client, knee_a, "suitable")
    record(client, knee_a, consent_document_a)
    services.consent_withdraw(ConsentRecord.objects.get(), withdrawn_on=timezone.localdate(),
                              reason="changed mind", by=clinician_a)
    result = services.procedure_gate(knee_a, timezone.localdate())
    assert not result.may_proceed and "withdrawn" in result.reasons[0]


def test_gate_refuses_an_agreed_deferral_and_passes_an_override(as_user, clinician_a, knee_a,
                                                                intake_for, consent_document_a):
    intake_for(knee_a, active_infection=True)
    client = as_user(clinician_a)
    record(client, knee_a, consent_document_a)
    agree(client, knee_a, "not_suitable")
    assert not services.procedure_gate(knee_a, timezone.localdate()).may_proceed
    client.post(f"/consultation/episodes/{knee_a.pk}/decide/",
                {"kind": "override", "seen_outcome": "not_suitable",
                 "reason": "Infection treated and resolved per microbiology."})
    assert CandidacyDecision.objects.count() == 2
    assert services.procedure_gate(knee_a, timezone.localdate()).may_proceed


def test_gate_refuses_a_decline(as_user, clinician_a, knee_a, intake_for, consent_document_a):
    intake_for(knee_a)
    client = as_user(clinician_a)
    record(client, knee_a, consent_document_a)
    client.post(f"/consultation/episodes/{knee_a.pk}/decide/",
                {"kind": "decline", "seen_outcome": "suitable", "reason": "Prefers surgery"})
    assert not services.procedure_gate(knee_a, timezone.localdate()).may_proceed
