"""A failed result stops the rest of its lot: every unit of the split tree not yet given is put
on hold, in quarantine where the status machine allows it, otherwise kept in its status with
a custody event saying why; a held unit is not released, issued, thawed or given, and the
bedside check says why (docs/cell-products.md#product-status,
#lineage-and-look-back, #release-specifications)."""

import datetime as dt
import types

import pytest
from django.urls import reverse
from django.utils import timezone
from tests.web.conftest import record_injection

from orthoregen.web.cellbank import services
from orthoregen.web.cellbank.models import (
    Administration,
    BedsideCheckAttempt,
    CustodyEvent,
    ProductInvestigation,
)
from orthoregen.web.consultation.models import BodyMeasurement
from orthoregen.web.procedures import services as procedures


def session_for(episode, clinician, kit):
    kit.clear_for_procedure(episode, clinician)
    procedure = procedures.procedure_start(episode.patient, [episode], by=clinician,
                                         performed_on=timezone.localdate(),
                                         time_out_completed=True)
    pj = procedure.joints.get()
    record_injection(pj, by=clinician, injectate_volume_ml=1.0)
    return pj


def give(pj, unit, clinician):
    """Run the bedside check for a unit at a session joint (raises if it is refused)."""
    patient = pj.episode.patient
    return procedures.administration_record(
        pj, by=clinician, scanned_identifier=unit.identified_as,
        name=f"{patient.given_name} {patient.family_name}", date_of_birth=patient.date_of_birth,
        joint=pj.episode.joint, side=pj.episode.side)


@pytest.fixture
def lot(site_a, lab_a, donor_a, patient_a, clinician_a, kit):
    """A lot released pending sterility, divided in three: one unit given to patient A, one
    on the shelf, one issued to patient B's knee and waiting at the bedside."""
    parent = kit.pass_qc(kit.receive(site_a, lab_a, kit.DIN_A, donor_a), lab_a,
                         sterility="pending")
    kit.release(parent, lab_a, conditional=True,
                reason="fresh product, injected today")
    first, shelf, waiting = services.unit_split(parent, by=lab_a, volumes_ml=[1.0, 2.0, 1.5])
    knee_b = kit.make_patient_with_knee(site_a, "A-0002", "Bunting")
    services.unit_issue(waiting, knee_b, by=lab_a)
    return types.SimpleNamespace(parent=parent, first=first, shelf=shelf, waiting=waiting,
                                 knee_a=patient_a.episodes.get(), knee_b=knee_b,
                                 units=[first, shelf, waiting])


def statuses(units):
    for unit in units:
        unit.refresh_from_db()
    return [unit.status for unit in units]


def last_custody(unit):
    return CustodyEvent.objects.filter(unit=unit).order_by("at", "id").last()


def test_a_positive_culture_before_anything_is_given_holds_the_rest_of_the_lot(
        lot, lab_a, clinician_a, kit):
    services.qc_record(lot.first, by=lab_a, test="sterility", outcome="positive")
    assert statuses(lot.units) == ["recalled", "quarantine", "issued"]
    assert not ProductInvestigation.objects.exists()  # nobody received any of it
    why = f"Sterility culture positive on unit {lot.first.identifier}"
    shelved = last_custody(lot.shelf)
    assert (shelved.from_status, shelved.to_status, shelved.by) == (
        "conditionally_released", "quarantine", lab_a)
    assert shelved.note == f"Quarantined, on hold: {why}."
    # Issued has no quarantine transition: the unit stays issued, the hold is on record.
    waiting = last_custody(lot.waiting)
    assert (waiting.from_status, waiting.to_status) == ("issued", "issued")
    assert waiting.note.startswith(f"On hold: {why}. No quarantine transition exists from "
                                   "issued")
    with pytest.raises(services.CellbankRefused, match=f"it is on hold: {why}"):
        services.unit_release(lot.shelf, by=lab_a, password=kit.PASSWORD, conditional=True,
                              reason="fresh")


def test_the_bedside_check_refuses_a_held_unit_saying_why(lot, lab_a, clinician_a, kit):
    pj = session_for(lot.knee_b, clinician_a, kit)
    services.qc_record(lot.first, by=lab_a, test="sterility", outcome="positive")
    with pytest.raises(procedures.BedsideCheckFailed) as refused:
        give(pj, lot.waiting, clinician_a)
    attempt = BedsideCheckAttempt.objects.get()
    assert attempt == refused.value.attempt and attempt.passed is False
    assert {"kind": "on_hold", "message": "unit is on hold and may not be given: Sterility "
            f"culture positive on unit {lot.first.identifier}"} in attempt.mismatches
    assert not Administration.objects.exists()
    assert statuses([lot.waiting]) == ["issued"]


def test_an_open_investigation_holds_every_unit_not_yet_given(lot, lab_a, clinician_a, kit):
    services.unit_issue(lot.first, lot.knee_a, by=lab_a)
    given = give(session_for(lot.knee_a, clinician_a, kit), lot.first, clinician_a)
    services.qc_record(lot.first, by=lab_a, test="mycoplasma", outcome="positive")
    investigation = ProductInvestigation.objects.get()
    assert [r.administration for r in investigation.recipients.all()] == [given]
    assert statuses(lot.units) == ["administered", "quarantine", "issued"]
    why = (f"Mycoplasma positive on unit {lot.first.identifier}; product investigation "
           f"{investigation.pk} of lot {lot.parent.identifier} is open")
    assert last_custody(lot.shelf).note == f"Quarantined, on hold: {why}."
    assert last_custody(lot.waiting).note.startswith(f"On hold: {why}.")
    # Administered units keep their record: no hold event is added to them.
    assert last_custody(lot.first).to_status == "administered"
    with pytest.raises(procedures.BedsideCheckFailed, match=f"product investigation "
                       f"{investigation.pk} of lot {lot.parent.identifier} is open"):
        give(session_for(lot.knee_b, clinician_a, kit), lot.waiting, clinician_a)
    # A further failed result is put on the record of a unit already held too.
    services.qc_record(lot.first, by=lab_a, test="gram_stain", outcome="positive")
    assert last_custody(lot.shelf).note.startswith(
        f"On hold: Gram stain positive on unit {lot.first.identifier}; product investigation "
        f"{investigation.pk} of lot {lot.parent.identifier} is open. Already in quarantine: "
        "it is not released while the hold stands.")


def test_a_microbial_result_on_a_released_unit_takes_it_off_the_shelf(
        released_unit, knee_a, lab_a, kit):
    services.qc_record(released_unit, by=lab_a, test="gram_stain", outcome="positive")
    assert statuses([released_unit]) == ["quarantine"]
    with pytest.raises(services.CellbankRefused, match="on hold: Gram stain positive"):
        services.unit_release(released_unit, by=lab_a, password=kit.PASSWORD)


def test_endotoxin_holds_each_unit_whose_own_dose_would_be_over_the_limit(lot, lab_a):
    # USP <85> K = 5 EU/kg x 70 kg assumed = 350 EU per dose (docs/cell-products.md#endotoxin):
    # 200 EU/mL is 200 EU in the 1 mL unit and 300 EU in 1.5 mL, but 400 EU in the 2 mL one.
    services.qc_record(lot.first, by=lab_a, test="endotoxin_eu_per_ml", value=200.0)
    assert statuses(lot.units) == ["conditionally_released", "quarantine", "issued"]
    assert "(400 EU in 2 mL; limit 350 EU for 70 kg)" in last_custody(lot.shelf).note
    assert last_custody(lot.waiting).to_status == "issued"
    assert "On hold" not in last_custody(lot.waiting).note


def weighed(episode, weight_kg, days_ago=10):
    """Record the patient's weight (consultation.BodyMeasurement), `days_ago` before today."""
    on = timezone.localdate() - dt.timedelta(days=days_ago)
    BodyMeasurement.objects.create(patient=episode.patient, measured_on=on, weight_kg=weight_kg)
    return f"{on:%Y-%m-%d}"


def test_a_unit_issued_to_a_lighter_patient_is_held_at_their_own_limit(
        lot, lab_a, clinician_a, kit):
    # 200 EU/mL x 1.5 mL = 300 EU: within 350 EU for 70 kg, over 250 EU for Bunting's 50 kg.
    recorded = weighed(lot.knee_b, 50.0)
    services.qc_record(lot.first, by=lab_a, test="endotoxin_eu_per_ml", value=200.0)
    why = (f"endotoxin 200 EU/mL on unit {lot.first.identifier} is over the per-dose limit of "
           f"unit {lot.waiting.identifier} for the patient it is issued to (300 EU in 1.5 mL; "
           f"limit 250 EU for 50 kg (recorded 50 kg on {recorded}))")
    assert last_custody(lot.waiting).note.startswith(f"On hold: {why}.")
    with pytest.raises(procedures.BedsideCheckFailed):
        give(session_for(lot.knee_b, clinician_a, kit), lot.waiting, clinician_a)
    assert not Administration.objects.exists()


def test_a_unit_issued_to_a_heavier_patient_is_not_held_within_their_own_limit(
        lot, lab_a, clinician_a, kit):
    # 250 EU/mL: 375 EU in the issued 1.5 mL (Bunting's 100 kg allow 500 EU); 500 EU in the
    # 2 mL on the shelf, issued to nobody, is over 350 EU for the assumed 70 kg.
    weighed(lot.knee_b, 100.0)
    services.qc_record(lot.first, by=lab_a, test="endotoxin_eu_per_ml", value=250.0)
    assert statuses(lot.units) == ["conditionally_released", "quarantine", "issued"]
    assert "(500 EU in 2 mL; limit 350 EU for 70 kg)" in last_custody(lot.shelf).note
    assert "On hold" not in last_custody(lot.waiting).note
    given = give(session_for(lot.knee_b, clinician_a, kit), lot.waiting, clinician_a)
    assert given.unit == lot.waiting


def test_another_patients_weight_does_not_hold_an_issued_unit(lot, lab_a, patient_a):
    weighed(patient_a.episodes.get(), 50.0)  # the patient of the unit given, not Bunting
    services.qc_record(lot.first, by=lab_a, test="endotoxin_eu_per_ml", value=200.0)
    assert "On hold" not in last_custody(lot.waiting).note


def test_closing_the_investigation_lifts_its_hold_and_says_so(lot, lab_a, clinician_a, kit):
    services.unit_issue(lot.first, lot.knee_a, by=lab_a)
    give(session_for(lot.knee_a, clinician_a, kit), lot.first, clinician_a)
    services.qc_record(lot.first, by=lab_a, test="mycoplasma", outcome="positive")
    investigation = ProductInvestigation.objects.get()
    services.investigation_close(investigation, by=lab_a,
                                 conclusion="Sample bottle contaminated; repeat negative.")
    closed = f"Product investigation {investigation.pk} closed: hold lifted"
    assert last_custody(lot.waiting).note == closed + "."
    assert last_custody(lot.shelf).note == (
        closed + "; it goes on only after a release by a named approver.")
    given = give(session_for(lot.knee_b, clinician_a, kit), lot.waiting, clinician_a)
    assert given.unit == lot.waiting
    kit.release(lot.shelf, lab_a, conditional=True,
                reason="investigation closed")
    assert statuses([lot.shelf]) == ["conditionally_released"]


def test_a_later_negative_result_of_the_same_test_lifts_the_hold(lot, lab_a, kit):
    services.qc_record(lot.first, by=lab_a, test="gram_stain", outcome="positive")
    assert statuses(lot.units) == ["quarantine", "quarantine", "issued"]
    services.qc_record(lot.first, by=lab_a, test="gram_stain", outcome="negative")
    lifted = f"Hold lifted: Gram stain Negative on unit {lot.first.identifier} is now the " \
             "latest result."
    assert [last_custody(u).note for u in lot.units] == [lifted] * 3
    kit.release(lot.shelf, lab_a, conditional=True,
                reason="repeat Gram stain negative")
    assert statuses([lot.shelf]) == ["conditionally_released"]


def test_the_unit_page_and_the_session_page_say_why_a_unit_is_held(
        as_user, lot, lab_a, clinician_a, kit):
    pj = session_for(lot.knee_b, clinician_a, kit)
    services.qc_record(lot.first, by=lab_a, test="sterility", outcome="positive")
    why = f"Sterility culture positive on unit {lot.first.identifier}"
    page = as_user(lab_a).get(reverse("cellbank:unit-detail", args=[lot.shelf.pk]))
    assert f"{why}: not released, issued, thawed or given" in page.content.decode()
    url = reverse("procedures:administration-record", args=[pj.procedure_id, pj.pk])
    prefix = f"b{pj.pk}-"
    response = as_user(clinician_a).post(url, {
        prefix + "scanned_identifier": lot.waiting.identified_as, prefix + "name": "Bo Bunting",
        prefix + "date_of_birth": "1958-01-09", prefix + "joint": "knee",
        prefix + "side": "left"})
    assert response.status_code == 400
    assert f"unit is on hold and may not be given: {why}" in response.content.decode()
    assert not Administration.objects.exists()
