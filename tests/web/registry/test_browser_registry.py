"""Headless Chromium opens the dashboard and a progress report and finds real charts.

Skips when no Chromium is installed, except in CI (CI=true). Screenshots go to
/tmp/orthoregen-screenshots (registry-*.png), for a person to look at.
"""

import pytest
from playwright.sync_api import expect
from tests.web.browsing import log_in, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def charts_drawn(page) -> int:
    """Return how many chart images loaded with a non-zero rendered size."""
    return page.locator("img.chart").evaluate_all(
        # Wait for each image to decode: visible is not yet drawn on a loaded machine.
        "async imgs => { await Promise.all(imgs.map(i => i.decode().catch(() => null)));"
        " return imgs.filter(i => i.complete && i.naturalWidth > 0"
        " && i.getBoundingClientRect().width > 0"
        " && i.getBoundingClientRect().height > 0).length; }")


def test_dashboard_and_progress_report_show_charts(page, live_server, clinician_a, site_a,
                                                   cohort):
    patients = cohort(site_a, 30, arthroplasty_every=7)
    log_in(page, live_server, "clinician_a", start="/login/")
    page.get_by_role("link", name="Outcomes").click()
    expect(page.get_by_role("heading", name="Outcomes", exact=True)).to_be_visible()
    assert charts_drawn(page) == 4  # change, survival, evidence, published reference bands
    shot(page, "registry-dashboard")

    page.goto(f"{live_server.url}/registry/patients/{patients[0].pk}/report/")
    expect(page.get_by_role("heading", name="How to read this report")).to_be_visible()
    assert charts_drawn(page) >= 3
    shot(page, "registry-patient-report")


def test_a_clinician_adds_a_study_to_the_evidence_library(page, live_server, clinician_a):
    log_in(page, live_server, "clinician_a", start="/login/")
    page.get_by_role("link", name="Outcomes").click()
    page.get_by_role("link", name="Evidence library").click()
    expect(page.get_by_role("heading", name="Evidence library")).to_be_visible()
    page.get_by_role("link", name="Add a study").click()
    fields = {"study": "Roe A et al. (BROWSERKNEE)", "design": "double-blind, placebo RCT",
              "cell_source": "allogeneic cord MSC", "outcome": "Pain NRS at 6 months",
              "effect": "-2.5 vs -1.9", "citation": "Browser Knee J 2026;2:20-29"}
    for name, value in fields.items():
        page.locator(f"#id_{name}").fill(value)
    for name, value in {"joint": "knee", "design_class": "RCT", "blinding": "double",
                        "product_class": "culture-expanded", "comparator_class": "placebo",
                        "verification": "V"}.items():
        page.locator(f"#id_{name}").select_option(value)
    page.locator("#id_results-0-arm").select_option("msc")
    page.locator("#id_results-0-measure").select_option("nrs_pain:pain")
    page.locator("#id_results-0-timepoint_months").fill("6")
    page.locator("#id_results-0-estimate").fill("-2.5")
    page.locator("#id_results-0-ci_low").fill("-1.0")  # interval not containing the estimate
    page.locator("#id_results-0-ci_high").fill("-0.5")
    page.get_by_role("button", name="Add to the library").click()
    expect(page.get_by_role("alert")).to_contain_text("Nothing was saved")
    expect(page.locator("#id_results-0-ci_low_error")).to_contain_text("must contain")
    page.locator("#id_results-0-ci_low").fill("-3.4")
    page.locator("#id_results-0-ci_high").fill("-1.6")
    page.get_by_role("button", name="Add to the library").click()
    expect(page.get_by_role("status")).to_contain_text("Added Roe A et al. (BROWSERKNEE)")
    row = page.locator("tr", has_text="BROWSERKNEE")
    expect(row).to_contain_text("verified")
    expect(row).to_contain_text("-2.50 (-3.40 to -1.60)")
    shot(page, "registry-evidence-library")
