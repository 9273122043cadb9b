"""The patient banner in a real headless Chromium: one landmark, and still there on paper.

Skips when no Chromium is installed, except in CI (CI=true), as tests/web/test_browser.py.
"""

import os
import shutil

import pytest
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

    # As in tests/web/test_browser.py: Playwright's loop would make Django refuse ORM calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server, clinician_a):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/patients/")
    page.get_by_label("Username").fill("clinician_a")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    yield page
    context.close()


def test_the_banner_is_one_landmark_that_prints(page, live_server, patient_a):
    episode = patient_a.episodes.get()
    page.goto(f"{live_server.url}/consultation/episodes/{episode.pk}/")
    banner = page.get_by_role("region", name="Patient", exact=True)
    expect(banner).to_have_count(1)
    expect(banner).to_contain_text("AARDVARK, Ada")
    expect(banner).to_contain_text("MRN A-0001")
    expect(banner).to_contain_text("born 17 May 1960")
    expect(banner.get_by_role("link", name="Patient chart")).to_be_visible()
    page.emulate_media(media="print")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("MRN A-0001")
    # A link means nothing on paper.
    expect(banner.get_by_role("link", name="Patient chart")).to_be_hidden()
