"""The $export operation (FHIR Bulk Data Access IG v2.0.0): the kick-off queues a job and
answers 202 with Content-Location; the status answers 202 with X-Progress until the worker
has run, then 200 with the manifest; the files and the job are their starter's alone, within
their sites; DELETE cancels. The worker runs synchronously here (export_jobs_run)."""

import json
import threading

import pytest
from fhir.resources.R4B.observation import Observation

from orthoregen.cli import main
from orthoregen.web.audit.models import AccessAction, AccessRecord
from orthoregen.web.fhir import jobs
from orthoregen.web.fhir.jobs import export_jobs_run
from orthoregen.web.fhir.models import ExportJob, ExportState

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.FHIR_EXPORT_THREAD = False


def local(url):
    return url.split("testserver", 1)[1]


def kick_off(client, query=""):
    response = client.get(f"/fhir/r4/$export{query}", HTTP_PREFER="respond-async",
                          HTTP_ACCEPT="application/fhir+json")
    assert response.status_code == 202, response.content
    return local(response["Content-Location"])


def test_kick_off_waits_for_the_worker_then_serves_the_manifest_and_files(
        as_user, clinician_a, scored_patient, site_a):
    client = as_user(clinician_a)
    status_url = kick_off(client, "?_type=Patient,Observation")
    job = ExportJob.objects.get()
    assert job.requester == clinician_a and job.state == ExportState.QUEUED
    assert list(job.sites.all()) == [site_a] and job.types == ["Patient", "Observation"]
    waiting = client.get(status_url)
    assert waiting.status_code == 202 and waiting["X-Progress"] == "Waiting for the export worker"
    assert not (jobs.job_dir(job)).exists()  # nothing was written inside the request

    assert export_jobs_run() == 1
    done = client.get(status_url)
    assert done.status_code == 200
    manifest = json.loads(done.content)
    assert set(manifest) == {"transactionTime", "request", "requiresAccessToken", "output",
                             "error"}
    assert manifest["requiresAccessToken"] is True and manifest["error"] == []
    assert manifest["request"].endswith("$export?_type=Patient,Observation")
    files = {o["type"]: o for o in manifest["output"]}
    assert set(files) == {"Patient", "Observation"}
    assert files["Patient"]["count"] == 1 and files["Observation"]["count"] == 5
    response = client.get(local(files["Observation"]["url"]))
    assert response["Content-Type"] == "application/fhir+ndjson"
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert len(lines) == 5
    for line in lines:
        Observation.model_validate(json.loads(line))
    trail = AccessRecord.objects.filter(action=AccessAction.EXPORT, user=clinician_a)
    assert {r.path for r in trail} >= {"/fhir/r4/$export?_type=Patient,Observation",
                                       "fhir $export worker", local(files["Observation"]["url"])}
    assert export_jobs_run() == 0  # a finished job is not run again


def test_delete_cancels_a_queued_job_and_the_worker_skips_it(as_user, clinician_a,
                                                             scored_patient):
    client = as_user(clinician_a)
    status_url = kick_off(client)
    assert client.delete(status_url).status_code == 202
    assert export_jobs_run() == 0
    job = ExportJob.objects.get()
    assert job.state == ExportState.CANCELLED  # the row stays, as the record of the request
    assert not jobs.job_dir(job).exists()
    assert client.get(status_url).status_code == 404


def test_delete_after_the_export_removes_the_files(as_user, clinician_a, scored_patient):
    client = as_user(clinician_a)
    status_url = kick_off(client)
    export_jobs_run()
    file_url = local(json.loads(client.get(status_url).content)["output"][0]["url"])
    assert client.delete(status_url).status_code == 202
    assert not jobs.job_dir(ExportJob.objects.get()).exists()
    assert client.get(file_url).status_code == 404


def test_a_cancel_while_running_stops_the_worker(as_user, clinician_a, scored_patient,
                                                 monkeypatch):
    client = as_user(clinician_a)
    status_url = kick_off(client)
    real_beat = jobs._beat

    def cancel_then_beat(job, progress):
        client.delete(status_url)
        real_beat(job, progress)
    monkeypatch.setattr(jobs, "_beat", cancel_then_beat)
    assert export_jobs_run() == 1
    job = ExportJob.objects.get()
    assert job.state == ExportState.CANCELLED and not jobs.job_dir(job).exists()


def test_another_user_cannot_read_the_job_or_its_files(as_user, clinician_a, coordinator_a,
                                                       clinician_b, scored_patient):
    status_url = kick_off(as_user(clinician_a))
    export_jobs_run()
    file_url = status_url + "/Patient.ndjson"
    for other in (coordinator_a, clinician_b):
        client = as_user(other)
        assert client.get(status_url).status_code == 404
        assert client.get(file_url).status_code == 404
        assert client.delete(status_url).status_code == 404
    assert as_user(clinician_a).get(file_url).status_code == 200
    assert ExportJob.objects.get().state == ExportState.DONE


def test_a_requester_who_lost_a_site_loses_the_files(as_user, clinician_a, scored_patient,
                                                     site_a, site_b):
    client = as_user(clinician_a)
    status_url = kick_off(client)
    export_jobs_run()
    clinician_a.sites.set([site_b])
    assert client.get(status_url).status_code == 404
    assert client.get(status_url + "/Patient.ndjson").status_code == 404


def test_the_export_of_another_site_holds_none_of_this_sites_patients(as_user, clinician_b,
                                                                       scored_patient):
    client = as_user(clinician_b)
    status_url = kick_off(client)
    export_jobs_run()
    assert json.loads(client.get(status_url).content)["output"] == []


def test_a_failed_job_reports_an_error_file_and_keeps_no_partial_output(
        as_user, clinician_a, scored_patient, monkeypatch):
    client = as_user(clinician_a)
    status_url = kick_off(client)

    def broken(*args, **kwargs):
        raise OSError("disk full")
    monkeypatch.setattr(jobs, "write_export", broken)
    export_jobs_run()
    response = client.get(status_url)
    assert response.status_code == 200
    manifest = json.loads(response.content)
    assert manifest["output"] == [] and manifest["error"][0]["type"] == "OperationOutcome"
    error = b"".join(client.get(local(manifest["error"][0]["url"])).streaming_content)
    assert json.loads(error)["issue"][0]["severity"] == "fatal"


def test_the_kick_off_starts_a_thread_when_settings_allow(
        as_user, clinician_a, scored_patient, settings, monkeypatch,
        django_capture_on_commit_callbacks):
    settings.FHIR_EXPORT_THREAD = True
    started = []

    class Inline(threading.Thread):
        def start(self):  # run where the test can see it, but through the same target
            started.append(self.name)
            self.run()
    monkeypatch.setattr(jobs.threading, "Thread", Inline)
    # The thread closes its own connection when done; inline, that is the test's connection.
    monkeypatch.setattr(jobs, "connection", type("Kept", (), {"close": lambda self: None})())
    client = as_user(clinician_a)
    with django_capture_on_commit_callbacks(execute=True):
        status_url = kick_off(client)
    assert started and client.get(status_url).status_code == 200


def test_the_work_command_runs_the_queue(as_user, clinician_a, scored_patient, capsys):
    status_url = kick_off(as_user(clinician_a))
    assert main(["fhir", "work"]) == 0
    assert "Ran 1 FHIR export job." in capsys.readouterr().out
    assert as_user(clinician_a).get(status_url).status_code == 200


@pytest.mark.parametrize(("query", "headers", "named"), [
    ("", {}, None),  # no Prefer: respond-async
    ("?_type=Medication", {"HTTP_PREFER": "respond-async"}, "_type"),
    ("?_since=yesterday", {"HTTP_PREFER": "respond-async"}, "_since"),
    ("?_outputFormat=text/csv", {"HTTP_PREFER": "respond-async"}, "_outputFormat"),
    ("?_typeFilter=Observation%3Fcode%3Dx", {"HTTP_PREFER": "respond-async"}, "_typeFilter"),
    ("?_elements=id", {"HTTP_PREFER": "respond-async"}, "_elements"),
    ("?patient=Patient/1", {"HTTP_PREFER": "respond-async"}, "patient"),
    ("?includeAssociatedData=LatestProvenanceResources", {"HTTP_PREFER": "respond-async"},
     "includeAssociatedData"),
    ("?_deidentify=yes", {"HTTP_PREFER": "respond-async"}, "_deidentify"),
])
def test_bad_or_unsupported_kick_offs_get_400_and_queue_nothing(as_user, clinician_a, query,
                                                                headers, named):
    response = as_user(clinician_a).get(f"/fhir/r4/$export{query}", **headers)
    assert response.status_code == 400
    outcome = json.loads(response.content)
    assert outcome["resourceType"] == "OperationOutcome"
    if named:
        assert outcome["issue"][0]["expression"] == [named]
    assert not ExportJob.objects.exists()


def test_a_job_id_that_is_not_one_is_404(as_user, clinician_a):
    client = as_user(clinician_a)
    assert client.get("/fhir/r4/bulk/../../etc").status_code == 404
    assert client.get("/fhir/r4/bulk/" + "0" * 32).status_code == 404


def test_a_role_that_may_not_read_patients_cannot_export(as_user, analyst_a):
    response = as_user(analyst_a).get("/fhir/r4/$export", HTTP_PREFER="respond-async")
    assert response.status_code == 403 and not ExportJob.objects.exists()
