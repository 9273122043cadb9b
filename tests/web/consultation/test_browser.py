"""A clinician runs the consultation in a real headless Chromium for a knee, a hip and a
shoulder: intake, the protocol result with its reasons, the decision and the consent.

Skips when no Chromium is installed, except in CI (CI=true), as tests/web/test_browser.py.
"""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from tests.web.browsing import log_in, shot

from orthoregen.web.clinic.models import JointEpisode, Patient
from orthoregen.web.consultation.models import CandidacyDecision, ConsentRecord

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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
    page.get_by_label("Conservative care history taken", exact=True).check()
    page.get_by_label("Height (cm)").fill("168")
    page.get_by_label("Weight (kg)").fill("70")
    page.get_by_label("Baseline pain", exact=True).fill("6")
    page.get_by_label("Examined on").fill(today)
    page.get_by_label("MRI reviewed on").fill(today)


def fill_row(page, table, number, fields):
    """Fill row ``number`` of a repeating table, field by field, by their labels."""
    row = page.locator(f"#{table}-row-{number}")
    for label, value in fields.items():
        field = row.get_by_label(label, exact=True)
        if field.evaluate("el => el.tagName") == "SELECT":
            field.select_option(label=value)
        else:
            field.fill(value)


def fill_care_and_labs(page, labs=True):
    for n, treatment in enumerate(("Physiotherapy", "Weight loss"), start=1):
        fill_row(page, "care", n, {"Treatment": treatment})
    if not labs:
        return
    today = timezone.localdate().isoformat()
    for n, (test, value) in enumerate((("ALT (IU/L)", "30"), ("AST (IU/L)", "25"),
                                       ("Creatinine (mg/dL)", "0.9")), start=1):
        fill_row(page, "lab", n, {"Test": test, "Value": value, "Collected on": today})


def take_history(page, injections=(), allergies=()):
    """Fill the patient history page: every history taken, the rows given."""
    for label in ("Injection history taken (every joint)", "Surgical history taken (every joint)",
                  "Medication list taken", "Allergies asked"):
        page.get_by_label(label, exact=True).check()
    for n, row in enumerate(injections, start=1):
        fill_row(page, "injection", n, row)
    for n, row in enumerate(allergies, start=1):
        fill_row(page, "allergy", n, row)


def consult(page, live_server, episode, **choices):
    page.goto(f"{live_server.url}/consultation/episodes/{episode.pk}/")
    page.get_by_role("link", name="Start intake").click()
    fill_intake(page, **choices)
    fill_care_and_labs(page)
    page.get_by_role("button", name="Save intake", exact=True).click()
    expect(page.get_by_text("Saved the intake")).to_be_visible()


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
    log_in(page, live_server, "clinician_a", start="/login/")

    # Knee, KL 3, steroid injection into that knee 40 days ago: defer until day 90.
    given = timezone.localdate() - dt.timedelta(days=40)
    page.goto(f"{live_server.url}/consultation/episodes/{knee.pk}/")
    page.get_by_role("link", name="Take patient history").click()
    take_history(page, injections=[{"Agent": "Corticosteroid", "Joint": "Knee",
                                    "Side": "Left", "Date given": given.isoformat()}])
    page.get_by_role("button", name="Save", exact=True).click()
    consult(page, live_server, knee, **{"Knee alignment": "Neutral"})
    badge = page.locator("#assessment .outcome-badge")
    expect(badge).to_have_text(f"Defer until {given + dt.timedelta(days=90):%d %b %Y}")
    expect(page.locator("#assessment tr[data-rule='WASHOUT-STEROID-TARGET-01']")).to_contain_text(
        "Corticosteroid injected into this joint less than 90 days ago")
    page.get_by_role("button", name="Agree with").click()
    expect(page.get_by_text("Recorded the decision")).to_be_visible()
    assert CandidacyDecision.objects.get(episode=knee).outcome == "defer"

    # Hip with avascular necrosis on MRI: not suitable.
    for other in (hip, shoulder):
        page.goto(f"{live_server.url}/consultation/patients/{other.patient_id}/history/")
        take_history(page)
        page.get_by_role("button", name="Save", exact=True).click()
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
    shot(page, "consultation-shoulder-consented")


def test_a_two_joint_intake_takes_at_most_six_page_loads(
        page, live_server, coordinator_a, patient_a, site_a):
    """The patient history once, then each joint's intake on one page: a knee steroid three
    weeks ago, recorded once, defers the hip and is named in the hip's result."""
    knee = patient_a.episodes.get()  # left knee, KL 3
    hip = JointEpisode.objects.create(patient=patient_a, joint="hip", side="right",
                                      diagnosis_code="M16.11", grade_scale="tonnis", grade=2,
                                      symptom_onset=dt.date(2023, 1, 1))
    log_in(page, live_server, "coordinator_a", start="/login/")
    loads = []
    page.on("load", lambda: loads.append(page.url))
    given = timezone.localdate() - dt.timedelta(days=21)

    page.goto(f"{live_server.url}/consultation/episodes/{knee.pk}/")
    page.get_by_role("link", name="Take patient history").click()
    take_history(page, injections=[{"Agent": "Corticosteroid", "Joint": "Knee",
                                    "Side": "Left", "Date given": given.isoformat()}],
                 allergies=[{"Substance": "Penicillin", "Reaction": "Rash",
                             "Severity": "Severe"}])
    fill_row(page, "medication", 1, {"Kind": "Anticoagulant or antiplatelet",
                                     "Drug name": "Apixaban"})
    # With the page's script, "Add another row" adds a blank row in place (no page load).
    before = len(loads)
    page.get_by_role("button", name="Add another allergy row").click()
    fill_row(page, "allergy", 3, {"Substance": "Latex", "Severity": "Mild"})
    assert len(loads) == before
    shot(page, "consultation-patient-history")
    page.get_by_role("button", name="Save and continue to the intake of the left knee").click()

    expect(page.get_by_role("heading", name="Intake: Left knee")).to_be_visible()
    fill_intake(page, **{"Knee alignment": "Neutral"})
    fill_care_and_labs(page)
    shot(page, "consultation-knee-intake")
    page.get_by_role("button", name="Save and continue to the intake of the right hip").click()

    expect(page.get_by_role("heading", name="Intake: Right hip")).to_be_visible()
    expect(page.get_by_text("carried forward from the left knee intake")).to_be_visible()
    fill_intake(page, **{"Avascular necrosis": "No"})
    fill_care_and_labs(page, labs=False)  # the knee's laboratory results are carried
    page.get_by_role("button", name="Save intake", exact=True).click()

    expect(page.get_by_text("Saved the intake of the Right hip")).to_be_visible()
    until = given + dt.timedelta(days=28)  # docs/candidacy.md#washouts (Habib 2009)
    expect(page.locator("#assessment .outcome-badge")).to_have_text(
        f"Defer until {until:%d %b %Y}")
    expect(page.locator("#assessment tr[data-rule='WASHOUT-STEROID-ANY-02']")).to_contain_text(
        f"agent corticosteroid, joint knee, side left, given on {given.isoformat()}")
    expect(page.locator("#patient-history")).to_contain_text("Penicillin (Rash) — severe")
    expect(page.locator("#patient-history")).to_contain_text("Latex — mild")
    assert page.url.endswith(f"/consultation/episodes/{hip.pk}/")
    shot(page, "consultation-hip-deferred")
    assert len(loads) <= 6, loads  # issue budget: a two-joint intake in at most 6 page loads
