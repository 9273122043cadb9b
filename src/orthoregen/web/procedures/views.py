"""Procedure recording for a clinician: a session, its joints, and the bedside check."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from orthoregen.web.accounts.access import get_visible_or_404
from orthoregen.web.accounts.permissions import AuthenticatedHttpRequest, requires, requires_any
from orthoregen.web.accounts.roles import Action
from orthoregen.web.audit.services import patient_view_record
from orthoregen.web.cellbank import services as cellbank
from orthoregen.web.cellbank.models import Procedure, ProcedureJoint, ProductUnit
from orthoregen.web.clinic.models import Patient
from orthoregen.web.parsing import parse_id
from orthoregen.web.procedures import forms, services


@requires(Action.RECORD_PROCEDURE)
@require_http_methods(["GET", "POST"])
def procedure_start(request: AuthenticatedHttpRequest, patient_id: int) -> HttpResponse:
    patient = get_visible_or_404(Patient.objects.select_related("site"), request.user,
                                 pk=patient_id)
    # ?episode=<id> (the link from an episode on the patient page) ticks that joint.
    chosen = parse_id(request.GET.get("episode"))
    form = forms.ProcedureStartForm(request.POST or None, patient=patient,
                                    initial={"episodes": [chosen]} if chosen else None)
    if request.method == "POST" and form.is_valid():
        episodes = patient.episodes.filter(pk__in=form.cleaned_data["episodes"])
        try:
            procedure = services.procedure_start(
                patient, episodes, by=request.user,
                performed_on=form.cleaned_data["performed_on"],
                time_out_completed=form.cleaned_data["time_out_completed"],
                notes=form.cleaned_data["notes"])
        except cellbank.CellbankRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("Started the session of %(day)s.")
                             % {"day": date_format(procedure.performed_on, "d M Y")})
            return redirect("procedures:detail", procedure_id=procedure.pk)
    return render(request, "form_page.html", {
        "form": form, "patient": patient, "title": _("Start an injection session"),
        "back": "cellbank:units"}, status=400 if form.errors else 200)


def _procedure(request: AuthenticatedHttpRequest, procedure_id: int) -> Procedure:
    return get_visible_or_404(Procedure.objects.select_related("patient__site", "operator"),
                              request.user, pk=procedure_id)


@requires(Action.RECORD_PROCEDURE)
def procedure_detail(request: AuthenticatedHttpRequest, procedure_id: int,
                     bound: dict[int, Any] | None = None, status: int = 200) -> HttpResponse:
    procedure = _procedure(request, procedure_id)
    patient_view_record(request, procedure.patient)
    joints = []
    for pj in procedure.joints.select_related("episode").order_by("id"):
        given = getattr(pj, "administration", None)
        mine = (bound or {}).get(pj.pk, {})
        joints.append({
            "pj": pj, "administration": given,
            "details": mine.get("details") or forms.ProcedureJointForm(
                instance=pj, prefix=f"j{pj.pk}", joint=pj.episode.joint),
            "bedside": mine.get("bedside") or forms.BedsideCheckForm(prefix=f"b{pj.pk}"),
            "attempts": pj.bedside_attempts.select_related("by").order_by("-at", "-id"),
            # Every unit issued to the joint: each may be scanned and given (a divided dose).
            "issued": list(ProductUnit.objects.filter(issued_to_episode=pj.episode)
                           .exclude(status="administered").order_by("id")),
        })
    return render(request, "procedures/procedure_detail.html", {
        "procedure": procedure, "patient": procedure.patient, "joints": joints}, status=status)


def _joint(request: AuthenticatedHttpRequest, procedure_id: int, pj_id: int) -> ProcedureJoint:
    procedure = _procedure(request, procedure_id)
    return get_visible_or_404(ProcedureJoint.objects.select_related("episode"), request.user,
                              pk=pj_id, procedure=procedure)


@requires(Action.RECORD_PROCEDURE)
@require_POST
def procedure_joint_update(request: AuthenticatedHttpRequest, procedure_id: int,
                           pj_id: int) -> HttpResponse:
    pj = _joint(request, procedure_id, pj_id)
    form = forms.ProcedureJointForm(request.POST, instance=pj, prefix=f"j{pj.pk}",
                                    joint=pj.episode.joint)
    if form.is_valid():
        try:
            # Only what this form changed: a colleague's detail saved meanwhile stays.
            def changed(name):
                return form.cleaned_data[name] if name in form.changed_data \
                    else services.UNCHANGED

            services.procedure_joint_update(
                ProcedureJoint.objects.get(pk=pj.pk), indication=changed("indication"),
                guidance=changed("guidance"), approach=changed("approach"),
                landmark_reason=changed("landmark_reason"),
                image_reference=changed("image_reference"),
                needle_gauge=changed("needle_gauge"),
                aspirate_volume_ml=changed("aspirate_volume_ml"),
                injectate_volume_ml=changed("injectate_volume_ml"),
                adjuncts=changed("adjuncts"), complications=changed("complications"),
                by=request.user)
        except cellbank.CellbankRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("Saved the injection record of the %(episode)s.")
                             % {"episode": pj.episode})
            return redirect("procedures:detail", procedure_id=procedure_id)
    return procedure_detail(request, procedure_id, bound={pj.pk: {"details": form}}, status=400)


@requires(Action.RECORD_PROCEDURE)
@require_POST
def administration_record(request: AuthenticatedHttpRequest, procedure_id: int,
                          pj_id: int) -> HttpResponse:
    pj = _joint(request, procedure_id, pj_id)
    form = forms.BedsideCheckForm(request.POST, prefix=f"b{pj.pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.administration_record(
                pj, by=request.user, scanned_identifier=data["scanned_identifier"],
                name=data["name"], date_of_birth=data["date_of_birth"], mrn=data["mrn"],
                joint=data["joint"], side=data["side"])
        except services.BedsideCheckFailed as failed:
            for mismatch in failed.attempt.mismatches:
                form.add_error(None, mismatch["message"])
        except cellbank.CellbankRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("Bedside check passed; administration recorded for the "
                                        "%(episode)s.") % {"episode": pj.episode})
            return redirect("procedures:detail", procedure_id=procedure_id)
    return procedure_detail(request, procedure_id, bound={pj.pk: {"bedside": form}}, status=400)


@requires_any(Action.MANAGE_PRODUCTS, Action.RECORD_PROCEDURE)
@require_POST
def unit_thaw(request: AuthenticatedHttpRequest, unit_id: int) -> HttpResponse:
    unit = get_visible_or_404(ProductUnit.objects.all(), request.user, pk=unit_id)
    try:
        cellbank.unit_thaw(unit, by=request.user)
    except cellbank.CellbankRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("Recorded the thaw of %(unit)s.") % {"unit": unit})
    target = request.POST.get("next", "")
    # Only a path on this site: an absolute URL here would be an open redirect.
    return redirect(target if target.startswith("/") and not target.startswith("//")
                    else "cellbank:units")
