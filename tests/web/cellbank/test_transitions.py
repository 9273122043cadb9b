"""Every status change goes through the services; each illegal one is refused with the core's
message, changes nothing and leaves no custody event (docs/cell-products.md#product-status)."""

import datetime as dt

import pytest
from django.utils import timezone
from tests.web.conftest import record_injection

from orthoregen.web.cellbank import services
from orthoregen.web.cellbank.models import CustodyEvent, Donor, ProductUnit
from orthoregen.web.cellbank.services import CellbankRefused
from orthoregen.web.procedures import services as procedures


def refused(call, unit, match):
    before = (unit.status, CustodyEvent.objects.filter(unit=unit).count())
    with pytest.raises(CellbankRefused, match=match):
        call()
    unit.refresh_from_db()
    assert (unit.status, CustodyEvent.objects.filter(unit=unit).count()) == before


def test_receipt_places_the_unit_in_quarantine_with_a_custody_event(kit, site_a, lab_a, donor_a):
    unit = kit.receive(site_a, lab_a, kit.DIN_B, donor_a)
    assert unit.status == "quarantine" and unit.identifier == kit.typed(kit.DIN_B)
    event = CustodyEvent.objects.get(unit=unit)
    assert (event.from_status, event.to_status, event.by) == ("collected", "quarantine", lab_a)
    assert event.location == site_a.name


def test_receipt_refuses_a_wrong_check_character_and_saves_nothing(kit, site_a, lab_a, donor_a):
    with pytest.raises(CellbankRefused, match="the check character does not match"):
        kit.receive(site_a, lab_a, "G123417654321B", donor_a)
    assert not ProductUnit.objects.exists()


def test_receipt_refuses_a_duplicate_and_a_source_of_the_wrong_kind(kit, site_a, lab_a, donor_a,
                                                                   harvest_a, released_unit):
    with pytest.raises(CellbankRefused, match="already registered"):
        kit.receive(site_a, lab_a, released_unit.identifier, donor_a)
    with pytest.raises(CellbankRefused, match="is allogeneic: name its donor"):
        kit.receive(site_a, lab_a, kit.DIN_B, harvest=harvest_a)
    with pytest.raises(CellbankRefused, match="is autologous"):
        kit.receive(site_a, lab_a, kit.DIN_B, donor_a, product="bmac")


def test_issue_of_a_quarantined_unit_is_refused(kit, site_a, lab_a, donor_a, knee_a):
    unit = kit.receive(site_a, lab_a, kit.DIN_B, donor_a)
    refused(lambda: services.unit_issue(unit, knee_a, by=lab_a), unit,
            "cannot issue unit G123498654321H: it is quarantine")


def test_release_without_qc_results_is_refused(kit, site_a, lab_a, donor_a):
    unit = kit.receive(site_a, lab_a, kit.DIN_B, donor_a)
    refused(lambda: services.unit_release(unit, by=lab_a, password=kit.PASSWORD), unit,
            "QC evaluation .* is not_releasable, not full")


def test_the_release_approver_is_the_signers_printed_name(kit, site_a, lab_a, donor_a):
    unit = kit.pass_qc(kit.receive(site_a, lab_a, kit.DIN_B, donor_a), lab_a)
    kit.release(unit, lab_a)
    assert (unit.status, unit.release_approver) == ("released", "Lab_A Tester")


def test_full_release_while_sterility_is_pending_points_to_conditional_release(kit,
        site_a, lab_a, donor_a):
    unit = kit.pass_qc(kit.receive(site_a, lab_a, kit.DIN_B, donor_a), lab_a, sterility="pending")
    refused(lambda: services.unit_release(unit, by=lab_a, password=kit.PASSWORD), unit,
            "is conditional_pending_sterility, not full")
    refused(lambda: services.unit_release(unit, by=lab_a, password=kit.PASSWORD, conditional=True),
            unit, "needs the reason")
    kit.release(unit, lab_a, conditional=True,
                reason="fresh product, injected today")
    unit.refresh_from_db()
    assert (unit.status, unit.release_approver) == ("conditionally_released", "Lab_A Tester")
    services.qc_record(unit, by=lab_a, test="sterility", outcome="negative")
    unit.refresh_from_db()
    assert unit.status == "released"


def test_positive_sterility_rejects_a_quarantined_unit(kit, site_a, lab_a, donor_a):
    unit = kit.pass_qc(kit.receive(site_a, lab_a, kit.DIN_B, donor_a), lab_a, sterility="positive")
    assert unit.status == "rejected"
    refused(lambda: services.unit_release(unit, by=lab_a, password=kit.PASSWORD), unit,
            "it is rejected")


def test_units_of_a_donor_not_yet_eligible_are_not_released(kit, site_a, lab_a):
    donor = Donor.objects.create(site=site_a, code="D-PEND", donor_type="donor_adipose")
    received = kit.receive(site_a, lab_a, kit.DIN_B, donor, product="donor_adipose_msc")
    unit = kit.pass_qc(received, lab_a)
    refused(lambda: services.unit_release(unit, by=lab_a, password=kit.PASSWORD), unit,
            "its donor is pending_screening")


def test_reopened_donor_stops_issue_of_released_units(kit, released_unit, donor_a, lab_a, knee_a):
    result = services.donor_determine(donor_a, by=lab_a, password=kit.PASSWORD, step="reopen",
                                      reason="late reactive HBsAg")
    assert result.lookback_required
    released_unit.refresh_from_db()
    refused(lambda: services.unit_issue(released_unit, knee_a, by=lab_a), released_unit,
            "its donor is pending_tests")


def test_issue_of_an_expired_unit_is_refused(kit, site_a, lab_a, donor_a, knee_a):
    received = kit.receive(site_a, lab_a, kit.DIN_B, donor_a, expires_in=dt.timedelta(hours=1))
    unit = kit.pass_qc(received, lab_a)
    kit.release(unit, lab_a)
    unit.refresh_from_db()
    later = timezone.now() + dt.timedelta(hours=2)
    refused(lambda: services.unit_issue(unit, knee_a, by=lab_a, at=later), unit,
            "cannot issue unit G123498654321H: it expired")


def test_issue_twice_is_refused(kit, issued_unit, lab_a, knee_a):
    refused(lambda: services.unit_issue(issued_unit, knee_a, by=lab_a), issued_unit,
            "it is issued; allowed only from conditionally_released, released")


def test_autologous_unit_is_issued_only_to_its_own_patient(kit, site_a, lab_a, harvest_a):
    unit = kit.pass_qc(kit.receive(site_a, lab_a, "LOC-BM001-" + _k("BM001"), harvest=harvest_a,
                           product="bmac"), lab_a, mycoplasma=False)
    kit.release(unit, lab_a)
    unit.refresh_from_db()
    other = kit.make_patient_with_knee(site_a, "A-0002", "Bunting")
    refused(lambda: services.unit_issue(unit, other, by=lab_a), unit,
            "autologous, harvested from another patient")
    services.unit_issue(unit, harvest_a.episode, by=lab_a)


def _k(body):
    from orthoregen.products.isbt128 import check_character

    return check_character(body)


def test_the_unit_and_the_patient_must_be_at_one_site(kit, released_unit, patient_b, lab_a):
    refused(lambda: services.unit_issue(released_unit, patient_b.episodes.get(), by=lab_a),
            released_unit, "different sites")


def test_thaw_of_a_fresh_unit_is_refused(kit, issued_unit, clinician_a):
    refused(lambda: services.unit_thaw(issued_unit, by=clinician_a), issued_unit,
            "fresh, not cryopreserved: nothing to thaw")


def test_thaw_of_a_released_unit_is_refused(kit, released_unit, lab_a):
    refused(lambda: services.unit_thaw(released_unit, by=lab_a), released_unit,
            "cannot thaw unit .* it is released")


def test_discard_needs_a_reason_and_an_administered_unit_is_never_discarded(kit,
        released_unit, lab_a):
    refused(lambda: services.unit_discard(released_unit, by=lab_a, reason=""), released_unit,
            "a discard needs a reason")
    released_unit.status = "administered"
    released_unit.save()
    refused(lambda: services.unit_discard(released_unit, by=lab_a, reason="spilt"),
            released_unit, "cannot discard unit .* it is administered")


def test_discarded_unit_cannot_be_released_issued_or_recalled(kit, released_unit, lab_a, knee_a):
    services.unit_discard(released_unit, by=lab_a, reason="container cracked")
    released_unit.refresh_from_db()
    assert released_unit.status == "discarded"
    refused(lambda: services.unit_issue(released_unit, knee_a, by=lab_a), released_unit,
            "it is discarded")
    refused(lambda: services.unit_release(released_unit, by=lab_a, password=kit.PASSWORD),
            released_unit, "it is discarded")
    refused(lambda: services.unit_recall(released_unit, by=lab_a, reason="x"), released_unit,
            "nothing left to recall")


def test_split_of_an_issued_unit_is_refused(kit, issued_unit, lab_a):
    refused(lambda: services.unit_split(issued_unit, by=lab_a, volumes_ml=[2, 2]), issued_unit,
            "only a unit in quarantine or released is divided")


def test_split_beyond_the_unit_volume_is_refused(kit, released_unit, lab_a):
    refused(lambda: services.unit_split(released_unit, by=lab_a, volumes_ml=[3, 3]),
            released_unit, "add up to 6 mL; the unit holds 5 mL")


def test_split_makes_children_that_inherit_release_and_the_parent_is_used_up(kit,
        released_unit, lab_a, knee_a):
    children = services.unit_split(released_unit, by=lab_a, volumes_ml=[2.5, 2.5])
    released_unit.refresh_from_db()
    assert released_unit.status == "discarded"
    # ICCBBA ST-001 v6.2.2 2.4.3 and 7.3.1: each part keeps the DIN; division 00 -> A0, B0.
    assert [(c.identifier, c.product_code) for c in children] == \
        [(kit.typed(kit.DIN_A), "S00007A0"), (kit.typed(kit.DIN_A), "S00007B0")]
    assert {c.status for c in children} == {"released"}
    assert children[0].cell_count == 25e6
    refused(lambda: services.unit_issue(released_unit, knee_a, by=lab_a), released_unit,
            "it is discarded")
    services.unit_issue(children[0], knee_a, by=lab_a)


def test_recall_marks_descendants_and_lists_the_patients_who_received_one(kit,
        site_a, lab_a, donor_a, released_unit, knee_a, clinician_a, patient_a):
    children = services.unit_split(released_unit, by=lab_a, volumes_ml=[2, 2])
    services.unit_issue(children[0], knee_a, by=lab_a)
    kit.clear_for_procedure(knee_a, clinician_a)
    procedure = procedures.procedure_start(patient_a, [knee_a], by=clinician_a,
                                         performed_on=timezone.localdate(),
                                         time_out_completed=True)
    pj = procedure.joints.get()
    record_injection(pj, by=clinician_a, injectate_volume_ml=2.0)
    procedures.administration_record(pj, by=clinician_a,
                                     scanned_identifier=children[0].identified_as,
                                     mrn="A-0001", name="Ada Aardvark", joint="knee", side="left")
    result = services.unit_recall(released_unit, by=lab_a, reason="donor seroconversion")
    assert [u.pk for u in result.recalled] == [children[1].pk]
    assert [(r.patient_id, r.joint, r.side) for r in result.affected] == \
        [(patient_a.pk, "knee", "left")]
    children[0].refresh_from_db()
    assert children[0].status == "administered"  # what went into a patient stays on record
    event = CustodyEvent.objects.filter(unit=children[1]).last()
    assert (event.to_status, event.by) == ("recalled", lab_a)
    assert "donor seroconversion" in event.note


def test_custody_events_are_never_changed_or_deleted(kit, released_unit):
    event = CustodyEvent.objects.filter(unit=released_unit).first()
    event.note = "rewritten"
    with pytest.raises(ValueError, match="never changed"):
        event.save()
    with pytest.raises(ValueError, match="never deleted"):
        event.delete()


def test_every_transition_is_in_the_history_and_the_custody_chain(kit, issued_unit, lab_a):
    chain = list(CustodyEvent.objects.filter(unit=issued_unit).order_by("at", "id")
                 .values_list("from_status", "to_status"))
    assert chain[0] == ("collected", "quarantine")
    assert chain[-2:] == [("quarantine", "released"), ("released", "issued")]
    statuses = list(issued_unit.history.order_by("history_id").values_list("status", flat=True))
    assert statuses[-3:] == ["quarantine", "released", "issued"]
    assert CustodyEvent.history.count() == CustodyEvent.objects.count()


def test_a_cryopreserved_unit_is_thawed_before_administration(kit, site_a, lab_a, donor_a, knee_a):
    unit = kit.pass_qc(kit.receive(site_a, lab_a, kit.DIN_C, donor_a, cryo=True), lab_a)
    kit.release(unit, lab_a)
    services.unit_issue(unit, knee_a, by=lab_a)
    event = services.unit_thaw(unit, by=lab_a)
    unit.refresh_from_db()
    assert unit.status == "thawed" and event.thawed_at == unit.thawed_at
    assert "hold 60 min" in event.note


def test_a_unit_is_marked_expired_only_after_its_expiry(kit, site_a, lab_a, donor_a):
    unit = kit.receive(site_a, lab_a, kit.DIN_B, donor_a, expires_in=dt.timedelta(hours=1))
    refused(lambda: services.unit_expire(unit, by=lab_a), unit, "does not expire until")
    later = timezone.now() + dt.timedelta(hours=2)
    services.unit_expire(unit, by=lab_a, at=later)
    unit.refresh_from_db()
    assert unit.status == "expired"
    refused(lambda: services.unit_release(unit, by=lab_a, password=kit.PASSWORD, at=later), unit,
            "it is expired")
