"""In headless Chromium: a clinician reads the ICHOM report (screenshot registry-ichom.png)."""

import pytest
from playwright.sync_api import expect
from tests.web.browsing import log_in, shot

from .test_ichom import knees_and_a_hip  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_clinician_reads_the_ichom_report(page, live_server, clinician_a,
                                            knees_and_a_hip):  # noqa: F811
    log_in(page, live_server, "clinician_a")
    page.goto(f"{live_server.url}/registry/")
    page.get_by_role("link", name="ICHOM hip & knee set").click()
    table = page.get_by_role("table", name="Completeness per measure and time point")
    expect(table).to_be_visible()
    row = table.get_by_role("row").filter(has_text="Physical function").filter(
        has_text="12 months")
    expect(row).to_contain_text("too few to judge completeness")
    shot(page, "registry-ichom")
