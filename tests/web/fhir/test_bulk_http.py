"""The $export operation (FHIR Bulk Data Access): kick-off 202 with Content-Location, the
status URL's manifest, the NDJSON files; a job is its starter's alone."""

import json

import pytest
from fhir.resources.R4B.observation import Observation

from orthoregen.web.audit.models import AccessAction, AccessRecord

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path


def test_kick_off_status_and_files(as_user, clinician_a, scored_patient):
    client = as_user(clinician_a)
    kick = client.get("/fhir/r4/$export", HTTP_PREFER="respond-async",
                      HTTP_ACCEPT="application/fhir+json")
    assert kick.status_code == 202
    status_url = kick["Content-Location"].split("testserver")[1]
    manifest = json.loads(client.get(status_url).content)
    assert manifest["requiresAccessToken"] is True
    files = {o["type"]: o for o in manifest["output"]}
    assert files["Patient"]["count"] == 1 and files["Observation"]["count"] == 5
    response = client.get(files["Observation"]["url"].split("testserver")[1])
    assert response["Content-Type"] == "application/fhir+ndjson"
    lines = b"".join(response.streaming_content).decode().splitlines()
    for line in lines:
        Observation.model_validate(json.loads(line))
    assert AccessRecord.objects.filter(action=AccessAction.EXPORT, user=clinician_a).count() >= 2
    assert client.delete(status_url).status_code == 202
    assert client.get(status_url).status_code == 404


def test_another_user_cannot_read_the_job(as_user, clinician_a, coordinator_a, scored_patient):
    kick = as_user(clinician_a).get("/fhir/r4/$export", HTTP_PREFER="respond-async")
    status_url = kick["Content-Location"].split("testserver")[1]
    assert as_user(coordinator_a).get(status_url).status_code == 404


def test_the_export_of_another_site_holds_none_of_this_sites_patients(as_user, clinician_b,
                                                                       scored_patient):
    client = as_user(clinician_b)
    kick = client.get("/fhir/r4/$export", HTTP_PREFER="respond-async")
    manifest = json.loads(client.get(kick["Content-Location"].split("testserver")[1]).content)
    assert manifest["output"] == []


@pytest.mark.parametrize(("query", "headers"), [
    ("", {}),  # no Prefer: respond-async
    ("?_type=Medication", {"HTTP_PREFER": "respond-async"}),
    ("?_since=yesterday", {"HTTP_PREFER": "respond-async"}),
    ("?_outputFormat=text/csv", {"HTTP_PREFER": "respond-async"}),
])
def test_bad_kick_offs_get_400(as_user, clinician_a, query, headers):
    response = as_user(clinician_a).get(f"/fhir/r4/$export{query}", **headers)
    assert response.status_code == 400
    assert json.loads(response.content)["resourceType"] == "OperationOutcome"


def test_a_job_id_that_is_not_one_is_404(as_user, clinician_a):
    client = as_user(clinician_a)
    assert client.get("/fhir/r4/bulk/../../etc").status_code == 404
    assert client.get("/fhir/r4/bulk/" + "0" * 32).status_code == 404
