"""In a real browser: a donor with a reactive required test cannot be made eligible and the page
says why; re-opening the donor of an issued unit makes the next bedside scan refuse it, naming
the donor (21 CFR 1271.60, 1271.290(a); docs/donor-eligibility.md)."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from tests.web.browsing import log_in, shot
from tests.web.conftest import record_injection

from orthoregen.web.cellbank.models import Administration, Donor, ProductInvestigation
from orthoregen.web.procedures import services as procedures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(new_page):
    return new_page(height=1100)


def sign_step(page, kit, step, *, outcome="", reason=""):
    page.get_by_label("Step").select_option(step)
    if outcome:
        page.get_by_label("Outcome (determination or risk assessment)").select_option(outcome)
    if reason:
        page.get_by_label("Reason / new information").fill(reason)
    page.get_by_label("Your password, to sign").fill(kit.PASSWORD)
    page.get_by_role("button", name="Sign and record step").click()


def test_a_donor_with_a_reactive_required_test_cannot_be_made_eligible(
        page, live_server, site_a, lab_a, kit):
    donor = Donor.objects.create(site=site_a, code="D-077", donor_type="umbilical_cord",
                                 tested_person="Birth mother", recovered_on=kit.RECOVERED)
    kit.record_panel(donor, lab_a, reactive=("hiv1_nat",))
    kit.determine(donor, lab_a, "complete_screening")
    log_in(page, live_server, "lab_a", kit.PASSWORD, start="/login/")
    page.goto(f"{live_server.url}/cellbank/donors/{donor.pk}/")
    sign_step(page, kit, "determine", outcome="eligible")
    error = page.locator(".error-summary, .field-error").first
    expect(error).to_contain_text("cannot determine the donor eligible")
    expect(error).to_contain_text("HIV-1")
    shot(page, "donor-reactive-not-eligible")
    donor.refresh_from_db()
    assert donor.eligibility == "pending_tests"


def test_reopening_the_donor_of_an_issued_unit_makes_the_next_bedside_scan_refuse_it(
        page, live_server, issued_unit, donor_a, knee_a, lab_a, clinician_a, kit):
    kit.clear_for_procedure(knee_a, clinician_a)
    procedure = procedures.procedure_start(knee_a.patient, [knee_a], by=clinician_a,
                                           performed_on=timezone.localdate(),
                                           time_out_completed=True)
    pj = procedure.joints.get()
    record_injection(pj, by=clinician_a, injectate_volume_ml=2.0)

    log_in(page, live_server, "lab_a", kit.PASSWORD, start="/login/")
    page.goto(f"{live_server.url}/cellbank/donors/{donor_a.pk}/")
    sign_step(page, kit, "reopen", reason="HIV-1 NAT reactive confirmed")
    expect(page.get_by_text("is now pending tests")).to_be_visible()
    investigation = ProductInvestigation.objects.get()
    page.goto(f"{live_server.url}/cellbank/units/{issued_unit.pk}/")
    expect(page.locator(".unit-banner .status")).to_have_text("Recalled")
    shot(page, "unit-recalled-after-donor-reopened")

    page.context.clear_cookies()
    log_in(page, live_server, "clinician_a", kit.PASSWORD, start="/login/")
    page.goto(f"{live_server.url}/procedures/{procedure.pk}/")
    expect(page.get_by_text("No unit issued for this joint")).to_be_visible()
    check = page.get_by_role("form", name="Bedside check, Left knee")
    check.get_by_label("Scan or type the unit identifier").fill(issued_unit.identifier)
    check.get_by_label("Patient name (as on the wristband)").fill("AARDVARK, Ada")
    check.get_by_label("Date of birth").fill("1960-05-17")
    check.get_by_label("Joint").select_option("knee")
    check.get_by_label("Side").select_option("left")
    check.get_by_role("button", name="Check and record administration").click()
    refusal = page.get_by_role("form", name="Bedside check, Left knee").get_by_role("alert")
    expect(refusal).to_contain_text("Refused: the bedside check did not match.")
    expect(refusal).to_contain_text("unit's donor is pending_tests, not eligible")
    expect(refusal).to_contain_text("Donor D-001 re-opened: HIV-1 NAT reactive confirmed")
    expect(refusal).to_contain_text(f"product investigation {investigation.pk}")
    shot(page, "bedside-refuses-unit-of-reopened-donor")
    assert not Administration.objects.exists()
