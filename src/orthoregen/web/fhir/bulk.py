"""Bulk export: one NDJSON file per resource type (the FHIR Bulk Data Access layout).

`write_export` is used by `orthoregen fhir export` and by the `$export` operation. Over HTTP
the job runs inside the kick-off request (the export is written before the 202 is sent);
the kick-off answers 202 with Content-Location naming the status URL, which answers 200 with
the manifest at once, and each file is then fetched by its URL (docs/fhir.md#bulk-export).
Jobs live in $ORTHOREGEN_DATA_DIR/fhir-export/<job id>/, readable only by the user who
started them.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Min
from django.http import FileResponse, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone

from orthoregen.instruments import instrument_ids
from orthoregen.web.accounts.access import scope
from orthoregen.web.accounts.roles import Action
from orthoregen.web.audit.models import AccessAction
from orthoregen.web.fhir import catalogue
from orthoregen.web.fhir.access import Call, FhirError, fhir_endpoint
from orthoregen.web.fhir.catalogue import EXPORT_ORDER, KINDS
from orthoregen.web.fhir.resources import Context, questionnaire

NDJSON = "application/fhir+ndjson"
JOB_ID = re.compile(r"^[0-9a-f]{32}$")
FILE_NAME = re.compile(r"^[A-Za-z]+\.ndjson$")


def deidentified_context() -> Context:
    """A context for one de-identified export: a fresh key and each joint's first injection."""
    from orthoregen.web.cellbank.models import ProcedureJoint
    from orthoregen.web.registry.deidentify import Deidentifier

    firsts = ProcedureJoint.objects.values("episode_id", "procedure__patient_id") \
        .annotate(first=Min("procedure__performed_on"))
    episode_first: dict[int, dt.date] = {}
    patient_first: dict[int, dt.date] = {}
    for row in firsts:
        episode_first[row["episode_id"]] = min(
            row["first"], episode_first.get(row["episode_id"], row["first"]))
        patient = row["procedure__patient_id"]
        patient_first[patient] = min(row["first"], patient_first.get(patient, row["first"]))
    return Context(deidentifier=Deidentifier.for_one_export(), episode_treated_on=episode_first,
                   patient_treated_on=patient_first)


def export_querysets(*, user: Any = None, site_code: str | None = None,
                     since: dt.datetime | None = None,
                     types: Iterable[str] = EXPORT_ORDER) -> dict[str, Any]:
    """The rows of each resource type to export: the user's sites (or all), one site, since."""
    out = {}
    for name in types:
        kind = KINDS[name]
        queryset = kind.queryset()
        if user is not None:
            queryset = scope(queryset, user)
        if site_code:
            site_path = kind.model_class().SITE_PATH  # type: ignore[attr-defined]
            queryset = queryset.filter(**{f"{site_path}__code": site_code})
        if since is not None:
            queryset = catalogue.with_last_updated(queryset).filter(last_updated__gte=since)
        out[name] = queryset
    return out


def write_export(directory: Path, querysets: dict[str, Any], ctx: Context, *,
                 questionnaires: bool = True,
                 progress: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Write one NDJSON file per resource type; return the count of resources in each."""
    directory.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for name, queryset in querysets.items():
        kind = KINDS[name]
        path = directory / f"{name}.ndjson"
        n = 0
        with path.open("w", encoding="utf-8") as handle:
            for row in catalogue.iterate(queryset):
                for resource in kind.resources(row, ctx):
                    handle.write(json.dumps(resource, separators=(",", ":")))
                    handle.write("\n")
                    n += 1
                if progress is not None:
                    progress(name, 1)
        counts[name] = n
    if questionnaires:
        path = directory / "Questionnaire.ndjson"
        ids = sorted(instrument_ids())
        with path.open("w", encoding="utf-8") as handle:
            for instrument_id in ids:
                handle.write(json.dumps(questionnaire(instrument_id, ctx),
                                        separators=(",", ":")) + "\n")
        counts["Questionnaire"] = len(ids)
    for name, n in list(counts.items()):
        if n == 0:
            (directory / f"{name}.ndjson").unlink()
    return counts


# ---------------------------------------------------------------------------- $export

def jobs_dir() -> Path:
    return Path(settings.DATA_DIR) / "fhir-export"


def _job(call: Call, job_id: str) -> tuple[Path, dict[str, Any]]:
    missing = FhirError(404, "not-found", "No such export job.")
    if not JOB_ID.match(job_id):
        raise missing
    directory = jobs_dir() / job_id
    try:
        job = json.loads((directory / "job.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise missing from None
    if job.get("user") != call.user.pk:
        raise missing  # another user's job is as good as absent
    return directory, job


def _moment(text: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise FhirError(400, "invalid", f"_since={text!r} is not an instant like "
                                        "2026-01-31T00:00:00Z.", expression="_since") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


@fhir_endpoint(Action.VIEW_PATIENT)
def kickoff(request: HttpRequest, call: Call) -> HttpResponse:
    """Start (and, here, finish) an export; answer 202 with the status URL."""
    if "respond-async" not in request.headers.get("Prefer", ""):
        raise FhirError(400, "invalid", "Send Prefer: respond-async to start an export.")
    output_format = request.GET.get("_outputFormat", NDJSON)
    if output_format not in (NDJSON, "application/ndjson", "ndjson"):
        raise FhirError(400, "not-supported", f"_outputFormat {output_format!r}: only NDJSON.")
    types = [t for value in request.GET.getlist("_type") for t in value.split(",") if t] \
        or list(EXPORT_ORDER)
    unknown = [t for t in types if t not in KINDS]
    if unknown:
        raise FhirError(400, "not-supported", f"_type {', '.join(unknown)}: not exported here.")
    for name in types:
        call.require_area(KINDS[name].area)
    since = _moment(request.GET["_since"]) if request.GET.get("_since") else None
    deidentify = request.GET.get("_deidentify", "false") == "true"
    job_id = secrets.token_hex(16)
    directory = jobs_dir() / job_id
    started = timezone.now()
    ctx = deidentified_context() if deidentify else Context()
    counts = write_export(directory, export_querysets(
        user=call.user, since=since, types=[t for t in EXPORT_ORDER if t in types]), ctx,
        questionnaires=False)
    job = {"user": call.user.pk, "transactionTime": started.isoformat(),
           "request": request.build_absolute_uri(), "counts": counts}
    (directory / "job.json").write_text(json.dumps(job), encoding="utf-8")
    call.action = AccessAction.EXPORT
    call.detail = f"$export job {job_id} {'de-identified ' if deidentify else ''}{counts}"
    response = HttpResponse(status=202)
    response["Content-Location"] = request.build_absolute_uri(
        reverse("fhir:export-status", args=[job_id]))
    return response


@fhir_endpoint(Action.VIEW_PATIENT)
def status(request: HttpRequest, call: Call, job_id: str) -> HttpResponse:
    """The finished job's manifest (GET), or delete the job's files (DELETE)."""
    directory, job = _job(call, job_id)
    if request.method == "DELETE":
        shutil.rmtree(directory, ignore_errors=True)
        call.detail = f"$export job {job_id} deleted"
        return HttpResponse(status=202)
    manifest = {
        "transactionTime": job["transactionTime"], "request": job["request"],
        "requiresAccessToken": True,
        "output": [{"type": name, "count": n, "url": request.build_absolute_uri(
            reverse("fhir:export-file", args=[job_id, f"{name}.ndjson"]))}
            for name, n in job["counts"].items() if n],
        "error": [],
    }
    call.detail = f"$export job {job_id} manifest"
    return HttpResponse(json.dumps(manifest), content_type="application/json")


@fhir_endpoint(Action.VIEW_PATIENT)
def file(request: HttpRequest, call: Call, job_id: str,
         file_name: str) -> HttpResponse | FileResponse:
    directory, _ = _job(call, job_id)
    path = directory / file_name
    if not FILE_NAME.match(file_name) or not path.is_file():
        raise FhirError(404, "not-found", "No such file in this export.")
    call.action = AccessAction.EXPORT
    call.detail = f"$export job {job_id} file {file_name}"
    return FileResponse(path.open("rb"), content_type=NDJSON)
