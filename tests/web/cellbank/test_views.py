"""The cell lab and procedure pages as each person: lab staff manage products, clinicians
record procedures, other roles get 403, site B gets 404, anonymous users go to log in; bad
input shows field errors and saves nothing; reads leave access records."""

import pytest
from django.urls import reverse
from django.utils import timezone

from orthoregen.web.audit.models import AccessAction, AccessRecord
from orthoregen.web.cellbank import services
from orthoregen.web.cellbank.models import (
    Administration,
    BedsideCheckAttempt,
    CustodyEvent,
    Donor,
    Procedure,
    ProductUnit,
    QcResult,
)
from orthoregen.web.procedures import services as procedures


def receive_post(**changes):
    data = {"identifier": "G123498654321H", "product_class": "umbilical_cord_msc",
            "collected_at": "2026-11-01T09:00", "expires_at": "2027-11-01T09:00",
            "storage": "LN2 vapour", "cell_count": "50000000", "volume_ml": "5",
            "viability_pct": "92"}
    data.update(changes)
    return data


def test_worklist_lists_own_site_units_for_lab_staff(as_user, lab_a, released_unit, site_b,
                                                     donor_b, kit):
    other = kit.receive(site_b, lab_a, kit.DIN_E, donor_b)
    response = as_user(lab_a).get(reverse("cellbank:units"), {"status": "released"})
    assert response.status_code == 200
    page = response.content.decode()
    assert released_unit.identifier in page and other.identifier not in page
    assert AccessRecord.objects.filter(user=lab_a, action=AccessAction.SEARCH).exists()


@pytest.mark.parametrize("name", ["cellbank:units", "cellbank:unit-receive", "cellbank:donors",
                                  "cellbank:lookback"])
def test_lab_pages_refuse_other_roles_and_anonymous_users(client, as_user, clinician_a,
                                                          coordinator_a, analyst_a, name):
    url = reverse(name)
    assert client.get(url).status_code == 302 and "/login/" in client.get(url)["Location"]
    for user in (clinician_a, coordinator_a, analyst_a):
        assert as_user(user).get(url).status_code == 403


def test_a_site_b_unit_is_not_found_for_site_a_lab_staff(as_user, lab_a, site_b, donor_b, kit):
    other = kit.receive(site_b, lab_a, kit.DIN_E, donor_b)
    client = as_user(lab_a)
    assert client.get(reverse("cellbank:unit-detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("cellbank:unit-label", args=[other.pk])).status_code == 404
    response = client.post(reverse("cellbank:unit-discard", args=[other.pk]),
                           {"discard-reason": "x"})
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.status == "quarantine"


def test_unit_page_shows_qc_custody_and_lineage_and_is_audited(as_user, lab_a, issued_unit,
                                                               patient_a):
    response = as_user(lab_a).get(reverse("cellbank:unit-detail", args=[issued_unit.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "cultured_msc_default 2026.1" in page and "CD73 &gt;= 95 %" in page
    assert "quarantine → released" in page and "released → issued" in page
    assert AccessRecord.objects.filter(user=lab_a, patient=patient_a,
                                       action=AccessAction.VIEW).exists()


def test_receive_form_creates_a_quarantined_unit(as_user, lab_a, donor_a):
    response = as_user(lab_a).post(reverse("cellbank:unit-receive"),
                                   receive_post(donor=donor_a.pk))
    unit = ProductUnit.objects.get()
    # The lab lands on the unit's next step, its release panel.
    assert response.status_code == 302
    assert response["Location"] == reverse("cellbank:unit-qc-panel", args=[unit.pk])
    assert (unit.status, unit.identifier, unit.concentration_per_ml) == \
        ("quarantine", "G123498654321H", 10e6)
    assert unit.history.count() >= 1 and CustodyEvent.objects.filter(unit=unit).count() == 1


@pytest.mark.parametrize("changes, field, message", [
    ({"identifier": "G123498654321J"}, "identifier", "the check character does not match"),
    ({"identifier": "G1234986543"}, "identifier", "expected 14"),
    ({"donor": ""}, "donor", "is allogeneic: choose its donor"),
    ({"expires_at": "2026-10-01T09:00"}, "expires_at", "Expiry must be after collection"),
    ({"is_cryopreserved": "on"}, "max_post_thaw_hold_minutes", "validated post-thaw hold"),
])
def test_receive_form_shows_field_errors_and_saves_nothing(as_user, lab_a, donor_a, changes,
                                                           field, message):
    data = receive_post(donor=donor_a.pk)
    data.update(changes)
    response = as_user(lab_a).post(reverse("cellbank:unit-receive"), data)
    assert response.status_code == 200
    assert any(message in e for e in response.context["form"].errors[field])
    # The expected check character (H) is never shown: it would defeat the keyed-entry check.
    assert "expected H" not in response.content.decode()
    assert not ProductUnit.objects.exists() and not CustodyEvent.objects.exists()


def test_qc_release_issue_through_the_pages(as_user, lab_a, donor_a, knee_a, kit):
    unit = kit.receive(donor_a.site, lab_a, kit.DIN_B, donor_a)
    client = as_user(lab_a)
    bad = client.post(reverse("cellbank:unit-qc", args=[unit.pk]), {"test": "viability"})
    assert bad.status_code == 400 and "Viability (%) needs a measured value" in bad.content.decode()
    assert not QcResult.objects.exists()
    kit.pass_qc(unit, lab_a)
    second = kit.colleague(lab_a)
    services.qc_panel_verify(unit, by=second, password=kit.PASSWORD)
    release = client.post(reverse("cellbank:unit-release", args=[unit.pk]),
                          {"password": kit.PASSWORD})
    assert release.status_code == 302
    services.unit_release_countersign(unit, by=second, password=kit.PASSWORD)
    wrong = client.post(reverse("cellbank:unit-issue", args=[unit.pk]),
                        {"patient_mrn": "A-9999", "joint": "knee", "side": "left"})
    assert wrong.status_code == 400 and "No left knee episode for MRN A-9999" in \
        wrong.content.decode()
    client.post(reverse("cellbank:unit-issue", args=[unit.pk]),
                {"patient_mrn": "A-0001", "joint": "knee", "side": "left"})
    unit.refresh_from_db()
    assert (unit.status, unit.issued_to_episode) == ("issued", knee_a)


def test_an_illegal_transition_on_the_page_shows_the_core_message(as_user, lab_a, donor_a,
                                                                  knee_a, kit):
    unit = kit.receive(donor_a.site, lab_a, kit.DIN_B, donor_a)
    response = as_user(lab_a).post(reverse("cellbank:unit-issue", args=[unit.pk]),
                                   {"patient_mrn": "A-0001", "joint": "knee", "side": "left"})
    assert response.status_code == 400
    assert "cannot issue unit G123498654321H: it is quarantine" in response.content.decode()
    assert CustodyEvent.objects.filter(unit=unit).count() == 1


def test_label_is_an_svg_with_the_din_and_its_boxed_check_character(as_user, lab_a,
                                                                    released_unit):
    response = as_user(lab_a).get(reverse("cellbank:unit-label", args=[released_unit.pk]))
    assert response["Content-Type"] == "image/svg+xml"
    svg = response.content.decode()
    # ST-001 7.4.1: DIN grouped, K boxed and never in the bar code.
    assert "G1234 17 654321" in svg and 'class="check-character-box"' in svg
    assert 'class="barcode"' in svg and "EXPIRES" in svg


def test_donor_register_and_determination_pages(as_user, lab_a, kit):
    client = as_user(lab_a)
    client.post(reverse("cellbank:donor-create"),
                {"code": "D-100", "donor_type": "umbilical_cord", "tested_person": "Mother",
                 "recovered_on": kit.RECOVERED.isoformat()})
    donor = Donor.objects.get()
    url = reverse("cellbank:donor-determine", args=[donor.pk])
    refused = client.post(url, {"password": kit.PASSWORD, "step": "determine",
                                "outcome": "eligible"})
    assert refused.status_code == 400
    assert "cannot record a determination: donor is pending_screening" in \
        refused.content.decode()
    client.post(url, {"password": kit.PASSWORD, "step": "complete_screening"})
    kit.record_panel(donor, lab_a)
    client.post(url, {"password": kit.PASSWORD, "step": "determine", "outcome": "eligible"})
    donor.refresh_from_db()
    assert (donor.eligibility, donor.determined_by) == ("eligible", lab_a)
    assert donor.eligibility_finding["outcome"] == "eligible"
    assert donor.history.count() == 3


@pytest.mark.parametrize(("reactive", "named"), [
    (("hiv1_nat", "hbsag"), "HIV-1 NAT"),
    (("anti_hcv",), "anti-HCV"),
])
def test_a_donor_with_a_reactive_test_cannot_be_determined_eligible(as_user, lab_a, site_a,
                                                                   kit, reactive, named):
    donor = Donor.objects.create(site=site_a, code="D-REACT", donor_type="umbilical_cord",
                                 recovered_on=kit.RECOVERED)
    kit.record_panel(donor, lab_a, reactive=reactive)
    client = as_user(lab_a)
    url = reverse("cellbank:donor-determine", args=[donor.pk])
    client.post(url, {"password": kit.PASSWORD, "step": "complete_screening"})
    refused = client.post(url, {"password": kit.PASSWORD, "step": "determine",
                                "outcome": "eligible"})
    assert refused.status_code == 400 and named in refused.content.decode()
    donor.refresh_from_db()
    assert donor.eligibility == "pending_tests"
    assert client.post(url, {"password": kit.PASSWORD, "step": "determine",
                             "outcome": "ineligible", "reason": "reactive"}).status_code == 302
    donor.refresh_from_db()
    assert donor.eligibility == "ineligible"


def test_a_determination_with_no_tests_or_no_recovery_date_is_refused(lab_a, site_a, kit):
    donor = Donor.objects.create(site=site_a, code="D-NONE", donor_type="donor_marrow")
    kit.determine(donor, lab_a, "complete_screening")
    with pytest.raises(services.CellbankRefused, match="recovered"):
        kit.determine(donor, lab_a, "determine", "eligible")
    Donor.objects.filter(pk=donor.pk).update(recovered_on=kit.RECOVERED)
    with pytest.raises(services.CellbankRefused, match="HBV NAT"):
        kit.determine(donor, lab_a, "determine", "eligible")
    donor.refresh_from_db()
    assert donor.eligibility == "pending_tests"


def test_lookback_page_lists_recipients(as_user, lab_a, issued_unit, session, clinician_a,
                                        donor_a):

    procedures.administration_record(session, by=clinician_a, scanned_identifier="G123417654321A",
                                   mrn="A-0001", name="Ada Aardvark", joint="knee", side="left")
    page = as_user(lab_a).get(reverse("cellbank:lookback"), {"donor": donor_a.pk})
    assert "1 patient, 1 administration" in page.content.decode()
    assert "AARDVARK, Ada" in page.content.decode()


def test_patient_products_for_clinicians_and_lab_only(as_user, clinician_a, lab_a,
                                                      coordinator_a, clinician_b, patient_a):
    url = reverse("cellbank:patient-products", args=[patient_a.pk])
    assert as_user(clinician_a).get(url).status_code == 200
    assert as_user(lab_a).get(url).status_code == 200
    assert as_user(coordinator_a).get(url).status_code == 403
    assert as_user(clinician_b).get(url).status_code == 404


def test_procedure_start_refused_without_consent_and_decision(as_user, clinician_a, patient_a,
                                                              knee_a):
    response = as_user(clinician_a).post(
        reverse("procedures:start", args=[patient_a.pk]),
        {"episodes": [knee_a.pk], "performed_on": timezone.localdate().isoformat(),
         "time_out_completed": "on"})
    assert response.status_code == 400
    assert "Cannot start a procedure on the Left knee" in response.content.decode()
    assert not Procedure.objects.exists()


def test_procedure_pages_are_for_clinicians_of_the_site(as_user, lab_a, clinician_b, session,
                                                        patient_a):
    url = reverse("procedures:detail", args=[session.procedure_id])
    assert as_user(lab_a).get(url).status_code == 403
    assert as_user(clinician_b).get(url).status_code == 404
    start = reverse("procedures:start", args=[patient_a.pk])
    assert as_user(lab_a).get(start).status_code == 403


def test_bedside_mismatch_on_the_page_says_what_did_not_match(as_user, clinician_a, session,
                                                              issued_unit):
    url = reverse("procedures:administration-record", args=[session.procedure_id, session.pk])
    prefix = f"b{session.pk}-"
    data = {prefix + "scanned_identifier": "=G12341765432100", prefix + "name": "AARDVARK, Ada",
            prefix + "date_of_birth": "1960-05-17", prefix + "joint": "knee",
            prefix + "side": "right"}
    response = as_user(clinician_a).post(url, data)
    assert response.status_code == 400
    assert "unit was issued for the left side, not the right" in response.content.decode()
    assert BedsideCheckAttempt.objects.get().passed is False
    assert not Administration.objects.exists()
    data[prefix + "side"] = "left"
    assert as_user(clinician_a).post(url, data).status_code == 302
    assert Administration.objects.get().unit == issued_unit


def test_nav_shows_cell_lab_to_lab_staff_only(as_user, lab_a, clinician_a):
    assert "Cell lab" in as_user(lab_a).get(reverse("cellbank:units")).content.decode()
    page = as_user(clinician_a).get(reverse("patient-list")).content.decode()
    assert ">Cell lab<" not in page


def test_clinician_records_the_thaw_of_a_cryopreserved_unit_from_the_session(
        as_user, clinician_a, lab_a, donor_a, session, kit):
    from orthoregen.web.cellbank import services

    unit = kit.pass_qc(kit.receive(donor_a.site, lab_a, kit.DIN_C, donor_a, cryo=True), lab_a)
    kit.release(unit, lab_a)
    services.unit_issue(unit, session.episode, by=lab_a)
    client = as_user(clinician_a)
    page = reverse("procedures:detail", args=[session.procedure_id])
    assert "Record thaw now" in client.get(page).content.decode()
    response = client.post(reverse("procedures:unit-thaw", args=[unit.pk]), {"next": page})
    assert response.status_code == 302 and response["Location"] == page
    unit.refresh_from_db()
    assert unit.status == "thawed"
    assert CustodyEvent.objects.filter(unit=unit).last().by == clinician_a
    away = client.post(reverse("procedures:unit-thaw", args=[unit.pk]),
                       {"next": "//evil.example/"})
    assert away["Location"] == reverse("cellbank:units")  # never an open redirect


def test_an_expired_unit_offers_mark_expired_to_the_lab(as_user, lab_a, donor_a, kit):
    import datetime as dt

    unit = kit.receive(donor_a.site, lab_a, kit.DIN_B, donor_a,
                       expires_in=dt.timedelta(seconds=1))
    unit.expires_at = timezone.now() - dt.timedelta(minutes=1)
    unit.save()
    client = as_user(lab_a)
    assert "Mark expired" in client.get(reverse("cellbank:unit-detail",
                                                args=[unit.pk])).content.decode()
    assert client.post(reverse("cellbank:unit-expire", args=[unit.pk])).status_code == 302
    unit.refresh_from_db()
    assert unit.status == "expired"


def test_lookback_from_another_sites_donor_is_not_found(as_user, lab_a, donor_b):
    response = as_user(lab_a).get(reverse("cellbank:lookback"), {"donor": donor_b.pk})
    assert response.status_code == 404
    assert not AccessRecord.objects.filter(detail__startswith="look-back").exists()


def test_anonymous_posts_go_to_log_in_and_change_nothing(client, session, issued_unit):
    url = reverse("procedures:administration-record", args=[session.procedure_id, session.pk])
    response = client.post(url, {f"b{session.pk}-scanned_identifier": issued_unit.identifier})
    assert response.status_code == 302 and "/login/" in response["Location"]
    release = client.post(reverse("cellbank:unit-discard", args=[issued_unit.pk]),
                          {"discard-reason": "x"})
    assert release.status_code == 302 and "/login/" in release["Location"]
    assert not BedsideCheckAttempt.objects.exists()
    issued_unit.refresh_from_db()
    assert issued_unit.status == "issued"


def test_the_episode_link_ticks_that_joint(as_user, clinician_a, patient_a, knee_a):
    url = reverse("procedures:start", args=[patient_a.pk])
    page = as_user(clinician_a).get(url, {"episode": knee_a.pk}).content.decode()
    assert f'value="{knee_a.pk}"' in page and "checked" in page


OWN_RESULTS = "You entered these results, so another member of the lab verifies them."


def test_the_one_who_entered_every_waiting_result_is_told_so_instead_of_a_verify_form(
        as_user, lab_a, donor_a, kit):
    # 21 CFR 211.194(a)(8): a second person reviews the records, so the page does not ask the
    # one who entered them for a signature the service refuses.
    unit = kit.pass_qc(kit.receive(donor_a.site, lab_a, kit.DIN_B, donor_a), lab_a)
    url = reverse("cellbank:unit-detail", args=[unit.pk])
    page = as_user(lab_a).get(url).content.decode()
    assert OWN_RESULTS in page
    assert reverse("cellbank:unit-qc-verify", args=[unit.pk]) not in page
    assert "Sign verification" not in page
    # A colleague gets the form, with nothing left for another person.
    second = kit.colleague(lab_a)
    theirs = as_user(second).get(url).content.decode()
    assert "Sign verification" in theirs and OWN_RESULTS not in theirs
    assert "results waiting for verification" not in theirs
    # Posted all the same, the service still refuses it, and says why on the page.
    refused = as_user(lab_a).post(reverse("cellbank:unit-qc-verify", args=[unit.pk]),
                                  {"verify-password": kit.PASSWORD})
    assert refused.status_code == 400
    assert f"of {unit.identifier}: another person verifies it." in refused.content.decode()
    assert not services.signoffs.qc_verifications(QcResult.objects.filter(unit=unit))


def test_one_who_entered_some_waiting_results_gets_the_form_and_how_many_they_cannot_verify(
        as_user, lab_a, donor_a, kit):
    unit = kit.pass_qc(kit.receive(donor_a.site, lab_a, kit.DIN_B, donor_a), lab_a,
                       sterility="pending")
    second = kit.colleague(lab_a)
    services.qc_record(unit, by=second, test="sterility", outcome="negative")
    url = reverse("cellbank:unit-detail", args=[unit.pk])
    # Thirteen results wait (the latest of each test): lab_a entered twelve, second one.
    mine = as_user(lab_a).get(url).content.decode()
    assert "Sign verification" in mine and OWN_RESULTS not in mine
    assert "You entered 12 of the 13 results waiting for verification: you cannot verify " \
           "those 12, so another member of the lab verifies them." in mine
    theirs = as_user(second).get(url).content.decode()
    assert "You entered 1 of the 13 results waiting for verification: you cannot verify " \
           "that one, so another member of the lab verifies it." in theirs
    done = as_user(lab_a).post(reverse("cellbank:unit-qc-verify", args=[unit.pk]),
                               {"verify-password": kit.PASSWORD})
    assert done.status_code == 302
    # Now only lab_a's own twelve wait: lab_a is told, not asked to sign; second signs.
    after = as_user(lab_a).get(url).content.decode()
    assert OWN_RESULTS in after and "Sign verification" not in after
    theirs = as_user(second).get(url).content.decode()
    assert "Sign verification" in theirs and "results waiting for verification" not in theirs
