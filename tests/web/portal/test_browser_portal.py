"""A patient completes a questionnaire on a phone-sized headless Chromium through a link."""

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone
from playwright.sync_api import expect
from tests.web.browsing import shot, today  # noqa: F401  (today: the live server's clock)

from orthoregen.web.followup.models import QuestionnaireResponse
from orthoregen.web.followup.questionnaires import invitation_create
from orthoregen.web.followup.services import schedule_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_patient_completes_a_questionnaire_on_a_phone_and_sees_the_result(phone, live_server,
                                                                          patient_a):
    # Administered three months ago, so the 3-month window is open today.
    administered = timezone.localdate() - relativedelta(months=3)
    schedule = schedule_create(patient_a.episodes.get(), administered_on=administered)
    _, token = invitation_create(schedule.visits.get(timepoint="month_3", kind="visit"))

    phone.goto(f"{live_server.url}/portal/q/{token}/")
    expect(phone.get_by_role("progressbar", name="Step 1 of 2")).to_be_visible()
    # Submitting nothing shows the item's error, linked from the summary.
    phone.get_by_role("button", name="Save and continue").click()
    expect(phone.get_by_role("alert")).to_contain_text("Please answer this question.")
    expect(phone.get_by_role("alert")).to_be_focused()  # announced to screen readers
    phone.get_by_role("radio", name="3", exact=True).check()
    phone.get_by_role("button", name="Save and continue").click()

    expect(phone.get_by_role("heading", name="Since your last visit")).to_be_visible()
    expect(phone.get_by_role("progressbar", name="Step 2 of 2")).to_be_visible()
    for question in ("new swelling", "red or hot", "fever", "much worse", "hospital"):
        phone.get_by_role("group", name=question).get_by_label("No").check()
    # Large touch targets: every answer row is at least 44 CSS px high (WCAG 2.5.5).
    heights = phone.locator("label.choice").evaluate_all(
        "labels => labels.map(l => l.getBoundingClientRect().height)")
    assert min(heights) >= 44
    # Nothing overflows the phone's width.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.get_by_role("button", name="Send my answers").click()

    expect(phone.get_by_role("heading", name="Your results over time")).to_be_visible()
    table = phone.get_by_role("table", name="Pain numeric rating scale (0–10) scores by date")
    expect(table).to_contain_text("3")
    assert QuestionnaireResponse.objects.get().scores == {"pain": 3.0}
    shot(phone, "portal_results_phone")


def test_patient_completes_the_questionnaire_with_the_keyboard_alone(new_page, live_server,
                                                                     patient_a):
    administered = timezone.localdate() - relativedelta(months=3)
    schedule = schedule_create(patient_a.episodes.get(), administered_on=administered)
    _, token = invitation_create(schedule.visits.get(timepoint="month_3", kind="visit"))
    page = new_page(width=1024, height=800)
    page.goto(f"{live_server.url}/portal/q/{token}/")
    keys = page.keyboard
    keys.press("Tab")  # the skip link
    keys.press("Tab")  # the first answer of the pain question
    keys.press("Space")  # 0
    for _ in range(3):
        keys.press("ArrowRight")  # radio groups move with the arrow keys: 3
    keys.press("Tab")
    expect(page.get_by_role("button", name="Save and continue")).to_be_focused()
    keys.press("Enter")
    expect(page.get_by_role("heading", name="Since your last visit")).to_be_visible()
    keys.press("Tab")
    for _ in range(5):
        keys.press("Tab")  # the first answer, "No", of each question
        keys.press("Space")
    keys.press("Tab")
    expect(page.get_by_role("button", name="Send my answers")).to_be_focused()
    keys.press("Enter")
    expect(page.get_by_role("heading", name="Your results over time")).to_be_visible()
    assert QuestionnaireResponse.objects.get().answers == {"NRS": 3}
