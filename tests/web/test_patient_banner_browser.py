"""The patient banner in a real headless Chromium: one landmark, and still there on paper.

Skips when no Chromium is installed, except in CI (CI=true), as tests/web/test_browser.py.
"""

import pytest
from playwright.sync_api import expect
from tests.web.browsing import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_banner_is_one_landmark_that_prints(page, live_server, clinician_a, patient_a):
    log_in(page, live_server, "clinician_a")
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
