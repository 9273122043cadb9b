"""The study page, the reader's measures form and the upload page, by role and site."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from tests.web.imaging.conftest import mr_images

from orthoregen.web.audit.models import AccessAction, AccessRecord
from orthoregen.web.imaging import services
from orthoregen.web.imaging.models import MriStudy, StructuralMeasure

pytestmark = pytest.mark.django_db


@pytest.fixture
def study(tmp_path, site_a, mri_visit_a):
    instances, via = services.read_path(mr_images(tmp_path / "study"))
    [outcome] = services.ingest(instances, site=site_a, received_via=via)
    return outcome.study


def test_clinicians_and_coordinators_see_the_study_other_sites_and_analysts_do_not(
        as_user, study, clinician_a, coordinator_a, clinician_b, analyst_a):
    url = reverse("imaging:study", args=[study.pk])
    page = as_user(clinician_a).get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "PD FS SAG" in text and study.study_instance_uid in text and "6 months MRI" in text
    assert reverse("imaging:measure", args=[study.pk]) in text
    assert AccessRecord.objects.filter(user=clinician_a, patient=study.patient,
                                       action=AccessAction.VIEW).exists()
    page = as_user(coordinator_a).get(url)
    assert page.status_code == 200
    assert reverse("imaging:measure", args=[study.pk]) not in page.content.decode()
    assert as_user(clinician_b).get(url).status_code == 404
    assert as_user(analyst_a).get(url).status_code == 403


def test_the_patient_chart_links_to_the_study(as_user, study, clinician_a):
    page = as_user(clinician_a).get(reverse("patient-detail", args=[study.patient_id]))
    assert reverse("imaging:study", args=[study.pk]) in page.content.decode()


def measure(client, study, **data):
    return client.post(reverse("imaging:measure", args=[study.pk]),
                       {"region": "mftc", "measure": "cartilage_thickness_mm", "value": "2.4",
                        "reason": "", **data})


def test_a_clinician_records_a_measure_and_corrects_it_only_with_a_reason(
        as_user, study, clinician_a):
    client = as_user(clinician_a)
    assert measure(client, study).status_code == 302
    row = StructuralMeasure.objects.get()
    assert str(row.value) == "2.40" and row.read_by == clinician_a
    refused = measure(client, study, value="2.1")
    assert refused.status_code == 200 and "give a reason to correct it" in refused.content.decode()
    reason = "re-measured on the sagittal PD"
    assert measure(client, study, value="2.1", reason=reason).status_code == 302
    row.refresh_from_db()
    assert str(row.value) == "2.10" and row.correction_reason == "re-measured on the sagittal PD"
    assert [str(h.value) for h in row.history.order_by("history_date")] == ["2.40", "2.10"]


@pytest.mark.parametrize(("data", "error"), [
    # WORMS cartilage: 0, 1, 2, 2.5, 3-6 (Peterfy 2004).
    ({"region": "t_mc", "measure": "worms_cartilage", "value": "7"}, "takes only 0, 1, 2, 2.5"),
    ({"region": "t_mc", "measure": "worms_cartilage", "value": "1.5"}, "takes only"),
    # MOAKS BML size 0-3 (Hunter 2011).
    ({"region": "f_mc", "measure": "moaks_bml_size", "value": "4"}, "takes only 0, 1, 2, 3"),
    ({"region": "mftc", "measure": "cartilage_thickness_mm", "value": "14"},
     "must be between 0 and 10"),
    ({"region": "mftc", "measure": "cartilage_volume_mm3", "value": "-5"}, "between 0 and 25000"),
    ({"region": "mftc", "measure": "moaks_osteophyte", "value": "1"}, "is not read in"),
    ({"region": "menisc_m", "measure": "worms_meniscus", "value": "abc"}, "Enter a number"),
])
def test_implausible_or_out_of_scale_values_are_refused(as_user, study, clinician_a, data,
                                                        error):
    page = measure(as_user(clinician_a), study, **data)
    assert page.status_code == 200 and error in page.content.decode()
    assert not StructuralMeasure.objects.exists()


def test_a_worms_half_grade_and_a_meniscus_grade_are_accepted(as_user, study, clinician_a):
    client = as_user(clinician_a)
    assert measure(client, study, region="t_mc", measure="worms_cartilage",
                   value="2.5").status_code == 302
    assert measure(client, study, region="menisc_m", measure="worms_meniscus",
                   value="4").status_code == 302
    assert StructuralMeasure.objects.count() == 2


def test_only_clinicians_record_measures(as_user, study, coordinator_a, clinician_b):
    assert measure(as_user(coordinator_a), study).status_code == 403
    assert measure(as_user(clinician_b), study).status_code == 404
    assert not StructuralMeasure.objects.exists()


def files_of(folder):
    return [SimpleUploadedFile(p.name, p.read_bytes(), "application/dicom")
            for p in sorted(folder.iterdir())]


def test_a_coordinator_uploads_a_study(as_user, tmp_path, site_a, mri_visit_a, coordinator_a):
    response = as_user(coordinator_a).post(reverse("imaging:upload"), {
        "site": site_a.pk, "images": files_of(mr_images(tmp_path / "study"))})
    study = MriStudy.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("imaging:study", args=[study.pk])
    assert study.received_by == coordinator_a and study.received_via == "upload"


def test_an_upload_of_an_unknown_patient_or_a_zip_slip_stores_nothing(
        as_user, tmp_path, site_a, mri_visit_a, coordinator_a):
    client = as_user(coordinator_a)
    page = client.post(reverse("imaging:upload"), {
        "site": site_a.pk, "images": files_of(mr_images(tmp_path / "s", PatientID="X-9"))})
    assert page.status_code == 200
    assert "Study refused, nothing stored. Unknown patient" in page.content.decode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../../etc/cron.d/evil", b"x")
    page = client.post(reverse("imaging:upload"), {
        "site": site_a.pk, "images": [SimpleUploadedFile("s.zip", buffer.getvalue())]})
    assert page.status_code == 200 and "has an unsafe path" in page.content.decode()
    page = client.post(reverse("imaging:upload"), {
        "site": site_a.pk, "images": [SimpleUploadedFile("notes.txt", b"hello")]})
    assert page.status_code == 200 and "notes.txt is not a DICOM file" in page.content.decode()
    assert not MriStudy.objects.exists()


def test_the_upload_refuses_other_roles_and_other_sites(as_user, tmp_path, site_a, site_b,
                                                        mri_visit_a, lab_a, clinician_b):
    assert as_user(lab_a).get(reverse("imaging:upload")).status_code == 403
    page = as_user(clinician_b).post(reverse("imaging:upload"), {
        "site": site_a.pk, "images": files_of(mr_images(tmp_path / "study"))})
    assert page.status_code == 200 and "Select a valid choice" in page.content.decode()
    assert not MriStudy.objects.exists()
