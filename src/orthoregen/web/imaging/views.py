"""Staff pages of imaging: a study's metadata and reads, a reader's measure, an upload."""

from __future__ import annotations

import io
import zipfile

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from orthoregen.web.accounts.access import get_visible_or_404
from orthoregen.web.accounts.permissions import AuthenticatedHttpRequest, requires
from orthoregen.web.accounts.roles import Action
from orthoregen.web.imaging import services
from orthoregen.web.imaging.forms import MeasureForm, UploadForm
from orthoregen.web.imaging.models import MriStudy, ReceivedVia

STUDIES = MriStudy.objects.select_related("patient__site", "episode", "visit__schedule",
                                          "received_by")


@requires(Action.VIEW_PATIENT)
def study_detail(request: AuthenticatedHttpRequest, study_id: int) -> HttpResponse:
    study = get_visible_or_404(STUDIES, request.user, pk=study_id)
    return render(request, "imaging/study.html", {
        "study": study, "patient": study.patient,
        "measures": study.measures.select_related("read_by").order_by("region", "measure")})


@requires(Action.READ_IMAGING)
@require_http_methods(["GET", "POST"])
def measure_enter(request: AuthenticatedHttpRequest, study_id: int) -> HttpResponse:
    study = get_visible_or_404(STUDIES, request.user, pk=study_id)
    form = MeasureForm(request.POST or None, joint=study.episode.joint)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            row = services.measure_record(study, region=data["region"], measure=data["measure"],
                                          value=data["value"], by=request.user,
                                          reason=data["reason"])
        except services.MeasureRefused as refused:
            for name, problem in refused.problems.items():
                form.add_error(name if name in form.fields else None, problem)
        else:
            messages.success(request, _("Recorded: %(grading)s.") % {"grading": row})
            return redirect("imaging:study", study_id=study.pk)
    return render(request, "form_page.html", {
        "form": form, "patient": study.patient,
        "title": _("Read the %(study)s") % {"study": study},
        "intro": _("One value per region and measure; a value already recorded is corrected "
                   "with a reason and its history kept.")})


@requires(Action.MANAGE_FOLLOW_UP)
@require_http_methods(["GET", "POST"])
def upload(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None, sites=request.user.sites.all())
    outcomes: list[services.Outcome] = []
    if request.method == "POST" and form.is_valid():
        files = form.cleaned_data["images"]
        try:
            instances, via = _read(files)
        except services.InputRefused as refused:
            form.add_error("images", str(refused))
        else:
            outcomes = services.ingest(instances, site=form.cleaned_data["site"],
                                       received_via=via, by=request.user,
                                       received_from=", ".join(f.name for f in files)[:200])
            for outcome in outcomes:
                if outcome.refused:
                    messages.error(request, _("Study refused, nothing stored. %(reason)s")
                                   % {"reason": outcome.refused})
            if len(outcomes) == 1 and outcomes[0].study is not None:
                messages.success(request, str(outcomes[0]))
                return redirect("imaging:study", study_id=outcomes[0].study.pk)
    visible = [o for o in outcomes if o.study is None or o.study.patient.site
               in request.user.sites.all()]
    return render(request, "imaging/upload.html", {"form": form, "outcomes": visible})


def _read(files: list) -> tuple[list[services.Instance], str]:
    if len(files) == 1 and zipfile.is_zipfile(files[0]):
        files[0].seek(0)
        return services.read_zip(io.BytesIO(files[0].read()), name=files[0].name), \
            ReceivedVia.ZIP
    instances = []
    for upload in files:
        instance = services._read(upload.name, io.BytesIO(upload.read()))
        if instance is not None:
            instances.append(instance)
    if not instances:
        raise services.InputRefused(_("No DICOM image among the files."))

    return instances, ReceivedVia.UPLOAD
