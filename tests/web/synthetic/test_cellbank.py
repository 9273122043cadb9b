"""The synthetic cell lab: every procedure encounter gets a traced unit and an administration."""

import datetime as dt

from orthoregen.web.cellbank.lookback import lookback_from_donor, products_received
from orthoregen.web.cellbank.models import (
    Administration,
    BedsideCheckAttempt,
    CustodyEvent,
    Donor,
    ProductUnit,
)
from orthoregen.web.synthetic.clinic import synth_load

AS_OF = dt.date(2026, 6, 30)
# The cell lab and the procedure room alone, so these tests do not depend on other stages.
CELL_LAB = ("cellbank", "procedures")


def test_every_procedure_encounter_gets_an_administered_traced_unit(site_a, lab_a, clinician_a):
    cohort = synth_load(site_a, 300, seed=21, as_of=AS_OF, stages=CELL_LAB)
    procedures = (cohort.encounters["kind"] == "procedure").sum()
    assert Administration.objects.count() == procedures
    assert BedsideCheckAttempt.objects.filter(passed=True).count() == procedures
    administered = ProductUnit.objects.filter(status="administered")
    assert administered.count() == procedures
    assert not administered.filter(issued_to_episode__isnull=True).exists()
    assert ProductUnit.objects.filter(status="discarded", parent__isnull=False,
                                      children__isnull=True).exists()
    # Every administered unit's custody chain ends in administered.
    last = CustodyEvent.objects.filter(unit=administered.first()).order_by("at", "id").last()
    assert last.to_status == "administered"
    donor = Donor.objects.first()
    rows = lookback_from_donor(donor.pk, site_ids=[site_a.pk])
    recipients = {r.patient_id for r in rows if r.patient_id}
    assert recipients
    patient_id = next(iter(recipients))
    assert any(r.donor_id == donor.pk for r in products_received(patient_id))


def test_a_cohort_without_staff_is_signed_by_an_inactive_synthetic_technician(site_a):
    from orthoregen.web.accounts.models import User

    synth_load(site_a, 30, seed=22, as_of=AS_OF, stages=CELL_LAB)
    technician = User.objects.get(username="synthetic-lab-site-a")
    assert not technician.is_active and not technician.has_usable_password()
    assert ProductUnit.objects.exists()
    assert set(CustodyEvent.objects.values_list("by", flat=True)) == {technician.pk}
