"""Bulk export: one NDJSON file per resource type (the FHIR Bulk Data Access layout).

`write_export` is used by `orthoregen fhir export` and by the `$export` jobs (jobs.py, whose
files live in $ORTHOREGEN_DATA_DIR/fhir-export/<job id>/; export_views.py serves them).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Min

from orthoregen.instruments import instrument_ids
from orthoregen.web.accounts.access import scope
from orthoregen.web.fhir import catalogue
from orthoregen.web.fhir.catalogue import EXPORT_ORDER, KINDS
from orthoregen.web.fhir.resources import Context, questionnaire

NDJSON = "application/fhir+ndjson"


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
                     since: dt.datetime | None = None, types: Iterable[str] = EXPORT_ORDER,
                     site_ids: list[int] | None = None) -> dict[str, Any]:
    """The rows of each resource type to export: the user's sites (or all), one site or the
    given sites, since a moment."""
    out = {}
    for name in types:
        kind = KINDS[name]
        queryset = kind.queryset()
        if user is not None:
            queryset = scope(queryset, user)
        if site_code:
            site_path = kind.model_class().SITE_PATH  # type: ignore[attr-defined]
            queryset = queryset.filter(**{f"{site_path}__code": site_code})
        if site_ids is not None:
            site_path = kind.model_class().SITE_PATH  # type: ignore[attr-defined]
            queryset = queryset.filter(**{f"{site_path}__in": site_ids})
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
