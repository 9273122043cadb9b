"""The cell lab's records in the Django admin: scoped to the administrator's sites, history
shown but never restored, and the audit trail's records (custody events, bedside check
attempts, QC results, administrations) never added, changed or deleted there."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from tests.web.conftest import record_injection

from orthoregen.web.cellbank import models, services
from orthoregen.web.cellbank.services.release import release_specs_ensure
from orthoregen.web.procedures import services as procedures

EVERY_MODEL = ["donor", "donortest", "harvest", "productunit", "releasespecversion",
               "qcresult", "custodyevent", "procedure", "procedurejoint", "bedsidecheckattempt",
               "administration"]
READ_ONLY = ["donortest", "releasespecversion", "qcresult", "custodyevent",
             "bedsidecheckattempt", "administration"]


def one_of_each(site, lab, clinician, donor, episode, din, kit) -> dict:
    """Run one product through the services, from donor to administration; return a row of
    every cell lab model, by admin model name."""
    patient = episode.patient
    test = services.donor_test_record(donor, by=lab, analyte="anti_hcv",
                                      specimen_date=dt.date(2026, 1, 5), result="non_reactive")
    harvest = services.harvest_record(patient, by=clinician, source="bone_marrow",
                                      body_site="Posterior iliac crest", volume_ml=60,
                                      operator=clinician, harvested_at=timezone.now())
    unit = kit.pass_qc(kit.receive(site, lab, din, donor), lab)
    kit.release(unit, lab)
    services.unit_issue(unit, episode, by=lab)
    kit.clear_for_procedure(episode, clinician)
    procedure = procedures.procedure_start(patient, [episode], by=clinician,
                                         performed_on=timezone.localdate(),
                                         time_out_completed=True)
    pj = procedure.joints.get()
    record_injection(pj, by=clinician, injectate_volume_ml=3.0)
    given = procedures.administration_record(
        pj, by=clinician, scanned_identifier=kit.typed(din),
        name=f"{patient.given_name} {patient.family_name}",
        date_of_birth=patient.date_of_birth, joint=episode.joint, side=episode.side)
    release_specs_ensure(site)
    return {"donor": donor, "donortest": test, "harvest": harvest, "productunit": unit,
            "releasespecversion": models.ReleaseSpecVersion.objects.filter(site=site).first(),
            "qcresult": unit.qc_results.first(), "custodyevent": unit.custody.first(),
            "procedure": procedure, "procedurejoint": pj,
            "bedsidecheckattempt": given.bedside_check, "administration": given}


@pytest.fixture
def rows(site_a, site_b, lab_a, clinician_a, clinician_b, donor_a, donor_b, patient_a,
         patient_b, kit):
    return {
        "a": one_of_each(site_a, lab_a, clinician_a, donor_a, patient_a.episodes.get(),
                         kit.DIN_A, kit),
        "b": one_of_each(site_b, lab_a, clinician_b, donor_b, patient_b.episodes.get(),
                         kit.DIN_B, kit),
    }


def url(name: str, action: str, *args) -> str:
    return reverse(f"admin:cellbank_{name}_{action}", args=args)


@pytest.mark.parametrize("name", EVERY_MODEL)
def test_admin_of_the_site_sees_its_rows_and_not_another_sites(as_user, admin_a, rows, name):
    client = as_user(admin_a)
    own, other = rows["a"][name], rows["b"][name]
    listing = client.get(url(name, "changelist"))
    assert listing.status_code == 200
    page = listing.content.decode()
    assert url(name, "change", own.pk) in page
    assert url(name, "change", other.pk) not in page
    assert client.get(url(name, "change", own.pk)).status_code == 200
    # The admin answers a row outside the queryset with a redirect to its index.
    hidden = client.get(url(name, "change", other.pk))
    assert hidden.status_code == 302 and hidden["Location"] == reverse("admin:index")


@pytest.mark.parametrize("name", EVERY_MODEL)
def test_history_is_shown_for_own_rows_only(as_user, admin_a, rows, name):
    client = as_user(admin_a)
    own, other = rows["a"][name], rows["b"][name]
    assert client.get(url(name, "history", own.pk)).status_code == 200
    assert client.get(url(name, "history", other.pk)).status_code == 404
    other_version = other.history.earliest("history_date").history_id
    own_version = own.history.earliest("history_date").history_id
    assert client.get(url(name, "simple_history", other.pk, other_version)).status_code == 404
    assert client.get(url(name, "simple_history", own.pk, own_version)).status_code == 200


@pytest.mark.parametrize("name", READ_ONLY)
def test_audit_trail_records_refuse_add_change_delete_and_restore(as_user, admin_a, rows, name):
    admin_a.is_superuser = True  # even Django's every-permission user is refused
    admin_a.save()
    client = as_user(admin_a)
    own = rows["a"][name]
    before = own.history.count()
    assert client.get(url(name, "add")).status_code == 403
    assert client.post(url(name, "change", own.pk), {"note": "x", "passed": "on"}) \
        .status_code == 403
    assert client.get(url(name, "delete", own.pk)).status_code == 403
    assert client.post(url(name, "delete", own.pk), {"post": "yes"}).status_code == 403
    version = own.history.earliest("history_date").history_id
    assert client.post(url(name, "simple_history", own.pk, version)).status_code == 403
    assert type(own).objects.filter(pk=own.pk).exists() and own.history.count() == before
    assert "Save" not in client.get(url(name, "change", own.pk)).content.decode()


def test_custody_events_and_bedside_attempts_offer_no_add_or_delete(as_user, admin_a, rows):
    admin_a.is_superuser = True
    admin_a.save()
    client = as_user(admin_a)
    for name in ("custodyevent", "bedsidecheckattempt"):
        page = client.get(url(name, "changelist")).content.decode()
        assert url(name, "add") not in page
        change = client.get(url(name, "change", rows["a"][name].pk)).content.decode()
        assert url(name, "delete", rows["a"][name].pk) not in change


def test_a_unit_is_not_edited_by_the_administrator_role_even_as_superuser(as_user, admin_a,
                                                                          rows):
    # Managing products is the cell lab's action (roles.PERMITTED); the admin obeys the same
    # table (admin_site.CHANGE_ACTION), so its descriptive fields stay with the lab's pages.
    admin_a.is_superuser = True
    admin_a.save()
    unit = rows["a"]["productunit"]
    response = as_user(admin_a).post(url("productunit", "change", unit.pk), {
        "storage": "LN2 vapour, tank 3", "processing_site": "", "processing_operator": "",
        "sop_version": "SOP-7", "passage": "4",
        "status": "released", "identifier": "LOC-FORGED-X", "volume_ml": "50"})
    assert response.status_code == 403
    saved = models.ProductUnit.objects.get(pk=unit.pk)
    assert (saved.storage, saved.identifier) == (unit.storage, unit.identifier)


def test_an_administrator_without_change_permission_only_views(as_user, admin_a, rows):
    unit = rows["a"]["productunit"]
    client = as_user(admin_a)
    assert client.post(url("productunit", "change", unit.pk), {"storage": "x"}) \
        .status_code == 403
    assert models.ProductUnit.objects.get(pk=unit.pk).storage == unit.storage


def test_other_roles_do_not_reach_the_cell_lab_admin(as_user, lab_a, clinician_a, rows):
    for user in (lab_a, clinician_a):
        response = as_user(user).get(url("productunit", "changelist"))
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
