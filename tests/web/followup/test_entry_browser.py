"""In headless Chromium: a coordinator enters a paper HOOS and a clinician a Harris Hip Score.

Screenshots go to /tmp/orthoregen-screenshots (entry-*.png).
"""

import pytest
from playwright.sync_api import expect
from tests.web.browsing import log_in, shot

from orthoregen.web.clinic.models import JointEpisode
from orthoregen.web.followup.models import QuestionnaireResponse
from orthoregen.web.followup.services import schedule_create

from .conftest import ADMINISTERED

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def hip_episode(patient_a):
    episode = JointEpisode.objects.create(patient=patient_a, joint="hip", side="right",
                                          diagnosis_code="M16.11",
                                          grade_scale="kellgren_lawrence", grade=3)
    schedule_create(episode, administered_on=ADMINISTERED)
    return episode


def open_visit_entry(page, live_server, episode):
    page.goto(f"{live_server.url}/followup/episodes/{episode.pk}/")
    row = page.get_by_role("row").filter(has_text="3 months").filter(has_text="Questionnaires")
    row.get_by_role("link", name="Enter scores").click()
    expect(page.get_by_role("heading", name="Enter scores: 3 months visit")).to_be_visible()


def instrument_row(page, name):
    """The entry list's row of one instrument, found by its name (the page shows no ids)."""
    return page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=name,
                                                                exact=True))


def test_a_coordinator_enters_paper_hoos_and_a_clinician_a_harris_hip_score(
        new_page, live_server, hip_episode, coordinator_a, clinician_a):
    page = new_page()
    log_in(page, live_server, "coordinator_a")
    open_visit_entry(page, live_server, hip_episode)
    # HHS is the clinician's: the coordinator is told so instead of being offered a form.
    hhs_row = instrument_row(page, "Harris Hip Score")
    expect(hhs_row.get_by_text("clinician only")).to_be_visible()
    instrument_row(page, "Hip disability and Osteoarthritis Outcome Score").get_by_role(
        "link", name="Enter").click()
    # The first field has the focus; the keyboard alone answers the first items.
    expect(page.get_by_label("Completed on")).to_be_focused()
    # (Tab inside Chromium's date field walks its day, month and year parts first.)
    page.locator('input[name="mode"]').first.focus()
    page.keyboard.press("Space")  # paper, the first mode
    expect(page.locator('input[name="mode"][value="paper"]')).to_be_checked()
    for _ in range(3):  # S1, S2, S3: Tab into the group, two steps right = code 2
        page.keyboard.press("Tab")
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
    expect(page.locator('input[name="item_S3"][value="2"]')).to_be_checked()
    for item in ("S4", "S5", *(f"P{n}" for n in range(1, 11)),
                 *(f"A{n}" for n in range(1, 18)), "SP1", "SP2", "Q1", "Q2", "Q3"):
        page.locator(f'input[name="item_{item}"][value="1"]').check()
    # SP3, SP4 and Q4 are left empty: not answered on the paper form.
    shot(page, "entry-hoos-form")
    page.get_by_role("button", name="Save and score").click()
    expect(page.get_by_role("heading", name="Hip disability and Osteoarthritis Outcome Score"
                                            ": 3 months")).to_be_visible()
    expect(page.get_by_text("Paper form", exact=True)).to_be_visible()
    shot(page, "entry-hoos-saved")
    hoos = QuestionnaireResponse.objects.get(instrument_id="hoos")
    assert hoos.source == "paper" and hoos.entered_by == coordinator_a
    assert hoos.answers["S3"] == 2 and "SP3" not in hoos.answers
    page.context.close()

    page = new_page()
    log_in(page, live_server, "clinician_a")
    open_visit_entry(page, live_server, hip_episode)
    instrument_row(page, "Harris Hip Score").get_by_role("link", name="Enter").click()
    for item, code in (("pain", "30"), ("limp", "8"), ("support", "7"), ("distance", "8"),
                       ("stairs", "2"), ("shoes_socks", "2"), ("sitting", "3"),
                       ("public_transport", "1")):
        page.locator(f'input[name="item_{item}"][value="{code}"]').check()
    for item, value in (("flexion_contracture_deg", "10"), ("fixed_adduction_deg", "0"),
                        ("fixed_internal_rotation_deg", "0"),
                        ("limb_length_discrepancy_cm", "1"), ("abduction_deg", "30"),
                        ("adduction_deg", "20"), ("external_rotation_deg", "30"),
                        ("internal_rotation_deg", "10"), ("flexion_deg", "200")):
        page.locator(f'input[name="item_{item}"]').fill(value)
    page.get_by_role("button", name="Save and score").click()
    # 200° of hip flexion is refused with the item named; nothing is saved.
    expect(page.get_by_text("flexion: a plausible measurement is 0 to 150 degrees")
           ).to_be_visible()
    shot(page, "entry-hhs-refused")
    assert not QuestionnaireResponse.objects.filter(instrument_id="hhs").exists()
    page.locator('input[name="item_flexion_deg"]').fill("100")
    page.get_by_role("button", name="Save and score").click()
    expect(page.get_by_role("heading", name="Harris Hip Score: 3 months")).to_be_visible()
    expect(page.get_by_text("Clinician-reported", exact=True)).to_be_visible()
    shot(page, "entry-hhs-saved")
    hhs = QuestionnaireResponse.objects.get(instrument_id="hhs")
    # Pain 30 + function 8+7+8+2+2+3+1 = 31 + deformity 4 + motion 190° → 4: 69 (Harris 1969).
    assert hhs.scores["total"] == 69.0 and hhs.entered_by == clinician_a
    page.context.close()
