"""The bedside identity check: administration only when the scanned unit, two patient
identifiers, joint and side all match the unit issued for the episode; every refused
attempt is kept with what did not match (docs/cell-products.md#bedside-identity-check)."""

import datetime as dt

import pytest
from django.utils import timezone
from tests.web.conftest import record_injection

from orthoregen.web.cellbank import services
from orthoregen.web.cellbank.models import Administration, BedsideCheckAttempt
from orthoregen.web.procedures import services as procedures

SCANNED = "=G12341765432100"  # DS001 bar-code data of DIN_A with default flags 00
ADA = {"name": "Ada Aardvark", "date_of_birth": dt.date(1960, 5, 17)}


def attempt(pj, by, **changes):
    fields = {"scanned_identifier": SCANNED, **ADA, "mrn": "", "joint": "knee",
              "side": "left", **changes}
    return procedures.administration_record(pj, by=by, **fields)


def refused_with(pj, by, kinds, **changes):
    with pytest.raises(procedures.BedsideCheckFailed) as caught:
        attempt(pj, by, **changes)
    logged = BedsideCheckAttempt.objects.get()
    assert logged == caught.value.attempt and logged.passed is False and logged.by == by
    assert kinds <= {m["kind"] for m in logged.mismatches}
    assert not Administration.objects.exists()
    return logged


@pytest.mark.parametrize("changes, kind, said", [
    ({"name": "Ada Avocet"}, "wrong_patient_name", "name Ada Avocet does not match"),
    ({"date_of_birth": dt.date(1960, 7, 15)}, "wrong_date_of_birth",
     "date of birth 1960-07-15 does not match"),
    ({"name": "", "mrn": "A-0009"}, "wrong_mrn", "MRN A-0009 does not match"),
    ({"name": "", "date_of_birth": None, "mrn": "A-0001"}, "too_few_patient_identifiers",
     "1 patient identifier(s) confirmed; two are required"),
    ({"joint": "hip"}, "wrong_joint", "issued for the knee, not the hip"),
    ({"side": "right"}, "wrong_side", "issued for the left side, not the right"),
    ({"scanned_identifier": "G123417654321B"}, "wrong_check_character",
     "the check character does not match"),
    ({"scanned_identifier": "=G12341765432171"}, "wrong_check_character",
     "the flag check does not match"),
    ({"scanned_identifier": "G123498654321H"}, "wrong_unit",
     "scanned unit G1234 98 654321 H is not the unit issued"),
])
def test_each_mismatch_is_refused_and_logged_saying_what_did_not_match(
        issued_unit, session, clinician_a, changes, kind, said):
    logged = refused_with(session, clinician_a, {kind}, **changes)
    assert any(said in m["message"] for m in logged.mismatches)
    issued_unit.refresh_from_db()
    assert issued_unit.status == "issued"


def test_an_expired_unit_is_refused_at_the_bedside(issued_unit, session, clinician_a):
    later = issued_unit.expires_at + dt.timedelta(minutes=1)
    refused_with(session, clinician_a, {"expired"}, at=later)


def test_a_unit_not_issued_for_the_episode_is_refused(released_unit, session, clinician_a):
    logged = refused_with(session, clinician_a, {"not_issued"})
    assert logged.unit == released_unit
    released_unit.refresh_from_db()
    assert released_unit.status == "released"


def test_a_unit_issued_to_another_patient_is_refused(site_a, lab_a, released_unit, session,
                                                     clinician_a, kit):
    other = kit.make_patient_with_knee(site_a, "A-0002", "Bunting")
    services.unit_issue(released_unit, other, by=lab_a)
    logged = refused_with(session, clinician_a, {"not_issued", "wrong_patient_name",
                                                 "wrong_date_of_birth"})
    assert "is not issued for the Left knee" in logged.mismatches[-1]["message"]


def test_no_unit_at_all_is_refused(session, clinician_a):
    refused_with(session, clinician_a, {"not_issued"})


def test_every_mismatch_is_listed_at_once(issued_unit, session, clinician_a):
    logged = refused_with(session, clinician_a, {"wrong_patient_name", "wrong_side"},
                          name="Bo Bunting", side="right")
    assert len(logged.mismatches) == 2


def test_a_matching_check_records_the_administration_and_the_dose(
        issued_unit, session, clinician_a):
    given = attempt(session, clinician_a, name="AARDVARK, Ada",
                    scanned_identifier=" ]C1=G1234 1765 4321 00\r\n")
    check = BedsideCheckAttempt.objects.get()
    assert check.passed and given.bedside_check == check and given.unit == issued_unit
    issued_unit.refresh_from_db()
    assert issued_unit.status == "administered"
    session.refresh_from_db()
    # 10 x 10^6 cells/mL x 3 mL, 91 % viable (viable = total x viability;
    # docs/cell-products.md#cell-dose-and-volume).
    assert session.cell_dose == pytest.approx(30e6)
    assert session.viable_cell_dose == pytest.approx(27.3e6)
    assert issued_unit.custody.last().to_status == "administered"


def test_a_refused_attempt_then_a_correct_one_keeps_both(issued_unit, session, clinician_a):
    with pytest.raises(procedures.BedsideCheckFailed):
        attempt(session, clinician_a, side="right")
    attempt(session, clinician_a)
    assert list(BedsideCheckAttempt.objects.order_by("id").values_list("passed", flat=True)) \
        == [False, True]
    with pytest.raises(services.CellbankRefused, match="already recorded"):
        attempt(session, clinician_a)


def test_no_administration_before_the_time_out(issued_unit, cleared_knee, clinician_a,
                                               patient_a):
    procedure = procedures.procedure_start(patient_a, [cleared_knee], by=clinician_a,
                                         performed_on=timezone.localdate(),
                                         time_out_completed=False)
    pj = procedure.joints.get()
    record_injection(pj, by=clinician_a, injectate_volume_ml=3.0)
    with pytest.raises(services.CellbankRefused, match="Complete the time-out"):
        attempt(pj, clinician_a)
    assert not BedsideCheckAttempt.objects.exists()


def test_a_thawed_unit_past_its_hold_time_is_refused(site_a, lab_a, donor_a, session,
                                                     clinician_a, kit):
    unit = kit.pass_qc(kit.receive(site_a, lab_a, kit.DIN_C, donor_a, cryo=True), lab_a)
    kit.release(unit, lab_a)
    services.unit_issue(unit, session.episode, by=lab_a)
    services.unit_thaw(unit, by=lab_a)
    late = timezone.now() + dt.timedelta(minutes=61)
    refused_with(session, clinician_a, {"hold_time_exceeded"},
                 scanned_identifier=kit.typed(kit.DIN_C), at=late)


def test_an_administration_starts_the_joints_follow_up_schedule(issued_unit, session, clinician_a):
    from orthoregen.web.followup.models import FollowUpSchedule

    given = attempt(session, clinician_a, name="AARDVARK, Ada")
    schedule = FollowUpSchedule.objects.get(episode=session.episode)
    assert schedule.administered_on == timezone.localdate(given.administered_at)
    assert schedule.visits.count() > 0


def test_a_refused_check_starts_no_schedule(issued_unit, session, clinician_a):
    from orthoregen.web.followup.models import FollowUpSchedule

    with pytest.raises(procedures.BedsideCheckFailed):
        attempt(session, clinician_a, side="right")
    assert not FollowUpSchedule.objects.exists()
