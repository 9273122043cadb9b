"""In headless Chromium: sign in, enrol an authenticator, verify, reach the patient list.

Skips like every browser test when no Chromium is installed (fails under CI=true).
Screenshots go to /tmp/orthoregen-screenshots (second-factor-*.png), for a person to look at.
"""

import base64

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect
from tests.web.browsing import log_in, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def app_code(key_text: str) -> str:
    """Return the code an authenticator app shows for a key typed in as the page shows it."""
    key = base64.b32decode(key_text.replace(" ", ""))
    return f"{TOTP(key).token():06d}"


def test_clinician_enrols_verifies_and_reaches_the_patient_list(new_page, live_server, mfa_on,
                                                                clinician_a, patient_a):
    page = new_page(height=1000)
    log_in(page, live_server, "clinician_a")

    expect(page.get_by_role("heading", name="Set up your second factor")).to_be_visible()
    qr = page.get_by_alt_text("QR code to add orthoregen to an authenticator app")
    expect(qr).to_be_visible()
    assert qr.get_attribute("src").startswith("data:image/svg+xml;base64,")
    assert qr.evaluate("async img => { await img.decode(); return img.naturalWidth; }") > 0
    shot(page, "second-factor-enrol")

    key = page.locator("#authenticator-key").inner_text()
    page.get_by_label("Six-digit code from the app").fill(app_code(key))
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    assert page.locator("#recovery-codes li").count() == 10
    shot(page, "second-factor-recovery-codes")
    page.get_by_role("link", name="I have kept my codes, continue").click()

    expect(page.get_by_role("heading", name="Patients")).to_be_visible()
    expect(page.get_by_text("AARDVARK")).to_be_visible()
    shot(page, "second-factor-patient-list")
