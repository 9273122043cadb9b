"""A headless Chromium opens the API docs page and the token pages: local files, no CSP errors."""

import pytest
from playwright.sync_api import expect
from tests.web.browsing import log_in, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_docs_page_renders_from_local_files_under_the_csp(page, live_server):
    refused, elsewhere = [], []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.on("request", lambda request: elsewhere.append(request.url)
            if not request.url.startswith(live_server.url) else None)
    page.goto(f"{live_server.url}/api/v1/docs")
    expect(page.get_by_text("orthoregen API").first).to_be_visible()
    expect(page.get_by_text("/api/v1/patients").first).to_be_visible()
    shot(page, "api-docs", full_page=False)
    assert elsewhere == [] and refused == []


def test_a_clinician_makes_a_token_and_sees_it_once(page, live_server, clinician_a):
    log_in(page, live_server, "clinician_a")
    page.goto(f"{live_server.url}/api/tokens/new/")
    page.get_by_label("Name").fill("EHR bridge")
    page.get_by_label("Patients and their joint episodes: read").check()
    page.get_by_role("button", name="Save").click()
    secret = page.get_by_label("Token").input_value()
    assert secret.startswith("ort_")
    shot(page, "api-token-created", full_page=False)
    page.get_by_role("link", name="Back to your tokens").click()
    expect(page.get_by_role("cell", name="EHR bridge")).to_be_visible()
    assert secret not in page.content()
    shot(page, "api-token-list", full_page=False)
