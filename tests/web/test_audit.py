"""The audit trail: every change keeps who, when and what; every patient page view is recorded."""

from django.urls import reverse

from orthoregen.web.audit.models import AccessAction, AccessRecord
from orthoregen.web.clinic.models import Patient


def patient_form(site, **changes):
    data = {"site": site.pk, "mrn": "A-0100", "family_name": "Curlew", "given_name": "Kit",
            "date_of_birth": "1958-02-11", "sex": "male", "email": "", "phone": "",
            "address": ""}
    return {**data, **changes}


def test_patient_view_leaves_an_access_record(as_user, clinician_a, patient_a):
    client = as_user(clinician_a)
    client.get(reverse("patient-detail", args=[patient_a.pk]), REMOTE_ADDR="10.1.2.3")
    record = AccessRecord.objects.get(patient=patient_a)
    assert record.user == clinician_a
    assert record.action == AccessAction.VIEW
    assert record.ip_address == "10.1.2.3"
    assert record.path == reverse("patient-detail", args=[patient_a.pk])


def test_search_leaves_an_access_record(as_user, clinician_a, patient_a):
    as_user(clinician_a).get(reverse("patient-list"), {"q": "Aard"})
    record = AccessRecord.objects.get(action=AccessAction.SEARCH)
    assert record.user == clinician_a and "Aard" in record.detail


def test_create_and_update_keep_who_and_what(as_user, coordinator_a, site_a):
    client = as_user(coordinator_a)
    client.post(reverse("patient-create"), patient_form(site_a))
    patient = Patient.objects.get(mrn="A-0100")
    client.post(reverse("patient-edit", args=[patient.pk]),
                patient_form(site_a, family_name="Curlew-Smith"))
    created, updated = patient.history.order_by("history_date")
    assert (created.history_type, created.history_user) == ("+", coordinator_a)
    assert (updated.history_type, updated.history_user) == ("~", coordinator_a)
    changes = updated.diff_against(created).changes
    assert [(c.field, c.old, c.new) for c in changes] == [
        ("family_name", "Curlew", "Curlew-Smith")]


def test_delete_is_kept_in_history(patient_a):
    encounter = patient_a.episodes.get().encounters.get()
    encounter_id = encounter.pk
    encounter.delete()
    assert encounter.history.model.objects.filter(id=encounter_id, history_type="-").exists()


def test_admin_can_browse_access_records_and_history(as_user, admin_a, clinician_a, patient_a):
    as_user(clinician_a).get(reverse("patient-detail", args=[patient_a.pk]))
    client = as_user(admin_a)
    admin_a.is_superuser = True
    admin_a.save()
    access_page = client.get("/admin/audit/accessrecord/").content.decode()
    assert "clinician_a" in access_page
    history_page = client.get("/admin/clinic/historicalpatient/")
    assert history_page.status_code == 200
    assert "AARDVARK, Ada (A-0001)" in history_page.content.decode()
