"""A Spanish-speaking patient's questionnaire on a phone-sized headless Chromium.

Screenshots go to $ORTHOREGEN_SCREENSHOTS (portal-es-*.png) to be looked at.
"""

import os
from pathlib import Path

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone
from playwright.sync_api import expect
from tests.web.test_browser import browser  # noqa: F401

from orthoregen.web.followup.questionnaires import invitation_create
from orthoregen.web.followup.services import schedule_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("ORTHOREGEN_SCREENSHOTS", "/tmp/orthoregen-screenshots"))


@pytest.fixture(autouse=True)
def today():
    """Override the package conftest's frozen clock: the live server runs in real time."""
    yield


@pytest.fixture
def phone(browser):  # noqa: F811
    # A Spanish patient on an English-language phone: the page follows the patient, not it.
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True, locale="en-GB")
    yield context.new_page()
    context.close()


def test_a_spanish_patient_answers_in_spanish_on_a_phone(phone, live_server, patient_a):
    patient_a.preferred_language = "es"
    patient_a.save()
    administered = timezone.localdate() - relativedelta(months=3)
    schedule = schedule_create(patient_a.episodes.get(), administered_on=administered)
    _, token = invitation_create(schedule.visits.get(timepoint="month_3", kind="visit"))
    SHOTS.mkdir(parents=True, exist_ok=True)

    phone.goto(f"{live_server.url}/portal/q/{token}/")
    expect(phone.locator("html")).to_have_attribute("lang", "es")
    expect(phone.locator("#joint-heading")).to_contain_text("Su rodilla izquierda")
    expect(phone.get_by_text("se muestran en inglés")).to_be_visible()
    phone.screenshot(path=str(SHOTS / "portal-es-questionnaire.png"), full_page=True)

    phone.get_by_role("button", name="Guardar y continuar").click()  # nothing chosen
    expect(phone.get_by_role("alert")).to_contain_text("Faltan algunas respuestas")
    phone.get_by_text("3", exact=True).first.click()
    phone.get_by_role("button", name="Guardar y continuar").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Desde su última visita")
    for question in phone.locator("fieldset.question").all():
        question.get_by_text("No", exact=True).click()
    phone.screenshot(path=str(SHOTS / "portal-es-since-last-visit.png"), full_page=True)
    phone.get_by_role("button", name="Enviar mis respuestas").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(
        "Sus resultados a lo largo del tiempo")
    phone.screenshot(path=str(SHOTS / "portal-es-results.png"), full_page=True)
