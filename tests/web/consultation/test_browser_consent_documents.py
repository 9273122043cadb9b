"""In headless Chromium: a clinic's consent text goes from a copy of the version in use through
the system's checks and a second administrator's signed approval of its changes to a signed
publication; a consent signed before keeps the version it was signed on.

Screenshots go to /tmp/orthoregen-screenshots (consent-documents-*.png).
"""

import datetime as dt

import pytest
from playwright.sync_api import expect
from tests.web.browsing import log_in, shot
from tests.web.conftest import PASSWORD, make_user

from orthoregen.pathways import ConsentElement
from orthoregen.web.accounts.roles import Role
from orthoregen.web.consultation import services
from orthoregen.web.consultation.consent_documents import consent_documents_offered
from orthoregen.web.consultation.models import ConsentDocument

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# A shared, loaded test machine can take longer than Playwright's 30 s to serve a page.
SLOW_MACHINE_MS = 120_000
ADDED = "9. Photographs\nWe photograph the injection site only with your written agreement."


def test_a_consent_text_is_copied_approved_by_a_second_person_and_published(
        new_page, live_server, admin_a, clinician_a, site_a, knee_a, consent_document_a):
    colleague = make_user("colleague_a", Role.ADMIN, site_a)
    signed = services.consent_record(
        knee_a, document=consent_document_a, consented_on=dt.date(2026, 12, 6),
        consenting_as="patient", consenting_person="Ada Aardvark",
        elements_confirmed=[element.value for element in ConsentElement], by=clinician_a)

    author = new_page(height=1000)
    author.set_default_timeout(SLOW_MACHINE_MS)
    log_in(author, live_server, "admin_a", start="/consultation/protocols/")
    author.get_by_role("link", name="consent documents").click()
    expect(author.get_by_role("cell", name="In use")).to_have_count(1)
    shot(author, "consent-documents-1-list")
    author.get_by_role("link", name="Version default-1").click()
    author.get_by_role("link", name="Copy as a new draft").click()
    author.get_by_label("Version label of the new draft").fill("2027-1")
    author.get_by_role("button", name="Copy as draft").click()
    text = author.get_by_label("Text, as the patient reads it")
    text.fill(text.input_value() + ADDED + "\n")
    author.get_by_role("button", name="Save draft").click()
    expect(author.get_by_text("Saved draft")).to_be_visible()
    author.get_by_role("button", name="Run the system's checks").click()
    expect(author.get_by_text("The system's checks found no problem")).to_be_visible()
    shot(author, "consent-documents-2-validated")
    author.get_by_role("link", name="Read the changes and approve").click()
    expect(author.get_by_text("you cannot approve it")).to_be_visible()
    expect(author.get_by_role("button", name="Approve these changes")).to_have_count(0)

    draft = ConsentDocument.objects.get(version="2027-1")
    approver = new_page(height=1000)
    approver.set_default_timeout(SLOW_MACHINE_MS)
    log_in(approver, live_server, colleague.username,
           start=f"/consultation/consent-documents/{draft.pk}/review/")
    expect(approver.locator(".diff-added").filter(has_text="9. Photographs")).to_be_visible()
    approver.get_by_label("Your password, to sign").fill("not-my-password")
    approver.get_by_role("button", name="Approve these changes").click()
    expect(approver.get_by_text("nothing was signed").first).to_be_visible()
    shot(approver, "consent-documents-3-wrong-password")
    approver.get_by_label("Your password, to sign").fill(PASSWORD)
    approver.get_by_role("button", name="Approve these changes").click()
    expect(approver.get_by_text("You approved")).to_be_visible()

    author.goto(f"{live_server.url}/consultation/consent-documents/{draft.pk}/")
    author.get_by_role("link", name="Read the changes and publish").click()
    author.get_by_label("Your password, to sign").fill(PASSWORD)
    author.get_by_role("button", name="Publish").click()
    expect(author.get_by_text("consents already recorded keep the version")).to_be_visible()
    shot(author, "consent-documents-4-published")
    draft.refresh_from_db()
    assert (draft.status, draft.approved_by, draft.published_by) == (
        "published", colleague, admin_a)
    assert list(consent_documents_offered(site_a)) == [draft]

    clinician = new_page(height=1000)
    clinician.set_default_timeout(SLOW_MACHINE_MS)
    log_in(clinician, live_server, "clinician_a",
           start=f"/consultation/episodes/{knee_a.pk}/consent/{signed.pk}/print/")
    expect(clinician.get_by_text("default-1").first).to_be_visible()
    expect(clinician.get_by_text("9. Photographs")).to_have_count(0)
    shot(clinician, "consent-documents-5-old-consent-keeps-v1")
