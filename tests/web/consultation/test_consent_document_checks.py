"""The start-up check of stored consent documents (orthoregen.E005, docs/system-checks.md):
a published document, or one consents were recorded on, has words to consent to and is still
the text its SHA-256 was taken of.

Broken rows are stored straight through the queryset, as a hand edit would leave them,
bypassing the services and the model's refusal to change a published or used document.
"""

import datetime as dt

import pytest
from django.core.checks import run_checks

from orthoregen.web.consultation import consent_documents as documents
from orthoregen.web.consultation.checks import stored_consent_documents_check
from orthoregen.web.consultation.models import ConsentDocument, ConsentRecord

pytestmark = pytest.mark.django_db


def on_default():
    return stored_consent_documents_check(databases=["default"])


def test_the_seeded_published_document_passes(consent_document_a):
    assert consent_document_a.is_published
    assert on_default() == []
    assert not [m for m in run_checks(tags=["orthoregen"], databases=["default"])
                if m.id == "orthoregen.E005"]


def test_a_text_changed_behind_its_hash_is_an_error(consent_document_a):
    ConsentDocument.objects.filter(pk=consent_document_a.pk).update(
        text=consent_document_a.text + "\nA clause nobody approved.")
    messages = on_default()
    assert [message.id for message in messages] == ["orthoregen.E005"]
    assert messages[0].obj == consent_document_a and messages[0].is_serious()
    assert messages[0].msg == (
        f"Consent document {consent_document_a} (Clinic A, published): its text is not the one "
        "its SHA-256 was taken of, so it is not the text the consents on it were signed on")
    assert "orthoregen.E005" in {m.id for m in run_checks(tags=["orthoregen"],
                                                          databases=["default"])}


def test_an_empty_published_text_is_an_error_in_the_validation_words(consent_document_a):
    ConsentDocument.objects.filter(pk=consent_document_a.pk).update(text="  ")
    assert [m.msg.split(": ", 1)[1] for m in on_default()] == [
        "the text is empty: there is nothing to consent to",
        "its text is not the one its SHA-256 was taken of, so it is not the text the consents "
        "on it were signed on"]


def test_drafts_are_left_to_validation_but_a_used_draft_is_checked(
        admin_a, knee_a, consent_document_a):
    draft = documents.consent_document_draft(site=consent_document_a.site, version="2027-1",
                                             source=consent_document_a, by=admin_a)
    ConsentDocument.objects.filter(pk=draft.pk).update(text="")
    assert on_default() == []  # a draft is checked when it is validated
    ConsentRecord.objects.create(episode=knee_a, document=draft, consented_on=dt.date(2026, 12, 6),
                                 consenting_person="Ada Aardvark")
    assert [m.obj for m in on_default()] == [draft, draft]
