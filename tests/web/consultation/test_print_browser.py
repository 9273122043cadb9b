"""Printing in a real headless Chromium: a patient chart and a printable consent on paper
(print media), and a date typed the way pages write it. Screenshots and PDFs in
/tmp/orthoregen-screenshots (print-*).

Skips when no Chromium is installed, except in CI (CI=true), as tests/web/browsing.py says.
"""

import datetime as dt

import pytest
from django.urls import reverse
from playwright.sync_api import expect
from tests.web.browsing import SHOTS, log_in, shot

from orthoregen.pathways import ConsentElement
from orthoregen.web.clinic.models import Encounter
from orthoregen.web.consultation import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _black_on_white(tab):
    return tab.evaluate("""() => {
        const body = getComputedStyle(document.body);
        return [body.color, body.backgroundColor];
    }""")


def test_chart_and_consent_print_cleanly(page, live_server, clinician_a, knee_a,
                                         consent_document_a):
    SHOTS.mkdir(parents=True, exist_ok=True)  # for the PDFs
    page.set_default_timeout(90_000)  # the first page of a loaded CI machine can be slow
    clinician_a.first_name, clinician_a.last_name = "Mina", "Okoye"
    clinician_a.save()
    consent = services.consent_record(
        knee_a, document=consent_document_a, consented_on=dt.date(2026, 12, 6),
        consenting_as="patient", consenting_person="Ada Aardvark",
        elements_confirmed=[element.value for element in ConsentElement], by=clinician_a)
    log_in(page, live_server, "clinician_a")

    page.goto(live_server.url + reverse("patient-detail", args=[knee_a.patient_id]))
    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()
    expect(page.locator(".patient-actions")).to_be_hidden()
    banner = page.get_by_role("region", name="Patient")
    expect(banner).to_contain_text("AARDVARK, Ada")
    expect(banner).to_contain_text("A-0001")
    expect(banner).to_contain_text("17 May 1960")
    expect(page.locator(".print-stamp")).to_contain_text("Printed ")
    expect(page.locator(".print-stamp")).to_contain_text("by Mina Okoye")
    assert _black_on_white(page) == ["rgb(0, 0, 0)", "rgba(0, 0, 0, 0)"]
    shot(page, "print-chart")
    pdf = page.pdf(path=SHOTS / "print-chart.pdf", format="A4")
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page/") \
        + pdf.count(b"/Type /Page ") >= 1

    page.emulate_media(media="screen")
    page.goto(live_server.url + reverse("consultation:episode", args=[knee_a.pk]))
    page.get_by_role("link", name="Printable consent with signature block").click()
    expect(page.get_by_role("heading", name=consent_document_a.title)).to_be_visible()
    shot(page, "print-consent-screen")
    page.emulate_media(media="print")
    expect(page.locator(".crumbs")).to_be_hidden()
    expect(page.locator(".print-hint")).to_be_hidden()
    signatures = page.locator(".signature-block")
    expect(signatures).to_contain_text("Clinician taking consent")
    expect(signatures).to_contain_text("Mina Okoye")
    expect(page.get_by_text("Recorded in orthoregen by Mina Okoye")).to_be_visible()
    shot(page, "print-consent")
    assert page.pdf(path=SHOTS / "print-consent.pdf", format="A4").startswith(b"%PDF")
    assert consent.pk


def test_a_date_is_typed_as_pages_write_it(page, live_server, clinician_a,
                                          knee_a):
    page.set_default_timeout(90_000)
    log_in(page, live_server, "clinician_a")
    page.goto(live_server.url + reverse("encounter-create", args=[knee_a.pk]))
    date_box = page.get_by_label("Date")
    expect(date_box).to_have_attribute("type", "text")
    expect(date_box).to_have_attribute("placeholder", "e.g. 25 Oct 2026 or 2026-10-25")
    page.get_by_label("Kind").select_option("imaging")
    date_box.fill("06/12/2026")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("“06/12/2026” is all numbers, which one country reads day first "
                            "and another month first: write the month in letters, as "
                            "25 Oct 2026.")).to_be_visible()
    shot(page, "print-date-refused")
    page.get_by_label("Date").fill("1 Apr 2026")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("01 Apr 2026").first).to_be_visible()
    assert Encounter.objects.filter(episode=knee_a, occurred_on=dt.date(2026, 4, 1)).exists()
