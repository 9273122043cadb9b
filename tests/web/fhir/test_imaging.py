"""MRI studies as FHIR ImagingStudy: valid, the DICOM Study Instance UID as urn:oid, the joint
in SNOMED CT, another site's studies invisible, and in the bulk export with references resolved."""

import datetime as dt
import json

import pytest
from fhir.resources.R4B.imagingstudy import ImagingStudy

from orthoregen.web.followup.models import ScheduledVisit
from orthoregen.web.imaging.models import MriStudy

from .conftest import export_folder, read_ndjson

pytestmark = pytest.mark.django_db
UID = "1.2.826.0.1.3680043.8.498.12345"


@pytest.fixture
def study(cohort):
    visit = ScheduledVisit.objects.filter(schedule__episode__patient__site=cohort) \
        .select_related("schedule__episode").order_by("pk").first()
    episode = visit.schedule.episode
    return MriStudy.objects.create(
        patient=episode.patient, episode=episode, visit=visit, study_instance_uid=UID,
        modality="MR", series=[{"uid": UID + ".1", "number": 1, "description": "PD FS sag",
                                "instances": 30}],
        study_date=dt.date(2025, 1, 5), instances=30, received_via="upload")


def test_an_mri_study_reads_as_a_valid_imaging_study(as_user, clinician_a, clinician_b, study):
    response = as_user(clinician_a).get(f"/fhir/r4/ImagingStudy?patient={study.patient_id}")
    entry = json.loads(response.content)["entry"][0]["resource"]
    ImagingStudy.model_validate(entry)
    assert entry["identifier"] == [{"system": "urn:dicom:uid", "value": f"urn:oid:{UID}"}]
    joint = {"knee": "49076000", "hip": "24136001", "shoulder": "85537004"}[study.episode.joint]
    assert entry["series"][0]["bodySite"]["code"] == joint
    other = as_user(clinician_b).get(f"/fhir/r4/ImagingStudy/{study.pk}")
    assert other.status_code == 404


def test_the_export_holds_the_study_and_its_references_resolve(study, tmp_path):
    exported = read_ndjson(export_folder(tmp_path))
    (resource,) = exported["ImagingStudy"]
    present = {f"{name}/{r['id']}" for name, rs in exported.items() for r in rs}
    assert resource["subject"]["reference"] in present
    assert resource["reasonReference"][0]["reference"] in present
