"""A clinician runs the consultation in a real headless Chromium for a knee, a hip and a
shoulder: intake, the protocol result with its reasons, the decision and the consent.

Skips when no Chromium is installed, except in CI (CI=true), as tests/web/test_browser.py.
"""

import datetime as dt
import os
import shutil

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from orthoregen.web.clinic.models import JointEpisode, Patient
from orthoregen.web.consultation.models import CandidacyDecision, ConsentRecord

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but no Chromium found: install Debian's chromium package.")
        pytest.skip("No Chromium found (apt-get install chromium); browser tests skipped.")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop in this thread; the test is synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("correct-horse-battery")  # tests/web/conftest.py
    page.get_by_role("button", name="Sign in").click()


def fill_intake(page, **choices):
    """Fill the intake form as a clinician would: every question asked, nothing contraindicated."""
    today = timezone.localdate().isoformat()
    answers = {"Diabetes": "No", "Inflammatory arthritis (RA, PsA, gout, CPPD)": "No",
               "Bleeding disorder": "No", "Immunodeficiency": "No",
               "Active local or systemic infection": "No", "Pregnant or breastfeeding": "No",
               "Childbearing potential": "No", "Current smoker": "No", "Effusion": "No",
               "Mechanical symptoms (locking, loose bodies, instability)": "No",
               "Enrolled in another clinical trial": "No", "Malignancy": "Never had cancer",
               "Baseline pain scale": "NRS (0-10)", "Planned cell product": "Allogeneic"}
    answers.update(choices)
    for label, option in answers.items():
        page.get_by_label(label, exact=True).select_option(label=option)
    for label in ("Injection history taken", "Surgical history taken",
                  "Conservative care history taken", "Medication list taken"):
        page.get_by_label(label, exact=True).check()
    page.get_by_label("Height (cm)").fill("168")
    page.get_by_label("Weight (kg)").fill("70")
    page.get_by_label("Baseline pain", exact=True).fill("6")
    page.get_by_label("Examined on").fill(today)
    page.get_by_label("MRI reviewed on").fill(today)


def add_row(page, link, fields):
    page.get_by_role("link", name=link).click()
    for label, (kind, value) in fields.items():
        field = page.get_by_label(label)
        field.select_option(label=value) if kind == "select" else field.fill(value)
    page.get_by_role("button", name="Save").click()


def add_care_and_labs(page):
    for treatment in ("Physiotherapy", "Weight loss"):
        add_row(page, "Add conservative treatment tried", {"Treatment": ("select", treatment)})
    today = timezone.localdate().isoformat()
    for test, value in (("ALT (IU/L)", "30"), ("AST (IU/L)", "25"), ("Creatinine (mg/dL)", "0.9")):
        add_row(page, "Add laboratory result", {"Test": ("select", test),
                                                "Value": ("fill", value),
                                                "Collected on": ("fill", today)})


def consult(page, live_server, episode, **choices):
    page.goto(f"{live_server.url}/consultation/episodes/{episode.pk}/")
    page.get_by_role("link", name="Start intake").click()
    fill_intake(page, **choices)
    page.get_by_role("button", name="Save intake").click()
    expect(page.get_by_text("Saved the intake")).to_be_visible()
    add_care_and_labs(page)


def episode_for(site, mrn, joint, side, code, scale, grade):
    patient = Patient.objects.create(site=site, mrn=mrn, family_name=mrn.title(),
                                     given_name="Sam", date_of_birth=dt.date(1958, 2, 3),
                                     sex="male")
    return JointEpisode.objects.create(patient=patient, joint=joint, side=side,
                                       diagnosis_code=code, grade_scale=scale, grade=grade,
                                       symptom_onset=dt.date(2023, 1, 1))


def test_clinician_runs_the_consultation_for_a_knee_a_hip_and_a_shoulder(
        page, live_server, clinician_a, patient_a, site_a, consent_document_a):
    knee = patient_a.episodes.get()
    knee.symptom_onset = dt.date(2023, 5, 1)
    knee.save()
    hip = episode_for(site_a, "HIP", "hip", "right", "M16.11", "tonnis", 2)
    shoulder = episode_for(site_a, "SHOULDER", "shoulder", "left", "M19.012",
                           "samilson_prieto", 3)
    log_in(page, live_server, "clinician_a")

    # Knee, KL 3, steroid injection into that knee 40 days ago: defer until day 90.
    consult(page, live_server, knee, **{"Knee alignment": "Neutral"})
    given = timezone.localdate() - dt.timedelta(days=40)
    add_row(page, "Add prior injection", {"Agent": ("select", "Corticosteroid"),
                                          "Date given": ("fill", given.isoformat())})
    badge = page.locator("#assessment .outcome-badge")
    expect(badge).to_have_text(f"Defer until {given + dt.timedelta(days=90):%d %b %Y}")
    expect(page.locator("#assessment tr[data-rule='WASHOUT-STEROID-TARGET-01']")).to_contain_text(
        "Corticosteroid injected into this joint less than 90 days ago")
    page.get_by_role("button", name="Agree with").click()
    expect(page.get_by_text("Recorded the decision")).to_be_visible()
    assert CandidacyDecision.objects.get(episode=knee).outcome == "defer"

    # Hip with avascular necrosis on MRI: not suitable.
    consult(page, live_server, hip, **{"Avascular necrosis": "Yes"})
    expect(page.locator("#assessment .outcome-badge")).to_have_text("Not suitable")
    expect(page.locator("#assessment tr[data-rule='HIP-AVN-01']")).to_contain_text(
        "Avascular necrosis of the hip")

    # Shoulder, Samilson-Prieto III: suitable, discuss expectations; agree and consent.
    consult(page, live_server, shoulder, **{"Rotator cuff": "Intact"})
    expect(page.locator("#assessment .outcome-badge")).to_have_text(
        "Suitable — discuss expectations")
    expect(page.locator("#assessment tr[data-rule='SHOULDER-GRADE-02']")).to_contain_text(
        "Samilson-Prieto III (severe)")
    page.get_by_role("button", name="Agree with").click()
    page.get_by_role("link", name="Record consent").click()
    for checkbox in page.get_by_role("checkbox").all():
        checkbox.check()
    page.get_by_role("button", name="Record consent").click()
    expect(page.get_by_text("Procedure may proceed today.")).to_be_visible()
    assert ConsentRecord.objects.get(episode=shoulder).taken_by == clinician_a
    page.screenshot(path=os.environ.get("CONSULTATION_SCREENSHOT", "/tmp/consultation.png"),
                    full_page=True)
