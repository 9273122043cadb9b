"""The admin obeys the role table: an administrator reads adverse events but cannot change
them, nobody hard-deletes a clinical record, and shared configuration is the operator's."""

import datetime as dt

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.utils import timezone

from orthoregen.web.accounts.models import User
from orthoregen.web.accounts.roles import Role
from orthoregen.web.admin_site import CHANGE_ACTION, SITE_CONFIGURATION
from orthoregen.web.evidence.models import AddedStudy
from orthoregen.web.safety.models import AdverseEvent

CLINICAL = ["clinic.patient", "clinic.jointepisode", "clinic.encounter",
            "consultation.intake", "consultation.candidacydecision",
            "consultation.consentrecord", "cellbank.procedure", "cellbank.administration",
            "cellbank.qcresult", "safety.adverseevent"]


@pytest.fixture
def operator(db):
    return User.objects.create_superuser("operator", password="x", role=Role.ADMIN)


@pytest.fixture(params=["administrator", "superuser administrator"])
def administrator(request, admin_a):
    admin_a.is_superuser = request.param == "superuser administrator"
    admin_a.save()
    return admin_a


@pytest.fixture
def event_a(patient_a, clinician_a):
    return AdverseEvent.objects.create(
        patient=patient_a, episode=patient_a.episodes.get(), term="injection_site_pain",
        onset_on=dt.date(2026, 3, 5), aware_on=dt.date(2026, 3, 5), ctcae_grade=1,
        procedure_relatedness="probable", product_relatedness="unlikely", action="none",
        outcome="recovered", recorded_at=timezone.now(), recorded_by=clinician_a)


def model_admin(label):
    model = next(m for m in admin.site._registry if m._meta.label_lower == label)
    return admin.site._registry[model]


def request_as(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def test_an_administrator_reads_an_adverse_event_but_cannot_change_its_grade(
        as_user, administrator, event_a):
    client = as_user(administrator)
    url = f"/admin/safety/adverseevent/{event_a.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.post(url, {"ctcae_grade": 3}).status_code == 403
    assert AdverseEvent.objects.get(pk=event_a.pk).ctcae_grade == 1


@pytest.mark.parametrize("label", ["safety.adverseevent", "clinic.encounter", "clinic.patient"])
def test_no_one_hard_deletes_a_clinical_record_through_the_admin(
        as_user, administrator, operator, event_a, label, patient_a):
    row = {"safety.adverseevent": event_a, "clinic.patient": patient_a,
           "clinic.encounter": patient_a.episodes.get().encounters.get()}[label]
    path = f"/admin/{label.replace('.', '/')}/{row.pk}/delete/"
    client = as_user(administrator)
    assert client.get(path).status_code == 403
    assert client.post(path, {"post": "yes"}).status_code == 403
    changelist = client.post(f"/admin/{label.replace('.', '/')}/",
                             {"action": "delete_selected", "_selected_action": [row.pk],
                              "post": "yes"})
    assert changelist.status_code in (200, 302)
    assert type(row).objects.filter(pk=row.pk).exists()


@pytest.mark.parametrize("label", CLINICAL)
def test_the_delete_permission_is_false_for_every_clinical_record_for_everyone(
        administrator, operator, label):
    for user in (administrator, operator):
        assert model_admin(label).has_delete_permission(request_as(user)) is False


def test_every_model_of_site_data_in_the_admin_declares_its_action():
    undeclared = sorted(
        model._meta.label_lower for model in admin.site._registry
        if hasattr(model, "SITE_PATH") and model._meta.label_lower not in CHANGE_ACTION
        and model._meta.label_lower != "audit.accessrecord")
    assert undeclared == []
    assert SITE_CONFIGURATION <= set(CHANGE_ACTION)


def test_an_administrator_edits_what_the_role_table_allows(as_user, administrator, patient_a):
    patient_admin = model_admin("clinic.patient")
    assert patient_admin.has_change_permission(request_as(administrator))  # EDIT_PATIENT
    template_admin = model_admin("followup.messagetemplate")
    assert template_admin.has_delete_permission(request_as(administrator))  # configuration
    for label in ("consultation.candidacydecision", "cellbank.productunit",
                  "cellbank.administration"):
        assert not model_admin(label).has_change_permission(request_as(administrator)), label


@pytest.mark.parametrize("label", ["followup.scheduleprotocolversion",
                                   "consultation.protocolversion", "evidence.addedstudy"])
def test_shared_configuration_is_changed_by_the_platform_operator_alone(
        administrator, operator, label):
    shared = model_admin(label)
    assert not shared.has_change_permission(request_as(administrator))
    assert not shared.has_add_permission(request_as(administrator))
    assert not shared.has_delete_permission(request_as(administrator))
    if label != "consultation.protocolversion":  # read-only for all: edited on staff pages
        assert shared.has_change_permission(request_as(operator))


def test_an_administrator_cannot_add_staff_evidence_in_the_admin_but_the_operator_can(
        as_user, administrator, operator):
    assert as_user(administrator).get("/admin/evidence/addedstudy/add/").status_code == 403
    assert as_user(operator).get("/admin/evidence/addedstudy/add/").status_code == 200
    assert not AddedStudy.objects.exists()
