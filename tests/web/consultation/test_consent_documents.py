"""Consent documents under change control (docs/governance.md#consent-documents): drafted,
validated by the system's checks, their changes approved by a second person with a signature,
published with one; a published version and a version a consent was signed on never change;
each clinic sees only its own."""

import datetime as dt

import pytest
from tests.web.conftest import PASSWORD

from orthoregen.pathways import ConsentElement
from orthoregen.web.accounts.signatures import Signature
from orthoregen.web.consultation import consent_documents as documents
from orthoregen.web.consultation import services
from orthoregen.web.consultation.consent_text import DEFAULT_TEXT, DEFAULT_TITLE
from orthoregen.web.consultation.governance import (
    LifecycleRefused,
    ProtocolLocked,
    SignatureRefused,
    Signing,
    ValidationRefused,
)
from orthoregen.web.consultation.models import ConsentDocument, ConsentRecord
from orthoregen.web.consultation.models.consent import ConsentImmutable, text_sha256

pytestmark = pytest.mark.django_db
SIGN = Signing(PASSWORD)
ALL_ELEMENTS = [element.value for element in ConsentElement]
ADDED = "9. Photographs\nWe photograph the injection site only with your written agreement."


@pytest.fixture
def draft(admin_a, consent_document_a):
    """Version 2 of the default document, with a ninth section added by admin_a."""
    copy = documents.consent_document_draft(site=consent_document_a.site, version="2027-1",
                                            source=consent_document_a, by=admin_a)
    return documents.consent_document_edit(copy, title=copy.title, version="2027-1",
                                           text=copy.text + ADDED + "\n", by=admin_a)


def approve(stored, by, password=PASSWORD):
    stored.refresh_from_db()
    return documents.consent_document_approve(
        stored, seen_digest=documents.consent_document_review(stored).digest, by=by,
        signing=Signing(password))


def published(draft, *, author, approver):
    documents.consent_document_validate(draft, by=author)
    approve(draft, by=approver)
    return documents.consent_document_publish(draft, by=author, signing=SIGN)


def consent_on(episode, document, by):
    return services.consent_record(episode, document=document, consented_on=dt.date(2026, 12, 6),
                                   consenting_as="patient", consenting_person="Ada Aardvark",
                                   elements_confirmed=ALL_ELEMENTS, by=by)


def test_an_author_drafts_a_copy_of_the_version_in_use(admin_a, consent_document_a, draft):
    assert (draft.status, draft.created_by, draft.edited_by) == ("draft", admin_a, admin_a)
    assert (draft.site, draft.title) == (consent_document_a.site, DEFAULT_TITLE)
    assert draft.text == DEFAULT_TEXT + ADDED + "\n"
    assert draft.sha256 == text_sha256(DEFAULT_TEXT + ADDED + "\n")
    review = documents.consent_document_review(draft)
    assert review.baseline == consent_document_a
    added = [line for line in review.lines if line.startswith("+") and not line.startswith("++")]
    assert added == ["+Version: 2027-1", "+9. Photographs",
                     "+We photograph the injection site only with your written agreement."]


def test_a_first_draft_starts_from_the_shipped_default_text(admin_b, site_b):
    first = documents.consent_document_draft(site=site_b, version="b-1", by=admin_b)
    assert (first.title, first.text, first.status) == (DEFAULT_TITLE, DEFAULT_TEXT, "draft")
    assert documents.consent_document_review(first).baseline is None


def test_the_checks_refuse_an_empty_text(admin_a, draft):
    ConsentDocument.objects.filter(pk=draft.pk).update(text="  \n")  # past the edit's refusal
    draft.refresh_from_db()
    with pytest.raises(ValidationRefused) as refused:
        documents.consent_document_validate(draft, by=admin_a)
    assert refused.value.problems == ["the text is empty: there is nothing to consent to"]
    draft.refresh_from_db()
    assert draft.status == "draft" and draft.validated_at is None


def test_edit_refuses_a_label_already_taken_and_saves_nothing(admin_a, draft):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        documents.consent_document_edit(draft, title=draft.title, version="default-1",
                                        text="Other words.", by=admin_a)
    assert "already exists at this clinic" in refused.value.message_dict["version"][0]
    draft.refresh_from_db()
    assert draft.version == "2027-1" and draft.text.endswith(ADDED + "\n")


def test_the_author_cannot_approve_their_own_draft(admin_a, draft):
    documents.consent_document_validate(draft, by=admin_a)
    with pytest.raises(LifecycleRefused, match="a second person must approve it"):
        approve(draft, by=admin_a)
    draft.refresh_from_db()
    assert draft.status == "validated" and draft.approved_by is None


def test_a_wrong_password_is_refused_and_nothing_changes(admin_a, colleague_a, draft):
    documents.consent_document_validate(draft, by=admin_a)
    with pytest.raises(SignatureRefused):
        approve(draft, by=colleague_a, password="not-the-password")
    draft.refresh_from_db()
    assert (draft.status, draft.approved_by, draft.approval_diff) == ("validated", None, "")
    assert not Signature.objects.exists()


def test_a_second_person_approves_with_a_signature_and_it_is_published(
        admin_a, colleague_a, draft, consent_document_a, site_a):
    documents.consent_document_validate(draft, by=admin_a)
    approve(draft, by=colleague_a)
    draft.refresh_from_db()
    assert (draft.status, draft.approved_by, draft.reviewed_against) == (
        "approved", colleague_a, consent_document_a)
    assert "+9. Photographs" in draft.approval_diff
    assert list(documents.consent_documents_offered(site_a)) == [consent_document_a]

    documents.consent_document_publish(draft, by=admin_a, signing=SIGN)
    draft.refresh_from_db()
    assert draft.is_published and draft.published_by == admin_a
    meanings = sorted(s.meaning for s in draft.signatures())
    assert meanings == ["consent_document_approval", "consent_document_publication"]
    # The new version is offered for new consents; the one it replaces stays published.
    assert list(documents.consent_documents_offered(site_a)) == [draft]
    consent_document_a.refresh_from_db()
    assert consent_document_a.is_published


def test_a_published_version_is_immutable(admin_a, colleague_a, draft):
    published(draft, author=admin_a, approver=colleague_a)
    draft.refresh_from_db()
    with pytest.raises(ProtocolLocked, match="is published"):
        documents.consent_document_edit(draft, title=draft.title, version="x",
                                        text="Changed.", by=admin_a)
    with pytest.raises(ProtocolLocked):
        documents.consent_document_validate(draft, by=admin_a)
    draft.text = "Changed behind the services' back."
    with pytest.raises(ProtocolLocked, match="is published and cannot change"):
        draft.save()  # GovernedVersion.save(): no consent needs to point at it
    with pytest.raises(ProtocolLocked):
        draft.delete()
    draft.refresh_from_db()
    assert draft.text.endswith(ADDED + "\n")


def test_is_locked_says_only_whether_consents_point_at_the_document(
        admin_a, colleague_a, knee_a, draft):
    """A published document is the base's to refuse (above); a used one, the model's own."""
    published(draft, author=admin_a, approver=colleague_a)
    draft.refresh_from_db()
    assert not draft.is_locked()
    draft.save()  # unchanged: nothing to refuse
    imported = documents.consent_document_draft(site=draft.site, source=draft,
                                                version="imported-1", by=admin_a)
    assert not imported.is_locked()
    # A wording imported with a consent given elsewhere (fhir) is used while still a draft.
    ConsentRecord.objects.create(episode=knee_a, document=imported,
                                 consented_on=dt.date(2026, 12, 6),
                                 consenting_person="Ada Aardvark")
    assert imported.is_locked() and not imported.is_published
    with pytest.raises(ConsentImmutable, match="Consents were recorded on"):
        imported.save()
    for step in (lambda: documents.consent_document_validate(imported, by=admin_a),
                 lambda: documents.consent_document_edit(imported, title=imported.title,
                                                         version="imported-2", text="Other.",
                                                         by=admin_a)):
        with pytest.raises(ProtocolLocked, match="Consents were recorded on"):
            step()
    imported.refresh_from_db()
    assert imported.version == "imported-1" and imported.status == "draft"


def test_a_consent_signed_on_v1_keeps_v1_after_v2_is_published(
        as_user, admin_a, colleague_a, clinician_a, knee_a, consent_document_a, draft):
    signed = consent_on(knee_a, consent_document_a, clinician_a)
    published(draft, author=admin_a, approver=colleague_a)
    signed.refresh_from_db()
    assert signed.document == consent_document_a
    assert signed.document.text == DEFAULT_TEXT and signed.document.version == "default-1"
    printed = as_user(clinician_a).get(
        f"/consultation/episodes/{knee_a.pk}/consent/{signed.pk}/print/").content.decode()
    assert "default-1" in printed and "9. Photographs" not in printed
    # A new consent is recorded on version 2 only; version 1 is refused for it.
    assert consent_on(knee_a, draft, clinician_a).document == draft
    with pytest.raises(Exception, match="replaced by a newer published version"):
        consent_on(knee_a, consent_document_a, clinician_a)


def test_an_unpublished_document_is_refused_for_consent(as_user, clinician_a, knee_a, draft):
    with pytest.raises(Exception, match="is not published"):
        consent_on(knee_a, draft, clinician_a)
    response = as_user(clinician_a).post(f"/consultation/episodes/{knee_a.pk}/consent/", {
        "document": draft.pk, "consented_on": "2026-12-06", "consenting_as": "patient",
        "consenting_person": "Ada Aardvark", "elements_confirmed": ALL_ELEMENTS})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not ConsentRecord.objects.exists()


def test_another_sites_document_is_refused_for_consent(clinician_a, knee_a, site_b):
    from orthoregen.web.consultation.consent_text import consent_document_seed

    with pytest.raises(Exception, match="belongs to another clinic"):
        consent_on(knee_a, consent_document_seed(site_b), clinician_a)
    assert not ConsentRecord.objects.exists()


def test_another_sites_document_is_404_and_its_steps_refused(as_user, admin_b, draft):
    client = as_user(admin_b)
    for page in ("", "edit/", "copy/", "review/"):
        assert client.get(f"/consultation/consent-documents/{draft.pk}/{page}").status_code == 404
    assert client.post(f"/consultation/consent-documents/{draft.pk}/validate/").status_code == 404
    with pytest.raises(LifecycleRefused, match="belongs to another clinic"):
        documents.consent_document_validate(draft, by=admin_b)
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_a_clinician_may_not_govern_consent_documents(as_user, clinician_a, draft):
    assert as_user(clinician_a).get("/consultation/consent-documents/").status_code == 403
    with pytest.raises(LifecycleRefused, match="Your role may not validate consent documents"):
        documents.consent_document_validate(draft, by=clinician_a)


def test_the_pages_take_a_draft_through_to_publication(as_user, admin_a, colleague_a, draft):
    author, approver = as_user(admin_a), None
    base = f"/consultation/consent-documents/{draft.pk}/"
    listing = author.get("/consultation/consent-documents/").content.decode()
    assert "Version 2027-1" in listing and "In use" in listing
    author.post(base + "validate/")
    draft.refresh_from_db()
    assert draft.status == "validated"
    from django.test import Client

    approver = Client()
    approver.force_login(colleague_a)
    digest = documents.consent_document_review(draft).digest
    wrong = approver.post(base + "approve/", {"password": "wrong", "seen_digest": digest})
    assert wrong.status_code == 400
    draft.refresh_from_db()
    assert draft.status == "validated"
    approver.post(base + "approve/", {"password": PASSWORD, "seen_digest": digest})
    author.post(base + "publish/", {"password": PASSWORD})
    draft.refresh_from_db()
    assert (draft.status, draft.approved_by, draft.published_by) == (
        "published", colleague_a, admin_a)


def test_the_admin_only_shows_consent_documents(as_user, admin_a, site_a, consent_document_a):
    client = as_user(admin_a)
    assert client.get("/admin/consultation/consentdocument/add/").status_code == 403
    before = ConsentDocument.objects.count()
    client.post("/admin/consultation/consentdocument/add/", {
        "site": site_a.pk, "title": "Consent", "version": "2", "text": "Plain words.",
        "status": "published"})
    assert ConsentDocument.objects.count() == before
    change = f"/admin/consultation/consentdocument/{consent_document_a.pk}/change/"
    assert client.get(change).status_code == 200  # read only
    client.post(change, {"status": "draft", "text": "changed"})
    consent_document_a.refresh_from_db()
    assert (consent_document_a.status, consent_document_a.text) == ("published", DEFAULT_TEXT)
