"""A real headless Chromium walks the clinic's day: the coordinator finds Marianne by the
names staff type, opens the day list; the chart of a patient with a serious adverse event
shows the flag and the full timeline. Screenshots go to /tmp/orthoregen-screenshots."""

import datetime as dt
import importlib.util
from pathlib import Path

import pytest
from playwright.sync_api import expect
from tests.web.browsing import log_in, shot

from orthoregen.web.clinic.services import patient_save

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The full pathway of the chart tests, read from their module (test modules are not a package).
_spec = importlib.util.spec_from_file_location(
    "chart_hub_kit", Path(__file__).with_name("test_chart_hub.py"))
assert _spec is not None and _spec.loader is not None
kit = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(kit)


def test_the_coordinator_finds_marianne_and_opens_the_day_list(
        page, live_server, coordinator_a, clinician_a, patient_a, patient_b):
    marianne = patient_save(None, site=patient_a.site, mrn="RJC-004217",
                            family_name="Okafor-Lindqvist", given_name="Marianne",
                            date_of_birth=dt.date(1961, 12, 6), sex="female",
                            by=coordinator_a)
    patient_save(None, site=patient_b.site, mrn="NGO-1", family_name="Okafor-Lindqvist",
                 given_name="Marianne", date_of_birth=dt.date(1961, 12, 6), sex="female",
                 by=coordinator_a)
    log_in(page, live_server, "coordinator_a")
    for typed in ("okafor lindqvist", "Lindqvist, M"):
        box = page.get_by_label("Find a patient")
        box.fill(typed)
        page.get_by_role("button", name="Search", exact=True).click()
        expect(page.get_by_text(f"1 patient matching “{typed}”")).to_be_visible()
        expect(page.get_by_role("link", name="OKAFOR-LINDQVIST, Marianne")).to_have_count(1)
        shot(page, f"search-{typed.replace(' ', '-').replace(',', '')}")
    page.get_by_role("link", name="OKAFOR-LINDQVIST, Marianne").click()
    expect(page.get_by_role("heading", name="OKAFOR-LINDQVIST, Marianne")).to_be_visible()
    assert f"/patients/{marianne.pk}/" in page.url
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Day list").click()
    expect(page.get_by_role("heading", name="Day list: Today")).to_be_visible()
    expect(page.get_by_text("Your day list shows, when there are any:")).to_be_visible()
    shot(page, "day-list-empty")
    page.get_by_label("Period").select_option("week")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", name="Day list: This week")).to_be_visible()


def test_the_chart_of_a_patient_with_a_serious_event_flags_it_and_shows_everything(
        page, live_server, clinician_a, lab_a, patient_a):
    kit.full_pathway(patient_a, clinician_a, lab_a)
    log_in(page, live_server, "clinician_a")
    page.goto(f"{live_server.url}/patients/{patient_a.pk}/")
    alerts = page.locator(".chart-alerts")
    expect(alerts).to_be_visible()
    expect(alerts.get_by_role("alert").first).to_contain_text(
        "Serious adverse event open: Septic arthritis")
    expect(alerts).to_contain_text("Visit overdue: 6 weeks")
    # The flags come before the joints, at the top of the page.
    top_of_alerts = alerts.bounding_box()
    top_of_joints = page.get_by_role("heading", name="Treated joints").bounding_box()
    assert top_of_alerts and top_of_joints and top_of_alerts["y"] < top_of_joints["y"]
    timeline = page.locator("#timeline")
    for kind in ("Serious adverse event", "Questionnaire", "Product received", "Procedure",
                 "Consent", "Override", "Outcome event", "Follow-up", "Consultation"):
        expect(timeline.locator(".kind", has_text=kind).first).to_be_visible()
    expect(page.get_by_text("Cleared to proceed by override (Clinician_A Tester").first) \
        .to_be_visible()
    expect(page.get_by_text("Defer — override")).to_have_count(0)
    expect(page.get_by_text("No encounters yet")).to_have_count(0)
    shot(page, "chart-hub-serious-event")
    page.get_by_role("navigation", name="Show the timeline of").get_by_role(
        "link", name="Right hip").click()
    expect(page.get_by_role("heading", name="Timeline: Right hip")).to_be_visible()
    expect(timeline.locator(".kind", has_text="Override")).to_have_count(0)
    shot(page, "chart-hub-hip-only")
