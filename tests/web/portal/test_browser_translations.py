"""A Spanish-speaking patient's questionnaire on a phone-sized headless Chromium.

Screenshots go to /tmp/orthoregen-screenshots (portal-es-*.png) to be looked at.
"""

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone
from playwright.sync_api import expect
from tests.web.browsing import PHONE, shot, today  # noqa: F401  (today: the live server's clock)

from orthoregen.web.followup.questionnaires import invitation_create
from orthoregen.web.followup.services import schedule_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def phone(new_page):
    # A Spanish patient on an English-language phone: the page follows the patient, not it.
    return new_page(**PHONE, locale="en-GB")


def test_a_spanish_patient_answers_in_spanish_on_a_phone(phone, live_server, patient_a):
    patient_a.preferred_language = "es"
    patient_a.save()
    administered = timezone.localdate() - relativedelta(months=3)
    schedule = schedule_create(patient_a.episodes.get(), administered_on=administered)
    _, token = invitation_create(schedule.visits.get(timepoint="month_3", kind="visit"))

    phone.goto(f"{live_server.url}/portal/q/{token}/")
    expect(phone.locator("html")).to_have_attribute("lang", "es")
    expect(phone.locator("#joint-heading")).to_contain_text("Su rodilla izquierda")
    expect(phone.get_by_text("se muestran en inglés")).to_be_visible()
    shot(phone, "portal-es-questionnaire")

    phone.get_by_role("button", name="Guardar y continuar").click()  # nothing chosen
    expect(phone.get_by_role("alert")).to_contain_text("Faltan algunas respuestas")
    phone.get_by_text("3", exact=True).first.click()
    phone.get_by_role("button", name="Guardar y continuar").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Desde su última visita")
    for question in phone.locator("fieldset.question").all():
        question.get_by_text("No", exact=True).click()
    shot(phone, "portal-es-since-last-visit")
    phone.get_by_role("button", name="Enviar mis respuestas").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(
        "Sus resultados a lo largo del tiempo")
    shot(phone, "portal-es-results")
