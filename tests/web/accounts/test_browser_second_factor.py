"""In headless Chromium: sign in, enrol an authenticator, verify, reach the patient list.

Skips like tests/web/test_browser.py when no Chromium is installed (fails under CI=true).
Screenshots go to $ORTHOREGEN_SCREENSHOTS when set, for a person to look at.
"""

import base64
import os
import shutil
from pathlib import Path

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but no Chromium found: install Debian's chromium package.")
        pytest.skip("No Chromium found (apt-get install chromium); browser tests skipped.")
    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # see tests/web/test_browser.py
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    yield context.new_page()
    context.close()


def screenshot(page, name: str) -> None:
    folder = os.environ.get("ORTHOREGEN_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / name), full_page=True)


def app_code(key_text: str) -> str:
    """Return the code an authenticator app shows for a key typed in as the page shows it."""
    key = base64.b32decode(key_text.replace(" ", ""))
    return f"{TOTP(key).token():06d}"


def test_clinician_enrols_verifies_and_reaches_the_patient_list(page, live_server, mfa_on,
                                                                clinician_a, patient_a):
    page.goto(f"{live_server.url}/patients/")
    page.get_by_label("Username").fill("clinician_a")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="Set up your second factor")).to_be_visible()
    qr = page.get_by_alt_text("QR code to add orthoregen to an authenticator app")
    expect(qr).to_be_visible()
    assert qr.get_attribute("src").startswith("data:image/svg+xml;base64,")
    assert qr.evaluate("async img => { await img.decode(); return img.naturalWidth; }") > 0
    screenshot(page, "second-factor-enrol.png")

    key = page.locator("#authenticator-key").inner_text()
    page.get_by_label("Six-digit code from the app").fill(app_code(key))
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    assert page.locator("#recovery-codes li").count() == 10
    screenshot(page, "second-factor-recovery-codes.png")
    page.get_by_role("link", name="I have kept my codes, continue").click()

    expect(page.get_by_role("heading", name="Patients")).to_be_visible()
    expect(page.get_by_text("AARDVARK")).to_be_visible()
    screenshot(page, "second-factor-patient-list.png")
