"""Patient data in the Django admin, outside the cell lab (tests/web/cellbank/test_admin.py):
each app's rows, their simple-history pages and their form lookups stay inside the
administrator's sites, and an old version is shown but never restored.

The administrator here is a Django superuser, as the demo's is, so Django's per-model
permissions never hide what the site scoping must hide itself.
"""

import datetime as dt
import re

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from orthoregen.web.accounts.models import SiteSafetyLead
from orthoregen.web.audit.models import AccessAction, AccessRecord
from orthoregen.web.clinic.admin import ReadOnlyHistoryAdmin, SiteScopedAdmin
from orthoregen.web.clinic.models import JointEpisode, Patient
from orthoregen.web.consultation.models import (
    CandidacyDecision,
    ConsentDocument,
    ConsentRecord,
    Intake,
    ProtocolVersion,
)
from orthoregen.web.consultation.protocols import protocol_default
from orthoregen.web.followup.models import MessageTemplate, SiteFollowUpSettings
from orthoregen.web.safety.models import AdverseEvent

# Every site-scoped admin outside the cell lab, by "app_label.model_name".
SCOPED = ["clinic.patient", "clinic.jointepisode", "clinic.encounter", "consultation.intake",
          "consultation.candidacydecision", "consultation.consentrecord",
          "consultation.consentdocument", "safety.adverseevent",
          "followup.sitefollowupsettings", "accounts.sitesafetylead", "followup.messagetemplate"]


def one_of_each(site, patient, staff) -> dict:
    """A row of every scoped model at one site, by "app_label.model_name"."""
    episode = patient.episodes.get()
    document = ConsentDocument.objects.create(site=site, title="Consent", version="1",
                                              text=f"Consent text of {site.code}.")
    return {
        "clinic.patient": patient,
        "clinic.jointepisode": episode,
        "clinic.encounter": episode.encounters.get(),
        "consultation.intake": Intake.objects.create(episode=episode,
                                                     recorded_on=dt.date(2026, 3, 2)),
        "consultation.candidacydecision": CandidacyDecision.objects.create(
            episode=episode, protocol=protocol_default(), kind="engine", outcome="suitable",
            assessed_on=dt.date(2026, 3, 2), decided_on=dt.date(2026, 3, 2)),
        "consultation.consentrecord": ConsentRecord.objects.create(
            episode=episode, document=document, consented_on=dt.date(2026, 3, 3),
            consenting_person=f"{patient.given_name} {patient.family_name}"),
        "consultation.consentdocument": document,
        "safety.adverseevent": AdverseEvent.objects.create(
            patient=patient, episode=episode, term="injection_site_pain",
            onset_on=dt.date(2026, 3, 5), aware_on=dt.date(2026, 3, 5), ctcae_grade=1,
            procedure_relatedness="probable", product_relatedness="unlikely",
            action="none", outcome="recovered", recorded_at=timezone.now(),
            description=f"Sore knee of {patient.family_name}"),
        "followup.sitefollowupsettings": SiteFollowUpSettings.objects.create(site=site),
        "accounts.sitesafetylead": SiteSafetyLead.objects.create(site=site, user=staff),
        "followup.messagetemplate": MessageTemplate.objects.create(
            site=site, channel="email", subject="Your questionnaire", body="$link"),
    }


@pytest.fixture
def superadmin_a(admin_a):
    admin_a.is_superuser = True
    admin_a.save()
    return admin_a


@pytest.fixture
def rows(patient_a, patient_b, site_a, site_b, clinician_a, clinician_b):
    return {"a": one_of_each(site_a, patient_a, clinician_a),
            "b": one_of_each(site_b, patient_b, clinician_b)}


def url(name: str, action: str, *args) -> str:
    app_label, model_name = name.split(".")
    return reverse(f"admin:{app_label}_{model_name}_{action}", args=args)


def earliest_version(row) -> int:
    return row.history.earliest("history_date").history_id


def test_every_scoped_admin_outside_the_cell_lab_is_tested_here():
    # The cell lab's and imaging's admins are tested with their own records, in their apps.
    registered = {model._meta.label_lower for model, model_admin in admin.site._registry.items()
                  if isinstance(model_admin, SiteScopedAdmin)
                  and model._meta.app_label not in ("cellbank", "imaging")}
    assert registered == set(SCOPED)


def test_every_registered_patient_data_admin_is_site_scoped():
    unscoped = [model._meta.label for model, model_admin in admin.site._registry.items()
                if hasattr(model, "SITE_PATH") and not isinstance(model_admin, SiteScopedAdmin)
                and model._meta.label != "audit.AccessRecord"]  # scoped, tested below
    assert unscoped == []


def test_every_history_admin_refuses_to_restore():
    unguarded = [model._meta.label for model, model_admin in admin.site._registry.items()
                 if isinstance(model_admin, SimpleHistoryAdmin)
                 and not isinstance(model_admin, ReadOnlyHistoryAdmin)]
    assert unguarded == []


@pytest.mark.parametrize("name", SCOPED)
def test_changelist_lists_own_sites_rows_only(as_user, superadmin_a, rows, name):
    client = as_user(superadmin_a)
    response = client.get(url(name, "changelist"))
    assert response.status_code == 200
    page = response.content.decode()
    assert url(name, "change", rows["a"][name].pk) in page
    assert url(name, "change", rows["b"][name].pk) not in page
    assert "Bittern" not in page and "BITTERN" not in page and "Clinic B" not in page


@pytest.mark.parametrize("name", SCOPED)
def test_history_of_another_sites_row_is_not_found(as_user, superadmin_a, rows, name):
    client = as_user(superadmin_a)
    other = rows["b"][name]
    assert client.get(url(name, "history", other.pk)).status_code == 404
    version = url(name, "simple_history", other.pk, earliest_version(other))
    assert client.get(version).status_code == 404
    assert client.post(version, {}).status_code == 404


@pytest.mark.parametrize("name", SCOPED)
def test_history_of_own_sites_row_is_shown_read_only(as_user, superadmin_a, rows, name):
    client = as_user(superadmin_a)
    own = rows["a"][name]
    listing = client.get(url(name, "history", own.pk))
    assert listing.status_code == 200 and "View history" in listing.content.decode()
    version = client.get(url(name, "simple_history", own.pk, earliest_version(own)))
    assert version.status_code == 200
    form = version.content.decode().split('_form" novalidate>')[1]
    assert 'name="_save"' not in form and "<textarea" not in form and "<select" not in form
    assert re.findall(r'<input type="(\w+)"', form) == ["hidden"]  # the CSRF token alone


@pytest.mark.parametrize("name", SCOPED)
def test_posting_to_a_version_page_is_refused(as_user, superadmin_a, rows, name):
    own = rows["a"][name]
    before = own.history.count()
    response = as_user(superadmin_a).post(
        url(name, "simple_history", own.pk, earliest_version(own)), {})
    assert response.status_code == 403
    assert own.history.count() == before


def test_an_old_patient_version_is_not_restored_over_the_row(as_user, superadmin_a, patient_a):
    first = earliest_version(patient_a)
    patient_a.family_name = "Aardvark-Jones"
    patient_a.save()
    form = {"site": patient_a.site_id, "mrn": "A-0001", "family_name": "Aardvark",
            "given_name": "Ada", "date_of_birth": "1960-05-17", "sex": "female",
            "email": "", "phone": "", "address": ""}
    response = as_user(superadmin_a).post(url("clinic.patient", "simple_history",
                                              patient_a.pk, first), form)
    assert response.status_code == 403
    assert Patient.objects.get(pk=patient_a.pk).family_name == "Aardvark-Jones"
    assert patient_a.history.count() == 2


def test_another_sites_patient_is_not_restored_either(as_user, superadmin_a, patient_b):
    patient_b.family_name = "Bittern-Smith"
    patient_b.save()
    form = {"site": patient_b.site_id, "mrn": "B-0001", "family_name": "Bittern",
            "given_name": "Ada", "date_of_birth": "1960-05-17", "sex": "female",
            "email": "", "phone": "", "address": ""}
    response = as_user(superadmin_a).post(url("clinic.patient", "simple_history",
                                              patient_b.pk, earliest_version(patient_b)), form)
    assert response.status_code == 404
    assert Patient.objects.get(pk=patient_b.pk).family_name == "Bittern-Smith"


def test_a_protocol_version_is_never_restored(as_user, superadmin_a, site_a):
    protocol = protocol_default()
    before = protocol.history.count()
    response = as_user(superadmin_a).post(
        url("consultation.protocolversion", "simple_history", protocol.pk,
            earliest_version(protocol)), {})
    assert response.status_code == 403
    assert protocol.history.count() == before
    assert ProtocolVersion.objects.get(pk=protocol.pk).status == protocol.status


def test_another_sites_protocol_history_is_not_found(as_user, superadmin_a, site_b):
    other = ProtocolVersion.objects.create(name="site B knee", version="1", site=site_b,
                                           body=protocol_default().body)
    client = as_user(superadmin_a)
    assert client.get(url("consultation.protocolversion", "history", other.pk)) \
        .status_code == 404


def test_raw_id_lookup_names_own_sites_patient_only(as_user, superadmin_a, patient_a,
                                                    patient_b):
    client = as_user(superadmin_a)
    page = client.get(url("clinic.jointepisode", "add"), {"patient": patient_b.pk})
    assert page.status_code == 200 and "BITTERN" not in page.content.decode()
    own = client.get(url("clinic.jointepisode", "change", patient_a.episodes.get().pk))
    assert "AARDVARK, Ada (A-0001)" in own.content.decode()


def test_an_episode_cannot_be_attached_to_another_sites_patient(as_user, superadmin_a,
                                                                patient_b):
    response = as_user(superadmin_a).post(url("clinic.jointepisode", "add"), {
        "patient": patient_b.pk, "joint": "knee", "side": "right", "diagnosis_code": "M17.11",
        "grade_scale": "kellgren_lawrence", "grade": "2"})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert JointEpisode.objects.filter(patient=patient_b).count() == 1


def test_an_adverse_event_cannot_name_another_sites_patient(as_user, superadmin_a, patient_b):
    # The administrator's role may not record adverse events (roles.PERMITTED), so the
    # admin refuses the form before it could offer another site's patient.
    response = as_user(superadmin_a).get(url("safety.adverseevent", "add"),
                                         {"patient": patient_b.pk,
                                          "episode": patient_b.episodes.get().pk})
    assert response.status_code == 403 and "BITTERN" not in response.content.decode()


def test_a_patient_cannot_be_moved_to_another_site(as_user, superadmin_a, patient_a, site_b):
    response = as_user(superadmin_a).post(url("clinic.patient", "change", patient_a.pk), {
        "site": site_b.pk, "mrn": "A-0001", "family_name": "Aardvark", "given_name": "Ada",
        "date_of_birth": "1960-05-17", "sex": "female", "email": "", "phone": "",
        "address": ""})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert Patient.objects.get(pk=patient_a.pk).site_id == patient_a.site_id
    assert "Clinic B" not in response.content.decode()


def test_audit_pages_show_own_sites_records_only(as_user, superadmin_a, clinician_a,
                                                 clinician_b, patient_a, patient_b):
    for user, patient, terms in ((clinician_a, patient_a, "Aard"),
                                 (clinician_b, patient_b, "Bitt")):
        as_user(user).get(reverse("patient-detail", args=[patient.pk]))
        as_user(user).get(reverse("patient-list"), {"q": terms})
    client = as_user(superadmin_a)
    access = client.get("/admin/audit/accessrecord/")
    listed = {(r.user, r.action) for r in access.context["cl"].result_list}
    assert listed == {(clinician_a, AccessAction.VIEW), (clinician_a, AccessAction.SEARCH)}
    assert "BITTERN" not in access.content.decode()
    assert AccessRecord.objects.filter(user=clinician_b).count() == 2
    for own, other in ((patient_a, patient_b), (patient_a.episodes.get(),
                                               patient_b.episodes.get())):
        model_name = own.history.model._meta.model_name
        listed = client.get(f"/admin/clinic/{model_name}/").content.decode()
        assert f"/admin/clinic/{model_name}/{own.history.get().history_id}/" in listed
        assert f"/admin/clinic/{model_name}/{other.history.get().history_id}/" not in listed
        assert "BITTERN" not in listed
    own_history = patient_a.history.get().history_id
    other_history = patient_b.history.get().history_id
    assert client.get(f"/admin/clinic/historicalpatient/{own_history}/change/") \
        .status_code == 200
    assert client.get(f"/admin/clinic/historicalpatient/{other_history}/change/") \
        .status_code == 302
