"""A failed result and an administration of the same lot, recorded at the same moment from two
connections, queue on the lot: the unit is either refused at the bedside because the
investigation is open, or given first and then listed in the investigation. It is never given
and left out (docs/cell-products.md#conditional-release-pending-sterility,
#lineage-and-look-back)."""

import threading
import types

import pytest
from django.db import connection, transaction
from django.utils import timezone
from tests.web.conftest import record_injection

from orthoregen.web.cellbank import services
from orthoregen.web.cellbank.models import Administration, ProductInvestigation
from orthoregen.web.procedures import services as procedures

pytestmark = pytest.mark.django_db(transaction=True)


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
def lot(site_a, lab_a, clinician_a, donor_a, patient_a, kit):
    """A lot divided in two: the first half given to patient A, the second issued to patient
    B, whose session is at the bedside check."""
    if connection.vendor != "postgresql":
        pytest.skip("needs two concurrent writers; SQLite takes one at a time")
    parent = kit.pass_qc(kit.receive(site_a, lab_a, kit.DIN_A, donor_a), lab_a,
                         sterility="pending")
    kit.release(parent, lab_a, conditional=True, reason="fresh")
    first, second = services.unit_split(parent, by=lab_a, volumes_ml=[2.0, 2.0])
    knee_a = patient_a.episodes.get()
    services.unit_issue(first, knee_a, by=lab_a)
    given = give(session_for(knee_a, clinician_a, kit), first, clinician_a)
    knee_b = kit.make_patient_with_knee(site_a, "A-0002", "Bunting")
    services.unit_issue(second, knee_b, by=lab_a)
    return types.SimpleNamespace(first=first, second=second, given=given,
                                 session_b=session_for(knee_b, clinician_a, kit))


def race(first, second):
    """Run `first` in a transaction held open until `second` has had time to start, and
    `second` once `first` has written; return what each raised."""
    written, errors = threading.Event(), {}

    def hold_open():
        with transaction.atomic():
            first()
            written.set()
            threading.Event().wait(0.5)  # let the second read, then queue behind this one

    def then():
        written.wait(10)
        second()

    def run(name, target):
        try:
            target()
        except Exception as error:  # noqa: BLE001 - inspected by the caller
            errors[name] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(name, target)) for name, target in
               (("first", hold_open), ("second", then))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return errors


def test_a_unit_is_refused_while_the_investigation_of_its_lot_is_being_opened(
        lot, lab_a, clinician_a):
    errors = race(
        lambda: services.qc_record(lot.first, by=lab_a, test="mycoplasma", outcome="positive"),
        lambda: give(lot.session_b, lot.second, clinician_a))
    assert "first" not in errors
    refused = errors["second"]
    assert isinstance(refused, procedures.BedsideCheckFailed)
    investigation = ProductInvestigation.objects.get()
    assert f"product investigation {investigation.pk}" in str(refused)
    assert list(Administration.objects.all()) == [lot.given]
    lot.second.refresh_from_db()
    assert lot.second.status == "issued"


def test_a_unit_given_while_a_failed_result_is_recorded_is_listed_in_the_investigation(
        lot, lab_a, clinician_a):
    errors = race(
        lambda: give(lot.session_b, lot.second, clinician_a),
        lambda: services.qc_record(lot.first, by=lab_a, test="mycoplasma", outcome="positive"))
    assert errors == {}
    investigation = ProductInvestigation.objects.get()
    assert {r.administration.unit for r in investigation.recipients.all()} == \
        {lot.first, lot.second}
