"""Outcome pages: a patient's progress report, the cohort dashboard and registry exports.

Views parse input, check who is asking, scope to the user's sites and leave an access
record; the numbers come from cohort.py / report.py, which call the analytics core.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
from typing import TYPE_CHECKING

import pandas as pd
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db.models import Count, Max, QuerySet
from django.http import FileResponse, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from orthoregen.analytics import MIN_N_TO_CONCLUDE
from orthoregen.analytics.survival import CI_METHOD
from orthoregen.evidence.comparison import REGISTRY_CAVEAT
from orthoregen.web.accounts.access import get_visible_or_404, scope, site_ids
from orthoregen.web.accounts.permissions import AuthenticatedHttpRequest, requires
from orthoregen.web.accounts.roles import Action
from orthoregen.web.audit.models import AccessAction
from orthoregen.web.audit.services import access_record
from orthoregen.web.clinic.models import JointEpisode, Patient
from orthoregen.web.evidence.added import added_version
from orthoregen.web.registry import charts, cohort, fitness, reference, report, services, svgchart
from orthoregen.web.registry.export import write_export
from orthoregen.web.registry.forms import CohortFilterForm, ExportForm
from orthoregen.web.registry.measures import TIMEPOINT_LABELS, parse_key
from orthoregen.web.registry.models import EpisodeFact

if TYPE_CHECKING:
    from orthoregen.web.accounts.models import User

DASHBOARD_CACHE_SECONDS = 15 * 60


def _patient_sections(request: AuthenticatedHttpRequest, patient_id: int
                      ) -> tuple[Patient, list[report.JointSection], dt.date]:
    patient = get_visible_or_404(Patient.objects.select_related("site"), request.user,
                                 pk=patient_id)
    today = timezone.localdate()
    facts = scope(EpisodeFact.objects.filter(patient=patient), request.user)
    frames = services.patient_frames(patient, facts, as_of=today)
    titles = {e.pk: f"{e.get_side_display()} {e.get_joint_display().lower()}"
              for e in JointEpisode.objects.filter(patient=patient)}
    return patient, report.joint_sections(frames, titles), today


@login_required
@require_GET
def patient_report(request: AuthenticatedHttpRequest, patient_id: int) -> HttpResponse:
    patient, sections, today = _patient_sections(request, patient_id)
    access_record(request, AccessAction.VIEW, patient=patient, detail="progress report")
    joints = [{"joint": joint, "measures": [
        {"section": s, "chart": charts.svg_uri(report.section_chart(joint, s))}
        for s in joint.measures]} for joint in sections]
    return render(request, "registry/patient_report.html", {
        "patient": patient, "joints": joints, "today": today,
        "not_a_claim": report.NOT_A_CLAIM, "band_text": report.BAND_TEXT,
        "timepoint_labels": TIMEPOINT_LABELS,
    })


@login_required
@require_GET
def patient_report_pdf(request: AuthenticatedHttpRequest, patient_id: int) -> HttpResponse:
    patient, sections, today = _patient_sections(request, patient_id)
    access_record(request, AccessAction.VIEW, patient=patient, detail="progress report PDF")
    who = report.ReportPatient(name=f"{patient.given_name} {patient.family_name}",
                               mrn=patient.mrn, date_of_birth=patient.date_of_birth)
    response = HttpResponse(report.report_pdf(who, sections, as_of=today),
                            content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="progress-report-{patient.pk}.pdf"'
    return response


def _registry_state(user: User) -> tuple[list[str], list[str], dict]:
    """Return the cell sources and protocol versions the user's registry holds, and the
    fact tables' version (row count and latest refresh, part of the results' cache key).

    One scan of the joints grouped by site, cell source and protocol version (a few rows
    per site) answers both, where a DISTINCT over the user's joints and a count over all
    joints scanned the 115,000 joints of a 100k registry twice on every view.
    """
    visible = set(site_ids(user))
    groups = (EpisodeFact.objects.order_by()
              .values_list("site_id", "cell_source", "protocol_version")
              .annotate(n=Count("pk"), last=Max("refreshed_at")))
    sources: set[str] = set()
    versions: set[str] = set()
    n, latest = 0, None
    for site, source, protocol, count, last in groups:
        n += count
        latest = last if latest is None or last > latest else latest
        if site in visible:
            sources.add(source)
            versions.add(protocol)
    return sorted(sources - {""}), sorted(versions - {""}), {"n": n, "last": latest}


@requires(Action.VIEW_REGISTRY)
@require_GET
def dashboard(request):
    cell_sources, protocol_versions, version = _registry_state(request.user)
    form = CohortFilterForm(request.GET or None, user=request.user, cell_sources=cell_sources,
                            protocol_versions=protocol_versions)
    context = {"form": form, "caveat": REGISTRY_CAVEAT, "min_n": MIN_N_TO_CONCLUDE,
               "km_method": CI_METHOD, "timepoint_labels": TIMEPOINT_LABELS}
    if request.GET and not form.is_valid():
        return render(request, "registry/dashboard.html", context, status=400)
    cleaned = form.cleaned_data if form.is_bound else {}
    filters = cohort.CohortFilter(
        site_ids=form.site_ids() if form.is_bound else tuple(
            request.user.sites.values_list("pk", flat=True)),
        grade=cleaned.get("grade"),
        **{k: cleaned.get(k) or None for k in ("joint", "cell_source", "dose_band",
                                               "treated_from", "treated_to",
                                               "protocol_version", "mode")})
    episodes = filters.apply(cohort.scoped_episodes(request.user))
    key = parse_key(cleaned["measure"]) if cleaned.get("measure") else None
    context.update(_dashboard_results(episodes, filters, key, version,
                                      whole_sites=filters.whole_sites(site_ids(request.user))))
    access_record(request, AccessAction.SEARCH,
                  detail=f"registry dashboard {request.GET.urlencode()}"[:500])
    return render(request, "registry/dashboard.html", context)


def _dashboard_results(episodes: QuerySet[EpisodeFact], filters: cohort.CohortFilter,
                       key: tuple[str, str] | None, version: dict, *,
                       whole_sites: frozenset[int] | None = None) -> dict:
    """Return the dashboard's numbers and charts, reusing them while the facts are unchanged.

    The cache key holds the filters (sites included), the measure, today's date, the
    fact tables' `version` (row count and latest refresh, see _registry_state) and the
    added studies' version, so any refresh or added study shows at once.
    """
    today = timezone.localdate()
    evidence = added_version()
    digest = hashlib.sha256(repr((filters, key, today, version, evidence)).encode()).hexdigest()
    cache_key = f"registry-dashboard:{digest}"
    results = cache.get(cache_key)
    if results is None:
        summary = cohort.cohort_summary(episodes, measure_key=key, joint=filters.joint,
                                        as_of=today, drawers=DASHBOARD_DRAWERS,
                                        mode=filters.mode, whole_sites=whole_sites)
        results = {"summary": summary, **_dashboard_charts(summary),
                   **_dashboard_tables(summary),
                   **reference.reference_section(summary.evidence, filters.joint)}
        cache.set(cache_key, results, DASHBOARD_CACHE_SECONDS)
    return {**results, "refreshed_at": version["last"]}


# Drawn on the reads' threads as soon as their numbers exist (cohort.Drawers).
DASHBOARD_DRAWERS = cohort.Drawers(
    change=lambda change, measure: svgchart.uri(svgchart.change_chart(change, measure)),
    survival=lambda curve, at_risk: svgchart.uri(svgchart.survival_chart(curve, at_risk)),
)


def _dashboard_charts(summary: cohort.CohortSummary) -> dict:
    out = {f"{name}_chart": drawing for name, drawing in summary.drawings.items()}
    if summary.evidence:
        out["evidence_chart"] = svgchart.uri(svgchart.evidence_chart(summary.evidence))
    return out


def _records(frame: pd.DataFrame | None) -> list[dict]:
    return [] if frame is None or frame.empty else frame.to_dict("records")


def _dashboard_tables(summary: cohort.CohortSummary) -> dict:
    return {
        "change_rows": _records(summary.change),
        "responder_rows": _records(summary.responders),
        "oarsi_rows": _records(summary.oarsi),
        "ae_tables": {name: _records(table) for name, table in summary.adverse_events.items()},
        "follow_up_rows": _records(summary.follow_up),
        "at_risk_rows": _records(summary.at_risk),
    }


@requires(Action.VIEW_REGISTRY)
@require_GET
def fitness_report(request):
    today = timezone.localdate()
    sites = fitness.fitness_report(request.user, as_of=today)
    access_record(request, AccessAction.SEARCH, detail="registry fitness-for-use report")
    return render(request, "registry/fitness.html", {
        "sites": sites, "today": today, "fda": fitness.FDA_2023, "mibo": fitness.MIBO})


@requires(Action.VIEW_REGISTRY)
@require_GET
def fitness_report_pdf(request):
    today = timezone.localdate()
    sites = fitness.fitness_report(request.user, as_of=today)
    access_record(request, AccessAction.SEARCH, detail="registry fitness-for-use report PDF")
    response = HttpResponse(fitness.fitness_pdf(sites, as_of=today),
                            content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="registry-fitness-{today:%Y%m%d}.pdf"'
    return response


@requires(Action.EXPORT_REGISTRY)
@require_http_methods(["GET", "POST"])
def export(request):
    form = ExportForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        episodes = scope(EpisodeFact.objects.filter(site_id__in=form.site_ids()), request.user)
        if form.cleaned_data["joint"]:
            episodes = episodes.filter(joint=form.cleaned_data["joint"])
        fmt, deidentified = form.cleaned_data["format"], form.cleaned_data["deidentified"]
        # Written to a temporary file and sent from it: memory stays the same however large
        # the registry (FileResponse closes, and so deletes, the file when sent).
        buffer = tempfile.TemporaryFile()  # noqa: SIM115
        rows = write_export(episodes, fmt, buffer, deidentified=deidentified)
        buffer.seek(0)
        kind = "de-identified" if deidentified else "analysis"
        access_record(request, AccessAction.EXPORT,
                      detail=f"registry export {kind} {fmt}: {rows} rows, "
                             f"sites={form.site_ids()} joint={form.cleaned_data['joint'] or 'any'}")
        content_type = "text/csv" if fmt == "csv" else "application/vnd.apache.parquet"
        name = f"orthoregen-registry-{kind}-{timezone.localdate():%Y%m%d}.{fmt}"
        return FileResponse(buffer, as_attachment=True, filename=name,
                            content_type=content_type)
    return render(request, "registry/export.html", {"form": form},
                  status=400 if form.is_bound else 200)
