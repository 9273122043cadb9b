"""Release, eligibility and QC verification are electronic signatures (21 CFR 11.50, 11.70,
11.200(a)): the signed-in person re-enters their password, a second person signs where the
site says so, and every signature and refused signing is kept
(docs/cell-products.md#electronic-signatures)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from orthoregen.web.accounts.signatures import Signature, SigningRefusal
from orthoregen.web.cellbank import services
from orthoregen.web.cellbank.models import CustodyEvent, ProductUnit, SiteCellLabSettings
from orthoregen.web.cellbank.services import signoffs


def checked(kit, site, lab, din, donor=None, **extra):
    """A unit whose QC passed and was verified by the lab's colleague, ready to sign."""
    unit = kit.pass_qc(kit.receive(site, lab, din, donor, **extra), lab,
                       mycoplasma="harvest" not in extra)
    services.qc_panel_verify(unit, by=kit.colleague(lab), password=kit.PASSWORD)
    return unit


def refusals(reason):
    return list(SigningRefusal.objects.filter(reason=reason))


def test_a_wrong_password_refuses_the_release_and_saves_nothing_but_the_refusal(
        kit, site_a, lab_a, donor_a):
    unit = checked(kit, site_a, lab_a, kit.DIN_B, donor_a)
    before = (Signature.objects.count(), CustodyEvent.objects.filter(unit=unit).count())
    with pytest.raises(services.CellbankRefused, match="password is not correct"):
        services.unit_release(unit, by=lab_a, password="not-my-password")
    unit.refresh_from_db()
    assert (unit.status, unit.release_approver) == ("quarantine", "")
    assert (Signature.objects.count(), CustodyEvent.objects.filter(unit=unit).count()) == before
    [kept] = refusals("wrong_password")
    assert (kept.user, kept.meaning, kept.record) == (lab_a, "release", unit)


def test_a_wrong_password_refuses_the_eligibility_determination(kit, donor_a, lab_a):
    with pytest.raises(services.CellbankRefused, match="password is not correct"):
        services.donor_determine(donor_a, by=lab_a, password="wrong", step="reopen",
                                 reason="late reactive HBsAg")
    donor_a.refresh_from_db()
    assert donor_a.eligibility == "eligible"
    [kept] = refusals("wrong_password")
    assert (kept.meaning, kept.record) == ("eligibility_determination", donor_a)


def test_each_determination_step_is_signed_by_the_person_signed_in(kit, donor_a, lab_a):
    signed = list(Signature.objects.filter(object_id=donor_a.pk,
                                           meaning="eligibility_determination"))
    assert [(s.signer, s.printed_name, s.content["step"]) for s in signed] == [
        (lab_a, "Lab_A Tester", "complete_screening"), (lab_a, "Lab_A Tester", "determine")]
    assert all(s.is_bound_to(donor_a) for s in signed)


def test_allogeneic_release_waits_for_a_second_person_by_default(kit, site_a, lab_a, donor_a,
                                                                  knee_a):
    unit = checked(kit, site_a, lab_a, kit.DIN_B, donor_a)
    first = services.unit_release(unit, by=lab_a, password=kit.PASSWORD)
    unit.refresh_from_db()
    assert first.event is None and unit.status == "quarantine"
    assert signoffs.release_pending(unit, services.release_evaluation(unit)) == first.signature
    with pytest.raises(services.CellbankRefused, match="quarantine"):
        services.unit_issue(unit, knee_a, by=lab_a)
    second = services.unit_release_countersign(unit, by=kit.colleague(lab_a),
                                               password=kit.PASSWORD)
    unit.refresh_from_db()
    assert (unit.status, unit.release_approver) == ("released", "Lab_A Tester")
    assert second.signature.meaning == "second_person_release"
    assert "signed by Lab_A Tester (release); Second Signer (second-person release)." in \
        second.event.note


def test_the_same_person_cannot_sign_a_release_twice(kit, site_a, lab_a, donor_a):
    unit = checked(kit, site_a, lab_a, kit.DIN_B, donor_a)
    services.unit_release(unit, by=lab_a, password=kit.PASSWORD)
    with pytest.raises(services.CellbankRefused, match="a second person signs it"):
        services.unit_release_countersign(unit, by=lab_a, password=kit.PASSWORD)
    unit.refresh_from_db()
    assert unit.status == "quarantine"
    assert not Signature.objects.filter(meaning="second_person_release").exists()
    [kept] = refusals("same_person")
    assert (kept.user, kept.meaning, kept.record) == (lab_a, "second_person_release", unit)


def test_autologous_release_needs_one_signature_unless_the_site_asks_for_two(
        kit, site_a, lab_a, harvest_a):
    def bmac(identifier):
        return checked(kit, site_a, lab_a, identifier, harvest=harvest_a, product="bmac")

    one = bmac("LOC-BM001-" + _k("BM001"))
    assert services.unit_release(one, by=lab_a, password=kit.PASSWORD).event is not None
    SiteCellLabSettings.objects.create(site=site_a, two_person_release_autologous=True)
    two = bmac("LOC-BM002-" + _k("BM002"))
    assert services.unit_release(two, by=lab_a, password=kit.PASSWORD).event is None
    two.refresh_from_db()
    assert two.status == "quarantine"


def test_a_signature_cannot_be_moved_to_another_unit(kit, site_a, lab_a, donor_a):
    unit = checked(kit, site_a, lab_a, kit.DIN_B, donor_a)
    other = checked(kit, site_a, lab_a, kit.DIN_C, donor_a)
    signature = services.unit_release(unit, by=lab_a, password=kit.PASSWORD).signature
    assert signature.is_bound_to(unit) and not signature.is_bound_to(other)
    # Copied in the database to the other unit, the row no longer matches its hash.
    Signature.objects.filter(pk=signature.pk).update(object_id=other.pk)
    assert signoffs.release_pending(other, services.release_evaluation(other)) is None
    with pytest.raises(services.CellbankRefused, match="awaits a second signature"):
        services.unit_release_countersign(other, by=kit.colleague(lab_a), password=kit.PASSWORD)
    other.refresh_from_db()
    assert other.status == "quarantine"


def test_a_new_qc_result_after_the_first_signature_voids_it(kit, site_a, lab_a, donor_a):
    unit = checked(kit, site_a, lab_a, kit.DIN_B, donor_a)
    services.unit_release(unit, by=lab_a, password=kit.PASSWORD)
    services.qc_record(unit, by=lab_a, test="viability", value=90.0,
                       at=timezone.now() + dt.timedelta(minutes=1))
    assert signoffs.release_pending(unit, services.release_evaluation(unit)) is None


def test_qc_entered_and_verified_by_the_same_person_is_refused(kit, site_a, lab_a, donor_a):
    unit = kit.pass_qc(kit.receive(site_a, lab_a, kit.DIN_B, donor_a), lab_a)
    with pytest.raises(services.CellbankRefused, match="another person verifies it"):
        services.qc_panel_verify(unit, by=lab_a, password=kit.PASSWORD)
    assert not Signature.objects.filter(meaning="qc_verification").exists()
    [kept] = refusals("self_verification")
    assert (kept.user, kept.meaning) == (lab_a, "qc_verification")
    with pytest.raises(services.CellbankRefused, match="not yet verified by a second person"):
        services.unit_release(unit, by=lab_a, password=kit.PASSWORD)


def test_a_verifier_verifies_the_results_others_entered_and_leaves_their_own(
        kit, site_a, lab_a, donor_a):
    second = kit.colleague(lab_a)
    unit = kit.pass_qc(kit.receive(site_a, lab_a, kit.DIN_B, donor_a), lab_a,
                       sterility="pending")
    services.qc_record(unit, by=second, test="sterility", outcome="negative")
    done = services.qc_panel_verify(unit, by=second, password=kit.PASSWORD)
    assert [r.test for r in done.left_for_another] == ["sterility"]
    assert len(done.signed) == 12  # ten measured values, Gram stain and mycoplasma
    services.qc_panel_verify(unit, by=lab_a, password=kit.PASSWORD)
    assert signoffs.unverified_results(unit) == []
    assert [r.reason for r in SigningRefusal.objects.all()] == ["self_verification"]


def test_the_unit_page_shows_each_signatures_printed_name_time_and_meaning(
        as_user, kit, site_a, lab_a, donor_a):
    unit = checked(kit, site_a, lab_a, kit.DIN_B, donor_a)
    client = as_user(lab_a)
    url = reverse("cellbank:unit-detail", args=[unit.pk])
    wrong = client.post(reverse("cellbank:unit-release", args=[unit.pk]),
                        {"password": "wrong"})
    assert wrong.status_code == 400 and "password is not correct" in wrong.content.decode()
    assert client.post(reverse("cellbank:unit-release", args=[unit.pk]),
                       {"password": kit.PASSWORD}).status_code == 302
    page = client.get(url).content.decode()
    first = Signature.objects.get(meaning="release")
    shown = timezone.localtime(first.signed_at).strftime("%d %b %Y %H:%M")
    assert "Release pending second signature" in page
    assert "Lab_A Tester" in page and shown in page and "Second-person release" in page
    second = as_user(kit.colleague(lab_a))
    assert second.post(reverse("cellbank:unit-release-countersign", args=[unit.pk]),
                       {"countersign-password": kit.PASSWORD}).status_code == 302
    page = second.get(url).content.decode()
    assert "Release pending second signature" not in page
    assert page.count('class="signer">Lab_A Tester<') == 1
    assert 'class="signer">Second Signer<' in page and "Second-person release" in page


def test_a_release_approver_typed_before_electronic_signatures_shows_as_unsigned(
        as_user, kit, site_a, lab_a, donor_a):
    unit = kit.receive(site_a, lab_a, kit.DIN_B, donor_a)
    ProductUnit.objects.filter(pk=unit.pk).update(status="released",
                                                  release_approver="Dr Q. Person (QP)")
    page = as_user(lab_a).get(reverse("cellbank:unit-detail", args=[unit.pk])).content.decode()
    assert "unsigned (before electronic signatures)" in page


def _k(body: str) -> str:
    from orthoregen.products.isbt128 import check_character

    return check_character(body)
