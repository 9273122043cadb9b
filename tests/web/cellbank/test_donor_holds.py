"""A donor re-opened or determined ineligible, or a unit recalled, stops every unit of the donor
or lot in the same transaction: released units leave the shelf, issued ones are recalled with
their issue cancelled, an investigation naming the event opens, the safety leads are emailed,
and every patient already given a unit is put on the follow-up worklist (21 CFR 1271.60,
1271.290(a); docs/donor-eligibility.md, docs/cell-products.md#lineage-and-look-back). Every
step towards a patient then refuses such a unit naming each reason, and the refusal is kept."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from tests.web.conftest import record_injection

from orthoregen.web.accounts.models import SiteSafetyLead, User
from orthoregen.web.cellbank import services
from orthoregen.web.cellbank.models import (
    Administration,
    BedsideCheckAttempt,
    CustodyEvent,
    ProductInvestigation,
    UnitStepRefusal,
)
from orthoregen.web.followup.models import ReviewTask, TaskKind
from orthoregen.web.procedures import services as procedures

NEWS = "HIV-1 NAT reactive confirmed"


def reopen(donor, by, kit, reason=NEWS):
    return kit.determine(donor, by, "reopen", reason=reason)


def session_for(episode, clinician, kit):
    kit.clear_for_procedure(episode, clinician)
    procedure = procedures.procedure_start(episode.patient, [episode], by=clinician,
                                           performed_on=timezone.localdate(),
                                           time_out_completed=True)
    pj = procedure.joints.get()
    record_injection(pj, by=clinician, injectate_volume_ml=1.0)
    return pj


def give(pj, unit, clinician):
    patient = pj.episode.patient
    return procedures.administration_record(
        pj, by=clinician, scanned_identifier=unit.identified_as,
        name=f"{patient.given_name} {patient.family_name}", date_of_birth=patient.date_of_birth,
        joint=pj.episode.joint, side=pj.episode.side)


@pytest.fixture
def safety_lead(site_a):
    lead = User.objects.create_user("lead_a", email="lead@clinic-a.test", first_name="Lena",
                                    last_name="Lead")
    lead.sites.add(site_a)
    SiteSafetyLead.objects.create(site=site_a, user=lead)
    return lead


def test_reopening_the_donor_of_an_issued_unit_stops_it_at_the_next_bedside_scan(
        issued_unit, donor_a, knee_a, lab_a, clinician_a, safety_lead, kit,
        django_capture_on_commit_callbacks):
    pj = session_for(knee_a, clinician_a, kit)
    with django_capture_on_commit_callbacks(execute=True):
        reopen(donor_a, lab_a, kit)
    issued_unit.refresh_from_db()
    # Recalled and the issue cancelled: no bedside finds it issued any more.
    assert (issued_unit.status, issued_unit.issued_to_episode) == ("recalled", None)
    recall = CustodyEvent.objects.filter(unit=issued_unit).last()
    assert (recall.from_status, recall.to_status, recall.by) == ("issued", "recalled", lab_a)
    assert f"Donor D-001 re-opened: {NEWS}" in recall.note and "is cancelled" in recall.note
    investigation = ProductInvestigation.objects.get()
    assert (investigation.lot, investigation.status) == (issued_unit, "open")
    finding = investigation.findings.get()
    assert (finding.donor, finding.qc_result, finding.by) == (donor_a, None, lab_a)
    assert finding.reason == f"Donor D-001 re-opened: {NEWS}"
    [message] = mail.outbox
    assert message.to == ["lead@clinic-a.test"]
    assert NEWS in message.body and "Aardvark" not in message.body
    assert finding.notified_to == ["lead@clinic-a.test"]

    with pytest.raises(procedures.BedsideCheckFailed) as refused:
        give(pj, issued_unit, clinician_a)
    kinds = {m["kind"] for m in refused.value.attempt.mismatches}
    assert {"donor_not_eligible", "on_hold", "not_issued"} <= kinds
    assert "unit's donor is pending_tests, not eligible" in str(refused.value)
    assert f"Donor D-001 re-opened: {NEWS}" in str(refused.value)
    assert BedsideCheckAttempt.objects.get().passed is False
    assert not Administration.objects.exists()


def test_reopening_a_donor_puts_every_recipient_on_the_follow_up_worklist(
        given, donor_a, lab_a, kit, as_user, coordinator_a):
    reopen(donor_a, lab_a, kit)
    investigation = ProductInvestigation.objects.get(lot=given.lot)
    assert {r.administration for r in investigation.recipients.all()} == \
        set(given.administrations)
    tasks = ReviewTask.objects.filter(kind=TaskKind.PRODUCT_LOOKBACK)
    assert sorted(t.visit.schedule.episode.patient.mrn for t in tasks) == ["A-0001", "A-0002"]
    for task, half in zip(tasks.order_by("visit__schedule__episode__patient__mrn"), given.halves,
                          strict=True):
        assert task.status == "open" and task.visit.status == "pending"
        assert f"Donor D-001 re-opened: {NEWS}" in task.detail
        assert half.identifier in task.detail
    # Given units keep their record: nothing is written over what a patient received.
    assert {a.unit.status for a in given.administrations} == {"administered"}
    # The coordinator sees both contacts in the worklist's own section.
    page = as_user(coordinator_a).get(reverse("followup:worklist")).content.decode()
    lookback = page[page.index('id="lookback"'):page.index('id="reviews"')]
    assert lookback.count("re-opened") >= 2 and "2</strong> look-back contacts" in page


def test_an_ineligible_donor_s_units_are_not_issued_thawed_or_given_each_refusal_kept(
        site_a, donor_a, released_unit, knee_a, lab_a, clinician_a, kit):
    cryo = kit.pass_qc(kit.receive(site_a, lab_a, kit.DIN_C, donor_a, cryo=True), lab_a)
    kit.release(cryo, lab_a)
    services.unit_issue(cryo, knee_a, by=lab_a)
    reopen(donor_a, lab_a, kit)
    kit.determine(donor_a, lab_a, "determine", "ineligible", reason="HIV-1 NAT reactive")
    released_unit.refresh_from_db()
    assert released_unit.status == "quarantine"  # off the shelf

    with pytest.raises(services.CellbankRefused) as issue:
        services.unit_issue(released_unit, knee_a, by=lab_a)
    assert {p.kind for p in issue.value.problems} == {"on_hold", "donor_not_eligible",
                                                      "not_released"}
    assert "its donor is ineligible" in str(issue.value)
    assert "Donor D-001 determined ineligible: HIV-1 NAT reactive" in str(issue.value)
    with pytest.raises(services.CellbankRefused, match="its donor is ineligible") as thaw:
        services.unit_thaw(cryo, by=lab_a)
    assert "donor_not_eligible" in {p.kind for p in thaw.value.problems}
    with pytest.raises(procedures.BedsideCheckFailed, match="donor is ineligible"):
        give(session_for(knee_a, clinician_a, kit), cryo, clinician_a)

    refusals = UnitStepRefusal.objects.order_by("id")
    assert [(r.unit, r.step, r.episode, r.by) for r in refusals] == [
        (released_unit, "issue", knee_a, lab_a), (cryo, "thaw", None, lab_a)]
    assert {"kind": "donor_not_eligible", "message": "its donor is ineligible; units stay in "
            "quarantine until the donor is eligible (21 CFR 1271.60)"} in refusals[0].reasons
    with pytest.raises(ValueError, match="never changed"):
        refusals[0].save()
    # Both determinations are on one investigation of each lot.
    assert sorted(ProductInvestigation.objects.get(lot=released_unit).findings
                  .values_list("reason", flat=True)) == [
        "Donor D-001 determined ineligible: HIV-1 NAT reactive",
        f"Donor D-001 re-opened: {NEWS}"]


def test_a_manual_recall_holds_the_rest_of_its_lot_under_an_investigation(
        released_unit, lab_a, knee_a, kit):
    halves = services.unit_split(released_unit, by=lab_a, volumes_ml=[2.0, 2.0])
    services.unit_recall(halves[0], by=lab_a, reason="bag seal broken in transport")
    halves[1].refresh_from_db()
    assert halves[1].status == "quarantine"
    investigation = ProductInvestigation.objects.get()
    assert investigation.lot == released_unit
    assert investigation.findings.get().reason.endswith("recalled: bag seal broken in transport")
    with pytest.raises(services.CellbankRefused, match="bag seal broken"):
        services.unit_issue(halves[1], knee_a, by=lab_a)


def test_two_units_issued_to_one_knee_are_each_given_in_turn(
        site_a, donor_a, released_unit, knee_a, lab_a, clinician_a, kit):
    second = kit.pass_qc(kit.receive(site_a, lab_a, kit.DIN_B, donor_a), lab_a)
    kit.release(second, lab_a)
    for unit in (released_unit, second):
        services.unit_issue(unit, knee_a, by=lab_a)
    # The one issued last is scanned first: the check is about the unit scanned.
    given_second = give(session_for(knee_a, clinician_a, kit), second, clinician_a)
    given_first = give(session_for(knee_a, clinician_a, kit), released_unit, clinician_a)
    assert (given_second.unit, given_first.unit) == (second, released_unit)
    assert BedsideCheckAttempt.objects.filter(passed=False).count() == 0
