"""The upload page: only roles with IMPORT_DATA, only the user's own sites."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from orthoregen.web.audit.models import AccessAction, AccessRecord
from orthoregen.web.clinic.models import Patient
from orthoregen.web.imports.layouts import LAYOUTS
from orthoregen.web.imports.models import ImportRun

HEADER = [c.name for c in LAYOUTS["patients"]]


def patients_file(make_csv, name="patients.csv", mrn="M-1"):
    data = make_csv(HEADER, [["old-emr", "P1", mrn, "Lovelace", "Ada", "1960-05-17", "female",
                              "", "", ""]])
    return SimpleUploadedFile(name, data, content_type="text/csv")


@pytest.mark.parametrize("who", ["clinician_a", "lab_a", "analyst_a"])
def test_roles_without_the_action_are_refused(request, who, as_user, site_a, make_csv):
    client = as_user(request.getfixturevalue(who))
    assert client.get(reverse("imports:upload")).status_code == 403
    response = client.post(reverse("imports:upload"), {
        "kind": "patients", "site": site_a.pk, "file": patients_file(make_csv)})
    assert response.status_code == 403
    assert client.get(reverse("imports:template", args=["patients"])).status_code == 403
    assert not Patient.objects.exists()
    assert AccessRecord.objects.filter(action=AccessAction.DENIED).count() == 3


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(reverse("imports:upload"))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_another_site_is_refused(as_user, coordinator_a, site_b, make_csv):
    client = as_user(coordinator_a)
    response = client.post(reverse("imports:upload"), {
        "kind": "patients", "site": site_b.pk, "file": patients_file(make_csv)})
    assert response.status_code == 400
    assert "site" in response.context["form"].errors
    assert not Patient.objects.exists() and not ImportRun.objects.exists()


@pytest.mark.parametrize("who", ["coordinator_a", "admin_a"])
def test_dry_run_then_import(request, who, as_user, site_a, make_csv):
    user = request.getfixturevalue(who)
    client = as_user(user)
    page = client.get(reverse("imports:upload"))
    assert page.status_code == 200 and b"source_system" in page.content
    dry = client.post(reverse("imports:upload"), {
        "kind": "patients", "site": site_a.pk, "file": patients_file(make_csv),
        "dry_run": "on"})
    assert dry.status_code == 200 and b"Dry run: no problems" in dry.content
    assert not Patient.objects.exists()
    real = client.post(reverse("imports:upload"), {
        "kind": "patients", "site": site_a.pk, "file": patients_file(make_csv)})
    assert real.status_code == 200 and b"Imported" in real.content
    assert Patient.objects.get().mrn == "M-1"
    record = AccessRecord.objects.get(action=AccessAction.BULK_LOAD)
    assert record.user == user and ImportRun.objects.get().sha256 in record.detail


def test_a_file_with_problems_is_a_422_listing_rows(as_user, coordinator_a, site_a, make_csv):
    client = as_user(coordinator_a)
    response = client.post(reverse("imports:upload"), {
        "kind": "patients", "site": site_a.pk, "file": patients_file(make_csv, mrn="")})
    assert response.status_code == 422
    assert response.context["problems"][0].row == 2
    assert response.context["problems"][0].column == "mrn"
    assert not Patient.objects.exists()


def test_templates_download_per_kind(as_user, admin_a):
    client = as_user(admin_a)
    for kind in LAYOUTS:
        response = client.get(reverse("imports:template", args=[kind]))
        assert response.status_code == 200 and response["Content-Type"] == "text/csv"
        assert response.content.decode().startswith("source_system,source_id,")
    hoos = client.get(reverse("imports:template", args=["responses"]) + "?instrument=hoos")
    assert b",P10," in hoos.content
    assert client.get(reverse("imports:template", args=["nope"])).status_code == 404
    assert client.get(reverse("imports:template", args=["responses"])
                      + "?instrument=nope").status_code == 400
