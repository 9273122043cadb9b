"""$export jobs: start one, run the queue, cancel one (docs/fhir.md#bulk-export-over-http).

A job is written outside the request that asked for it: `export_jobs_run` is the worker
(`orthoregen fhir work` runs it; tests call it directly), and `export_job_start` may also
start it in a thread of the web process once the kick-off commits, when
settings.FHIR_EXPORT_THREAD is true. Either way the job is claimed by one conditional update
(queued -> running), so a thread and a worker never write the same job twice.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
import shutil
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from orthoregen.web.audit.models import AccessAction, AccessRecord
from orthoregen.web.fhir.bulk import (
    deidentified_context,
    export_querysets,
    jobs_dir,
    write_export,
)
from orthoregen.web.fhir.catalogue import EXPORT_ORDER
from orthoregen.web.fhir.models import ExportJob, ExportState
from orthoregen.web.fhir.resources import Context

if TYPE_CHECKING:
    from orthoregen.web.accounts.models import User

LOG = logging.getLogger(__name__)
# A running job whose worker has not written a heartbeat for this long died with its process
# (a recycled web worker, a killed command): the next worker run starts it again.
STALE_AFTER = dt.timedelta(minutes=30)
HEARTBEAT_SECONDS = 2.0


class _Cancelled(Exception):
    """The requester deleted the job while it ran."""


def job_dir(job: ExportJob) -> Path:
    return jobs_dir() / job.public_id


@transaction.atomic
def export_job_start(*, requester: User, request_url: str, types: Iterable[str],
                     since: dt.datetime | None, deidentify: bool) -> ExportJob:
    """Queue an export of the requester's sites; start it in a thread if settings allow."""
    job = ExportJob.objects.create(
        public_id=secrets.token_hex(16), requester=requester, request_url=request_url[:2000],
        since=since, types=[t for t in EXPORT_ORDER if t in set(types)],
        deidentify=deidentify, progress="Waiting for the export worker")
    job.sites.set(requester.sites.all())
    if settings.FHIR_EXPORT_THREAD:
        transaction.on_commit(lambda: _thread(job.pk).start())
    return job


def _thread(job_pk: int) -> threading.Thread:
    return threading.Thread(target=_run_in_thread, args=(job_pk,), daemon=True,
                            name=f"fhir-export-{job_pk}")


def _run_in_thread(job_pk: int) -> None:
    try:
        export_job_run(job_pk)
    finally:
        connection.close()  # the thread's own connection; Django closes only the request's


def export_jobs_run() -> int:
    """Run every queued job (and restart stale ones) until none is left; return how many."""
    stale = timezone.now() - STALE_AFTER
    ExportJob.objects.filter(state=ExportState.RUNNING, heartbeat_at__lt=stale) \
        .update(state=ExportState.QUEUED, progress="Restarted: its worker stopped")
    done = 0
    while True:
        next_pk = ExportJob.objects.filter(state=ExportState.QUEUED) \
            .order_by("created_at").values_list("pk", flat=True).first()
        if next_pk is None:
            return done
        if export_job_run(next_pk):
            done += 1


def _claim(job_pk: int) -> bool:
    now = timezone.now()
    return ExportJob.objects.filter(pk=job_pk, state=ExportState.QUEUED).update(
        state=ExportState.RUNNING, started_at=now, heartbeat_at=now,
        progress="Starting") == 1


def export_job_run(job_pk: int) -> bool:
    """Write one queued job's files; return False if another worker had it or it was gone."""
    if not _claim(job_pk):
        return False
    job = ExportJob.objects.select_related("requester").get(pk=job_pk)
    directory = job_dir(job)
    try:
        counts = _write(job, directory)
    except _Cancelled:
        shutil.rmtree(directory, ignore_errors=True)
        return True
    except Exception as error:  # noqa: BLE001 - any failure is reported in the manifest
        LOG.exception("FHIR export job %s failed", job.public_id)
        _fail(job, directory, error)
        return True
    files = [{"type": name, "count": n} for name, n in counts.items() if n]
    finished = ExportJob.objects.filter(pk=job.pk, state=ExportState.RUNNING).update(
        state=ExportState.DONE, files=files, finished_at=timezone.now(),
        progress="Files ready")
    if not finished:  # cancelled between the last check and now
        shutil.rmtree(directory, ignore_errors=True)
        return True
    AccessRecord.objects.create(
        user=job.requester, action=AccessAction.EXPORT, path="fhir $export worker",
        detail=f"FHIR $export job {job.public_id} written "
               f"{'de-identified ' if job.deidentify else ''}{counts}"[:500])
    return True


def _write(job: ExportJob, directory: Path) -> dict[str, int]:
    assert job.started_at is not None
    querysets = export_querysets(user=job.requester, since=job.since, types=job.types,
                                 site_ids=list(job.sites.values_list("pk", flat=True)))
    ctx = deidentified_context() if job.deidentify else Context()
    counts: dict[str, int] = {}
    last_beat = time.monotonic()
    rows = 0
    for number, (name, queryset) in enumerate(querysets.items(), start=1):
        label = f"{name} ({number} of {len(querysets)} resource types)"
        _beat(job, label)

        def progress(_name: str, n: int, label: str = label) -> None:
            nonlocal last_beat, rows
            rows += n
            if time.monotonic() - last_beat >= HEARTBEAT_SECONDS:
                last_beat = time.monotonic()
                _beat(job, f"{label}, {rows} records read")
        counts.update(write_export(directory, {name: queryset}, ctx, questionnaires=False,
                                   progress=progress))
    return counts


def _beat(job: ExportJob, progress: str) -> None:
    """Write the progress and heartbeat, and stop if the requester cancelled the job."""
    if not ExportJob.objects.filter(pk=job.pk, state=ExportState.RUNNING).update(
            progress=progress[:200], heartbeat_at=timezone.now()):
        raise _Cancelled


def _fail(job: ExportJob, directory: Path, error: Exception) -> None:
    # Partial files are removed: a client must not take half an export for the whole one.
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True, exist_ok=True)
    message = f"The export stopped: {type(error).__name__}. Nothing was kept; start it again."
    issue = {"resourceType": "OperationOutcome", "issue": [{
        "severity": "fatal", "code": "exception", "diagnostics": message,
        "details": {"text": message}}]}
    (directory / "OperationOutcome.ndjson").write_text(json.dumps(issue) + "\n",
                                                       encoding="utf-8")
    ExportJob.objects.filter(pk=job.pk, state=ExportState.RUNNING).update(
        state=ExportState.FAILED, error=message, finished_at=timezone.now(),
        progress="Stopped by an error")


def export_job_cancel(job: ExportJob) -> None:
    """Cancel a queued or running job, or delete a finished job's files (the row stays)."""
    ExportJob.objects.filter(pk=job.pk).exclude(state=ExportState.CANCELLED).update(
        state=ExportState.CANCELLED, finished_at=timezone.now(),
        progress="Cancelled, files deleted")
    shutil.rmtree(job_dir(job), ignore_errors=True)


def visible_job(user: Any, public_id: str) -> ExportJob | None:
    """The user's own job, while they still hold every site it covers; None otherwise."""
    job = ExportJob.objects.filter(public_id=public_id, requester=user) \
        .exclude(state=ExportState.CANCELLED).first()
    if job is None:
        return None
    held = set(user.sites.values_list("pk", flat=True))
    if not set(job.sites.values_list("pk", flat=True)) <= held:
        return None
    return job
