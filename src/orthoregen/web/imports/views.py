"""The staff upload page for CSV imports, and a template file per kind.

The service (services.import_file) checks and writes; the page shows its report. A real
import writes its own BULK_LOAD access record (with the file's SHA-256 and row counts); a
dry run is recorded by the audit middleware as the page view it is.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from orthoregen.instruments import instrument_ids
from orthoregen.web.accounts.permissions import AuthenticatedHttpRequest, requires
from orthoregen.web.accounts.roles import Action
from orthoregen.web.imports.forms import UploadForm
from orthoregen.web.imports.layouts import LAYOUTS, OPEN_ENDED, template_csv
from orthoregen.web.imports.models import ImportKind
from orthoregen.web.imports.services import import_file

SHOWN_PROBLEMS = 1000


@requires(Action.IMPORT_DATA)
@require_http_methods(["GET", "POST"])
def upload(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        report = import_file(form.cleaned_data["kind"], upload.read(),
                             file_name=upload.name, site=form.cleaned_data["site"],
                             by=request.user, dry_run=form.cleaned_data["dry_run"],
                             path=request.get_full_path())
        if report.saved:
            request.access_recorded = True  # type: ignore[attr-defined]  # the import's record
    status = 400 if form.is_bound and not form.is_valid() else 200
    if report is not None and report.problems:
        status = 422
    layouts = [{"kind": kind, "label": ImportKind(kind).label, "columns": LAYOUTS[kind],
                "open": OPEN_ENDED.get(kind)} for kind in LAYOUTS]
    return render(request, "imports/upload.html", {
        "form": form, "report": report, "layouts": layouts,
        "problems": report.problems[:SHOWN_PROBLEMS] if report else [],
        "more_problems": max(0, len(report.problems) - SHOWN_PROBLEMS) if report else 0,
    }, status=status)


@requires(Action.IMPORT_DATA)
@require_GET
def template(request: AuthenticatedHttpRequest, kind: str) -> HttpResponse:
    if kind not in LAYOUTS:
        raise Http404(_("No such kind of import."))
    instrument = request.GET.get("instrument", "koos")
    if instrument not in instrument_ids():
        return HttpResponse(_("Unknown instrument %(instrument)r.") % {"instrument": instrument},
                            status=400, content_type="text/plain")

    response = HttpResponse(template_csv(kind, instrument), content_type="text/csv")
    suffix = f"-{instrument}" if kind in OPEN_ENDED else ""
    response["Content-Disposition"] = f'attachment; filename="orthoregen-{kind}{suffix}.csv"'
    return response
