"""In a real browser: lab staff receive, test, release and issue a unit; a clinician records
a two-joint session with the bedside check, and a mismatch is refused saying what did not
match (docs/cell-products.md#bedside-identity-check)."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from tests.web.browsing import log_in

from orthoregen.web.cellbank import services
from orthoregen.web.cellbank.models import Administration, BedsideCheckAttempt, ProductUnit
from orthoregen.web.clinic.models import JointEpisode

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_lab_issues_and_clinician_records_a_two_joint_session(
        new_page, live_server, lab_a, clinician_a, patient_a, harvest_a, kit):
    left = patient_a.episodes.get(side="left")
    right = JointEpisode.objects.create(patient=patient_a, joint="knee", side="right",
                                        diagnosis_code="M17.11",
                                        grade_scale="kellgren_lawrence", grade=2)
    for episode in (left, right):
        kit.clear_for_procedure(episode, clinician_a)
    # The second joint's unit comes ready from the lab services; the first goes by browser.
    second = kit.pass_qc(kit.receive(patient_a.site, lab_a, "LOC-BM2-" + _k("BM2"),
                                     harvest=harvest_a, product="bmac"), lab_a,
                         mycoplasma=False)
    kit.release(second, lab_a)
    services.unit_issue(second, right, by=lab_a)

    lab = new_page(height=1000)
    log_in(lab, live_server, "lab_a", start="/login/")
    lab.get_by_role("navigation", name="Main").get_by_role("link", name="Cell lab").click()
    expect(lab.get_by_role("heading", name="Cell lab worklist")).to_be_visible()
    lab.get_by_role("link", name="Receive a unit").first.click()
    lab.get_by_label("Unit identifier").fill("LOC-BM1-" + _k("BM1"))
    lab.locator("#id_product_class").select_option("bmac")
    lab.get_by_label("Harvest (autologous)").select_option(str(harvest_a.pk))
    now = timezone.now()
    lab.get_by_label("Collected").fill(local(now - dt.timedelta(hours=1)))
    lab.get_by_label("Expires").fill(local(now + dt.timedelta(hours=11)))
    lab.get_by_label("Storage").fill("Room temperature, use within 12 h")
    lab.get_by_label("Total cells").fill("30000000")
    lab.get_by_label("Volume (mL)").fill("3")
    lab.get_by_role("button", name="Save").click()
    expect(lab.get_by_text("into quarantine")).to_be_visible()
    expect(lab.locator(".unit-banner .status")).to_have_text("Quarantine")
    # Received, the lab lands on the release panel; this walk records results one by one.
    lab.get_by_role("link", name="Back to the unit").click()

    for test, value, outcome in (("viability", "91", ""), ("endotoxin_eu_per_ml", "0.2", ""),
                                 ("gram_stain", "", "negative"), ("sterility", "", "negative")):
        lab.get_by_label("Test").select_option(test)
        if value:
            lab.get_by_label("Value").fill(value)
        if outcome:
            lab.get_by_label("Result (cultures, Gram stain)").select_option(outcome)
        lab.get_by_role("button", name="Record result").click()
        expect(lab.get_by_text(f"Recorded {test}")).to_be_visible()
    expect(lab.locator(".verdict.full")).to_be_visible()
    # A colleague verifies the results (a signature of their own); lab_a signs the release.
    services.qc_panel_verify(ProductUnit.objects.get(identifier__startswith="LOC-BM1-"),
                             by=kit.colleague(lab_a), password=kit.PASSWORD)
    lab.reload()
    release = lab.get_by_role("form", name="Release")
    release.get_by_label("Your password, to sign").fill(kit.PASSWORD)
    release.get_by_role("button", name="Sign and release").click()
    expect(lab.locator(".unit-banner .status")).to_have_text("Released")
    lab.get_by_label("Patient MRN").fill("A-0001")
    lab.get_by_label("Joint").select_option("knee")
    lab.get_by_label("Side").select_option("left")
    lab.get_by_role("button", name="Issue unit").click()
    expect(lab.locator(".unit-banner .status")).to_have_text("Issued")
    first = ProductUnit.objects.get(identifier__startswith="LOC-BM1-")
    assert (first.status, first.issued_to_episode) == ("issued", left)

    doctor = new_page(height=1000)
    log_in(doctor, live_server, "clinician_a", start="/login/")
    doctor.goto(f"{live_server.url}/procedures/patients/{patient_a.pk}/new/")
    doctor.get_by_label("Left knee").check()
    doctor.get_by_label("Right knee").check()
    doctor.get_by_label("Date").fill(timezone.localdate().isoformat())
    doctor.get_by_label("Time-out completed").check()
    doctor.get_by_role("button", name="Save").click()
    expect(doctor.get_by_text("Started the session")).to_be_visible()

    for side in ("Left", "Right"):
        record = doctor.get_by_role("form", name=f"Injection record, {side} knee")
        record.get_by_label("Injectate volume (mL)").fill("3")
        record.get_by_label("Guidance").select_option("ultrasound")
        record.get_by_label("Approach").select_option("superolateral")
        record.get_by_label("Stored image (Study Instance UID or image id)") \
            .fill(f"US-{side}-0001")
        record.get_by_role("button", name="Save injection record").click()
        expect(doctor.get_by_text(f"Saved the injection record of the {side} knee")) \
            .to_be_visible()

    check = doctor.get_by_role("form", name="Bedside check, Left knee")
    check.get_by_label("Scan or type the unit identifier").fill(first.identifier)
    check.get_by_label("Patient name (as on the wristband)").fill("AARDVARK, Ada")
    check.get_by_label("Date of birth").fill("1960-05-17")
    check.get_by_label("Joint").select_option("knee")
    check.get_by_label("Side").select_option("right")  # the wrong side
    check.get_by_role("button", name="Check and record administration").click()
    refusal = doctor.get_by_role("form", name="Bedside check, Left knee").get_by_role("alert")
    expect(refusal).to_contain_text("Refused: the bedside check did not match.")
    expect(refusal).to_contain_text("unit was issued for the left side, not the right")
    assert not Administration.objects.exists()
    assert BedsideCheckAttempt.objects.get().passed is False

    for side, unit in (("Left", first), ("Right", second)):
        check = doctor.get_by_role("form", name=f"Bedside check, {side} knee")
        check.get_by_label("Scan or type the unit identifier").fill(unit.identifier)
        check.get_by_label("Patient name (as on the wristband)").fill("AARDVARK, Ada")
        check.get_by_label("Date of birth").fill("1960-05-17")
        check.get_by_label("Joint").select_option("knee")
        check.get_by_label("Side").select_option(side.lower())
        check.get_by_role("button", name="Check and record administration").click()
        expect(doctor.get_by_text(f"administration recorded for the {side} knee")).to_be_visible()
    assert Administration.objects.count() == 2
    assert set(ProductUnit.objects.values_list("status", flat=True)) == {"administered"}
    expect(doctor.locator(".status.administered")).to_have_count(2)


def _k(body):
    from orthoregen.products.isbt128 import check_character

    return check_character(body)
