"""Headless Chromium opens the dashboard and a progress report and finds real charts.

Skips when no Chromium is installed, except in CI (CI=true). Screenshots go to
$REGISTRY_SCREENSHOTS when set, for a person to look at.
"""

import os
import shutil
from pathlib import Path

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

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # the test body is synchronous
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()


def charts_drawn(page) -> int:
    """Return how many chart images loaded with a non-zero rendered size."""
    return page.locator("img.chart").evaluate_all(
        "imgs => imgs.filter(i => i.complete && i.naturalWidth > 0"
        " && i.getBoundingClientRect().width > 0 && i.getBoundingClientRect().height > 0).length")


def screenshot(page, name: str) -> None:
    folder = os.environ.get("REGISTRY_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_dashboard_and_progress_report_show_charts(page, live_server, clinician_a, site_a,
                                                   cohort):
    patients = cohort(site_a, 30, arthroplasty_every=7)
    log_in(page, live_server, "clinician_a")
    page.get_by_role("link", name="Outcomes").click()
    expect(page.get_by_role("heading", name="Outcomes", exact=True)).to_be_visible()
    assert charts_drawn(page) == 3
    screenshot(page, "dashboard")

    page.goto(f"{live_server.url}/registry/patients/{patients[0].pk}/report/")
    expect(page.get_by_role("heading", name="How to read this report")).to_be_visible()
    assert charts_drawn(page) >= 3
    screenshot(page, "patient-report")
