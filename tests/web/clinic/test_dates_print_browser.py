"""In a real headless Chromium: a date typed into two apps' forms is read the same way and an
all-number or impossible date is refused by name (clinic/dates.py); a long patient chart
printed to PDF carries the patient banner, every visit and no navigation
(static/orthoregen/print.css, docs/printing.md). PDFs and screenshots go to
/tmp/orthoregen-screenshots (dates-*, print-long-chart*).

Skips when no Chromium is installed, except in CI (CI=true), as tests/web/browsing.py says.
"""

import datetime as dt
import io

import pytest
from django.urls import reverse
from playwright.sync_api import expect
from pypdf import PdfReader
from tests.web.browsing import SHOTS, log_in, shot

from orthoregen.web.clinic.models import Encounter
from orthoregen.web.safety.models import OutcomeEvent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ALL_NUMBERS = ("“12/06/2026” is all numbers, which one country reads day first and another "
               "month first: write the month in letters, as 25 Oct 2026.")


@pytest.fixture
def knee_a(patient_a):
    return patient_a.episodes.get()


def test_a_date_is_typed_the_same_way_in_two_apps(new_page, live_server, clinician_a,
                                                  coordinator_a, knee_a):
    # Clinic: an encounter, as a clinician.
    page = new_page()
    page.set_default_timeout(90_000)
    log_in(page, live_server, "clinician_a")
    page.goto(live_server.url + reverse("encounter-create", args=[knee_a.pk]))
    page.get_by_label("Kind").select_option("imaging")
    page.get_by_label("Date").fill("12/06/2026")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text(ALL_NUMBERS)).to_be_visible()
    shot(page, "dates-clinic-refused")
    page.get_by_label("Date").fill("6 apr 2026")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("06 Apr 2026").first).to_be_visible()
    assert Encounter.objects.filter(episode=knee_a, occurred_on=dt.date(2026, 4, 6)).exists()

    # Safety: a conversion to joint replacement, as the coordinator who manages follow-up.
    other = new_page()
    other.set_default_timeout(90_000)
    log_in(other, live_server, "coordinator_a")
    other.goto(live_server.url + reverse("safety:outcome-create", args=[knee_a.pk]))
    box = other.get_by_label("Date of joint replacement")
    expect(box).to_have_attribute("type", "text")
    expect(box).to_have_attribute("placeholder", "e.g. 25 Oct 2026 or 2026-10-25")
    box.fill("2026-13-01")
    other.get_by_role("button", name="Save").click()
    expect(other.get_by_text("“2026-13-01” has no month 13")).to_be_visible()
    other.get_by_label("Date of joint replacement").fill("12/06/2026")
    other.get_by_role("button", name="Save").click()
    expect(other.get_by_text(ALL_NUMBERS)).to_be_visible()
    shot(other, "dates-safety-refused")
    assert not OutcomeEvent.objects.exists()
    other.get_by_label("Date of joint replacement").fill("06 Jul 2026")
    other.get_by_role("button", name="Save").click()
    expect(other.get_by_text("Conversion to joint replacement recorded.")).to_be_visible()
    assert OutcomeEvent.objects.get().occurred_on == dt.date(2026, 7, 6)


def test_a_long_chart_prints_whole_without_navigation(page, live_server, clinician_a, knee_a):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_default_timeout(90_000)
    for day in range(1, 31):  # enough visits for several A4 sheets, fewer than a page of 50
        Encounter.objects.create(episode=knee_a, kind="consultation",
                                 occurred_on=dt.date(2026, 1, 1) + dt.timedelta(days=day),
                                 notes=f"Review visit number {day}: knee examined")
    log_in(page, live_server, "clinician_a")
    page.goto(live_server.url + reverse("patient-detail", args=[knee_a.patient_id]))
    page.emulate_media(media="print")
    for chrome in (".topbar", "nav", ".patient-actions", ".crumbs"):
        for element in page.locator(chrome).all():
            expect(element).to_be_hidden()
    expect(page.get_by_role("region", name="Patient")).to_be_visible()
    shot(page, "print-long-chart")
    pdf = page.pdf(path=SHOTS / "print-long-chart.pdf", format="A4")
    sheets = PdfReader(io.BytesIO(pdf)).pages
    assert len(sheets) >= 2
    first = sheets[0].extract_text()
    assert "AARDVARK" in first and "A-0001" in first and "17 May 1960" in first
    text = " ".join(sheet.extract_text() for sheet in sheets)
    # Nothing is lost at a page end: the first and the last visit are both on paper.
    assert "Review visit number 1:" in text and "Review visit number 30:" in text
    assert "Sign out" not in text
