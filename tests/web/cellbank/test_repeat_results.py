"""Labs repeat tests: a confirmatory re-culture is a further result of the same test, kept
beside the first; the latest decides. A positive after a negative stops the unit and its lot
as a first positive would, and opens or extends the product investigation once some of the
lot is in patients (docs/cell-products.md#conditional-release-pending-sterility,
#product-status, #lineage-and-look-back)."""

import datetime as dt

import pytest
from django.urls import reverse

from orthoregen.web.cellbank import services
from orthoregen.web.cellbank.models import ProductInvestigation, QcResult
from orthoregen.web.procedures import services as procedures

ADA = {"name": "Ada Aardvark", "date_of_birth": dt.date(1960, 5, 17)}


def sterility_results(unit):
    return list(QcResult.objects.filter(unit=unit, test="sterility").order_by("at", "id")
                .values_list("outcome", flat=True))


@pytest.fixture
def given_unit(issued_unit, session, clinician_a):
    """The released unit (sterility negative) given into patient A's left knee."""
    procedures.administration_record(session, by=clinician_a, scanned_identifier="G123417654321A",
                                   joint="knee", side="left", **ADA)
    issued_unit.refresh_from_db()
    return issued_unit


def test_a_positive_re_culture_after_administration_opens_the_investigation(given_unit, lab_a):
    services.qc_record(given_unit, by=lab_a, test="sterility", outcome="positive",
                       method="BacT/ALERT re-culture")
    investigation = ProductInvestigation.objects.get()
    assert [r.administration.unit for r in investigation.recipients.all()] == [given_unit]
    assert investigation.findings.get().reason == \
        f"Sterility culture positive on unit {given_unit.identifier}"
    given_unit.refresh_from_db()
    assert (given_unit.status, given_unit.sterility) == ("administered", "positive")
    assert sterility_results(given_unit) == ["negative", "positive"]  # the first is kept


def test_a_positive_re_culture_adds_to_the_open_investigation(given_unit, lab_a):
    services.qc_record(given_unit, by=lab_a, test="mycoplasma", outcome="positive")
    services.qc_record(given_unit, by=lab_a, test="sterility", outcome="positive")
    investigation = ProductInvestigation.objects.get()
    assert investigation.findings.count() == 2 and investigation.recipients.count() == 1


def test_a_positive_re_culture_of_a_released_unit_recalls_it_and_holds_its_lot(
        site_a, lab_a, donor_a, kit, as_user):
    lot = kit.pass_qc(kit.receive(site_a, lab_a, kit.DIN_B, donor_a), lab_a)
    kit.release(lot, lab_a)
    tested, sibling = services.unit_split(lot, by=lab_a, volumes_ml=[2.0, 2.0])
    response = as_user(lab_a).post(reverse("cellbank:unit-qc", args=[tested.pk]),
                                   {"test": "sterility", "outcome": "positive"})
    assert response.status_code == 302
    for unit in (tested, sibling):
        unit.refresh_from_db()
    assert (tested.status, tested.sterility, sibling.status) == (
        "recalled", "positive", "quarantine")
    assert not ProductInvestigation.objects.exists()  # none of the lot is in a patient
    # The lot's negative, from before the division, is kept beside the child's positive.
    page = as_user(lab_a).get(reverse("cellbank:unit-detail", args=[tested.pk])).content.decode()
    assert "Earlier results" in page and f"(lot {lot.identifier})" in page


def test_a_negative_after_a_positive_decides_the_sterility_but_releases_nothing(
        site_a, lab_a, donor_a, kit):
    unit = kit.pass_qc(kit.receive(site_a, lab_a, kit.DIN_C, donor_a), lab_a,
                       sterility="positive")
    services.qc_record(unit, by=lab_a, test="sterility", outcome="negative")
    unit.refresh_from_db()
    assert (unit.status, unit.sterility) == ("rejected", "negative")
    assert sterility_results(unit) == ["positive", "negative"]
    with pytest.raises(services.CellbankRefused, match="it is rejected"):
        services.unit_release(unit, by=lab_a, password=kit.PASSWORD)


def test_a_repeat_culture_still_pending_does_not_lift_the_hold(site_a, lab_a, donor_a, kit):
    lot = kit.pass_qc(kit.receive(site_a, lab_a, kit.DIN_D, donor_a), lab_a, sterility="pending")
    kit.release(lot, lab_a, conditional=True, reason="fresh")
    tested, sibling = services.unit_split(lot, by=lab_a, volumes_ml=[2.0, 2.0])
    services.qc_record(tested, by=lab_a, test="sterility", outcome="positive")
    services.qc_record(tested, by=lab_a, test="sterility", outcome="pending")

    def release_sibling():
        kit.release(sibling, lab_a, conditional=True,
                    reason="re-culture")

    with pytest.raises(services.CellbankRefused, match="on hold: Sterility culture positive"):
        release_sibling()
    services.qc_record(tested, by=lab_a, test="sterility", outcome="negative")
    release_sibling()
    sibling.refresh_from_db()
    assert sibling.status == "conditionally_released"


def test_a_result_dated_before_the_latest_of_its_test_is_refused(released_unit, lab_a):
    latest = QcResult.objects.filter(unit=released_unit, test="sterility").get().at
    with pytest.raises(services.CellbankRefused, match="a further result is dated after it"):
        services.qc_record(released_unit, by=lab_a, test="sterility", outcome="positive",
                           at=latest - dt.timedelta(hours=1))
    assert sterility_results(released_unit) == ["negative"]
    released_unit.refresh_from_db()
    assert released_unit.status == "released"
