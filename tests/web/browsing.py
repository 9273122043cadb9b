"""The browser tests' one house: a real headless Chromium, its windows, signing in, screenshots.

tests/web/conftest.py imports the fixtures, so every test under tests/web can ask for them:

- ``browser``: Debian's Chromium through Playwright, one per test module. Without Chromium the
  test is skipped with a message, except under ``CI=true``, where a missing browser is a
  failure: the browser tests must run there.
- ``page``: a desktop window (1280x900) in a fresh context, closed after the test.
- ``phone``: a 390x844 phone window (``is_mobile``, touch), closed after the test.
- ``new_page``: makes more windows, each its own context (own cookies: one person each), for
  tests with several people or another window size: ``new_page(height=1100)``,
  ``new_page(**PHONE, locale="en-GB")``; all are closed after the test.

``log_in`` signs a window in through the sign-in form and ``shot`` keeps a full-page
screenshot in ``SHOTS`` for a person to look at. ``today`` is for live-server tests in a
package whose conftest freezes the clock with an autouse ``today`` (tests/web/portal): a module
that imports it runs in real time, as the live server does.
"""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = Path(os.environ.get("ORTHOREGEN_SCREENSHOTS", "/tmp/orthoregen-screenshots"))
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


# Module scope: Playwright's sync API allows one running instance per thread, so a browser
# kept for the whole session would break a module that starts its own.
@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but no Chromium found: install Debian's chromium package.")
        pytest.skip("No Chromium found (apt-get install chromium); browser tests skipped.")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop open in this thread, which makes Django
    # refuse ORM calls from the test body; the test itself is synchronous, so allow them.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser):
    """Make windows, each in a fresh context: ``new_page(width=, height=, **context options)``."""
    contexts = []

    def make(*, width=1280, height=900, **options):
        options.setdefault("viewport", {"width": width, "height": height})
        context = browser.new_context(**options)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()  # closing a context twice is harmless


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def phone(new_page):
    return new_page(**PHONE)


def log_in(page, live_server, username, password=None, *, start="/patients/"):
    """Ask for ``start``, sign in on the form it leads to, and come back to it.

    The password is tests/web/conftest.py's unless given; ``start="/login/"`` signs in on the
    form itself, which then goes to the home page.
    """
    if password is None:
        from tests.web.conftest import PASSWORD

        password = PASSWORD
    page.goto(f"{live_server.url}{start}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def shot(page, name, **options):
    """Keep a full-page screenshot, SHOTS/<name>.png, for a person to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    options.setdefault("full_page", True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), **options)


@pytest.fixture(autouse=True)
def today():
    """Override the package conftest's frozen clock: the live server runs in real time."""
    yield
