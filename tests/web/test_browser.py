"""A real headless Chromium logs in, searches, opens a patient and reads the page.

Skips with a clear message when no Chromium is installed, except in CI (CI=true), where a
missing browser is a failure: the browser test must run there.
"""

import pytest
from playwright.sync_api import expect
from tests.web import browsing

from orthoregen.web.clinic.models import Patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# The fixtures live in tests/web/browsing.py; re-exported for modules that import them from here.
browser, log_in, page = browsing.browser, browsing.log_in, browsing.page


def test_clinician_logs_in_searches_and_opens_a_patient(page, live_server, clinician_a,
                                                        patient_a, patient_b):
    log_in(page, live_server, "clinician_a")
    expect(page.get_by_role("heading", name="Patients")).to_be_visible()
    page.get_by_label("Find a patient").fill("Aard")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("1 patient matching “Aard”")).to_be_visible()
    expect(page.get_by_text("BITTERN")).to_have_count(0)
    page.get_by_role("link", name="AARDVARK, Ada").click()
    expect(page.get_by_role("heading", name="AARDVARK, Ada")).to_be_visible()
    banner = page.get_by_role("region", name="Patient", exact=True)
    assert "A-0001" in banner.inner_text()
    assert "M17.12" in page.locator(".episode").inner_text()
    assert "Initial consultation" in page.locator(".timeline").inner_text()
    # The stylesheet is served locally, so the page is styled with no internet.
    colour = page.locator(".topbar").evaluate("e => getComputedStyle(e).backgroundColor")
    assert colour == "rgb(8, 67, 89)"


def test_clinician_registers_a_patient_and_sees_field_errors(page, live_server, clinician_a):
    log_in(page, live_server, "clinician_a")
    page.get_by_role("link", name="Register a patient").click()
    page.get_by_label("Medical record number").fill("A-7777")
    page.get_by_label("Family name").fill("Plover")
    page.get_by_label("Given name").fill("Jo")
    page.get_by_label("Date of birth").fill("2090-01-01")
    page.get_by_label("Sex").select_option("female")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The date of birth 01 Jan 2090 is in the future.")).to_be_visible()
    assert not Patient.objects.filter(mrn="A-7777").exists()
    page.get_by_label("Date of birth").fill("1961-09-09")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="PLOVER, Jo")).to_be_visible()
    assert Patient.objects.get(mrn="A-7777").history.get().history_user == clinician_a
