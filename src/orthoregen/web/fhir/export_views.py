"""The $export operation over HTTP (HL7 FHIR Bulk Data Access IG v2.0.0, "Bulk Data Export
Operation Request Flow"): kick-off, status, files, cancel.

The kick-off answers 202 with Content-Location naming the status URL and only queues the job
(web/fhir/jobs.py writes it outside the request). The status URL answers 202 with X-Progress
while the job waits or runs, 200 with the manifest once done, and DELETE cancels the job and
deletes its files. Only the user who started a job can see it or its files, and only while
they still hold every site it covers; anyone else gets the 404 of a job that does not exist.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse
from django.urls import reverse

from orthoregen.web.accounts.roles import Action
from orthoregen.web.audit.models import AccessAction
from orthoregen.web.fhir.access import Call, FhirError, fhir_endpoint
from orthoregen.web.fhir.bulk import NDJSON
from orthoregen.web.fhir.catalogue import KINDS
from orthoregen.web.fhir.jobs import export_job_cancel, export_job_start, job_dir, visible_job
from orthoregen.web.fhir.models import ExportJob, ExportState

FILE_NAME = re.compile(r"^[A-Za-z]+\.ndjson$")
NDJSON_FORMATS = (NDJSON, "application/ndjson", "ndjson")
# Kick-off parameters of the IG this server does not support: refused, never ignored, since a
# client that sent _typeFilter or patient would otherwise take a whole export for a filtered one.
KNOWN = {"_outputFormat", "_since", "_type", "_deidentify"}
RETRY_AFTER_SECONDS = "5"


def _moment(text: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise FhirError(400, "invalid", f"_since={text!r} is not an instant like "
                                        "2026-01-31T00:00:00Z.", expression="_since") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _types(request: HttpRequest) -> list[str]:
    types = [t.strip() for value in request.GET.getlist("_type") for t in value.split(",")
             if t.strip()] or list(KINDS)
    unknown = [t for t in types if t not in KINDS]
    if unknown:
        raise FhirError(400, "not-supported", f"_type {', '.join(unknown)}: not exported "
                        f"here (exported: {', '.join(sorted(KINDS))}).", expression="_type")
    return types


def _kickoff_parameters(request: HttpRequest) -> tuple[list[str], dt.datetime | None, bool]:
    if request.method != "GET":
        raise FhirError(405, "not-supported", "Start an export with GET and "
                                              "Prefer: respond-async.")
    if "respond-async" not in request.headers.get("Prefer", ""):
        raise FhirError(400, "invalid", "Send Prefer: respond-async to start an export.")
    unsupported = sorted(set(request.GET) - KNOWN)
    if unsupported:
        raise FhirError(400, "not-supported", f"{', '.join(unsupported)}: not supported by "
                        "this server's $export (supported: _type, _since, _outputFormat, "
                        "_deidentify).", expression=unsupported[0])
    output_format = request.GET.get("_outputFormat", NDJSON)
    if output_format not in NDJSON_FORMATS:
        raise FhirError(400, "not-supported", f"_outputFormat {output_format!r}: only NDJSON.",
                        expression="_outputFormat")
    deidentify = request.GET.get("_deidentify", "false")
    if deidentify not in ("true", "false"):
        raise FhirError(400, "invalid", "_deidentify is true or false.",
                        expression="_deidentify")
    since = _moment(request.GET["_since"]) if request.GET.get("_since") else None
    return _types(request), since, deidentify == "true"


@fhir_endpoint(Action.VIEW_PATIENT)
def kickoff(request: HttpRequest, call: Call) -> HttpResponse:
    """Queue an export of the caller's sites; answer 202 with the status URL."""
    types, since, deidentify = _kickoff_parameters(request)
    for name in types:
        call.require_area(KINDS[name].area)
    job = export_job_start(requester=call.user, request_url=request.build_absolute_uri(),
                           types=types, since=since, deidentify=deidentify)
    call.action = AccessAction.EXPORT
    call.detail = (f"$export job {job.public_id} queued {'de-identified ' if deidentify else ''}"
                   f"types={','.join(job.types)} since={since}")
    response = HttpResponse(status=202)
    response["Content-Location"] = request.build_absolute_uri(
        reverse("fhir:export-status", args=[job.public_id]))
    return response


def _job(call: Call, job_id: str) -> ExportJob:
    job = visible_job(call.user, job_id) if len(job_id) == 32 else None
    if job is None:
        raise FhirError(404, "not-found", "No such export job.")
    return job


def _file_url(request: HttpRequest, job: ExportJob, name: str) -> str:
    return request.build_absolute_uri(
        reverse("fhir:export-file", args=[job.public_id, f"{name}.ndjson"]))


def manifest(request: HttpRequest, job: ExportJob) -> dict[str, Any]:
    """The completion manifest (IG v2.0.0, "Response - Complete Status")."""
    assert job.started_at is not None
    errors = [{"type": "OperationOutcome", "url": _file_url(request, job, "OperationOutcome")}] \
        if job.state == ExportState.FAILED else []
    return {"transactionTime": job.started_at.isoformat(), "request": job.request_url,
            "requiresAccessToken": True,
            "output": [{"type": f["type"], "count": f["count"],
                        "url": _file_url(request, job, f["type"])} for f in job.files],
            "error": errors}


@fhir_endpoint(Action.VIEW_PATIENT)
def status(request: HttpRequest, call: Call, job_id: str) -> HttpResponse:
    """202 with X-Progress while the job waits or runs; 200 with the manifest; DELETE cancels."""
    job = _job(call, job_id)
    if request.method == "DELETE":
        export_job_cancel(job)
        call.detail = f"$export job {job.public_id} cancelled, files deleted"
        return HttpResponse(status=202)
    if request.method not in ("GET", "HEAD"):
        raise FhirError(405, "not-supported", "GET the status, or DELETE to cancel.")
    call.detail = f"$export job {job.public_id} status: {job.state}"
    if job.state in (ExportState.QUEUED, ExportState.RUNNING):
        response = HttpResponse(status=202)
        response["X-Progress"] = job.progress or job.get_state_display()
        response["Retry-After"] = RETRY_AFTER_SECONDS
        return response
    return HttpResponse(json.dumps(manifest(request, job)), content_type="application/json")


@fhir_endpoint(Action.VIEW_PATIENT)
def file(request: HttpRequest, call: Call, job_id: str,
         file_name: str) -> HttpResponse | FileResponse:
    """One output file of a finished job, to its requester only."""
    job = _job(call, job_id)
    names = {f"{f['type']}.ndjson" for f in job.files}
    if job.state == ExportState.FAILED:
        names.add("OperationOutcome.ndjson")
    path = job_dir(job) / file_name
    if not FILE_NAME.match(file_name) or file_name not in names or not path.is_file():
        raise FhirError(404, "not-found", "No such file in this export.")
    call.action = AccessAction.EXPORT
    call.detail = f"$export job {job.public_id} file {file_name}"
    return FileResponse(path.open("rb"), content_type=NDJSON)
