"""The evidence library page and the form that adds a published study to it."""

from __future__ import annotations

from dataclasses import fields

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from orthoregen.evidence.comparison import REGISTRY_CAVEAT
from orthoregen.evidence.pooling import pool_every_outcome
from orthoregen.evidence.published import load_published_pools
from orthoregen.web.accounts.permissions import AuthenticatedHttpRequest, requires
from orthoregen.web.accounts.roles import Action
from orthoregen.web.clinic.vocabulary import Joint
from orthoregen.web.evidence.added import (
    ArmResult,
    PublishedStudy,
    added_study_create,
    library_with_added,
)
from orthoregen.web.evidence.forms import AddedResultFormSet, AddedStudyForm
from orthoregen.web.evidence.models import AddedStudy


@requires(Action.VIEW_REGISTRY)
@require_GET
def evidence_library(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every study of the library by joint, seed and added, with its verification status."""
    studies = library_with_added()
    by_joint = [(label, [s for s in studies if joint in s.joints])
                for joint, label in Joint.choices]
    return render(request, "evidence/library.html", {
        "by_joint": by_joint, "pools": load_published_pools(), "caveat": REGISTRY_CAVEAT,
        "pooled": pool_every_outcome(studies),
        "may_add": request.user.may(Action.ADD_EVIDENCE),
    })


@requires(Action.ADD_EVIDENCE)
@require_http_methods(["GET", "POST"])
def evidence_add(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Add a study and its arms' results together; a mistake anywhere saves nothing."""
    form = AddedStudyForm(request.POST or None)
    results = AddedResultFormSet(request.POST or None, instance=AddedStudy())
    if request.method == "POST" and form.is_valid() and results.is_valid():
        rows = [ArmResult(**{field.name: f.cleaned_data[field.name] for field in fields(ArmResult)})
                for f in results.forms if f.has_changed()]
        study = added_study_create(study=PublishedStudy(**form.cleaned_data), results=rows,
                                   by=request.user)
        messages.success(request, ngettext(
            "Added %(study)s to the evidence library with %(count)s result(s).",
            "Added %(study)s to the evidence library with %(count)s result(s).", len(rows),
        ) % {"study": study.study, "count": len(rows)})
        return redirect("evidence:library")
    return render(request, "evidence/add.html", {"form": form, "results": results},
                  status=400 if request.method == "POST" else 200)
