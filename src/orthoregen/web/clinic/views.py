"""Staff pages for patients, joint episodes and encounters.

Views parse input, check who is asking and shape the response; every read of patient data
goes through accounts.access and leaves an access record, every write goes through a service.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from orthoregen.web.accounts.access import get_visible_or_404, scope
from orthoregen.web.accounts.permissions import AuthenticatedHttpRequest, requires
from orthoregen.web.accounts.roles import Action
from orthoregen.web.audit.models import AccessAction
from orthoregen.web.audit.services import access_record, patient_view_record
from orthoregen.web.clinic import chart_cache, hub, search, services
from orthoregen.web.clinic.forms import EncounterForm, JointEpisodeForm, PatientForm
from orthoregen.web.clinic.models import Encounter, JointEpisode, Patient
from orthoregen.web.clinic.plausible import errors_onto


@requires(Action.VIEW_PATIENT)
def patient_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Find patients by name, MRN, date of birth, phone or email, and filter the list.

    Pages follow the name order from the last patient shown (``after``), so no page counts
    the whole registry; a refused search (a control character, far too long) is a 400
    with the reason beside the box.
    """
    form = hub.PatientListForm(request.GET or None, user=request.user,
                               today=timezone.localdate())
    query = request.GET.get("q", "")[:search.MAX_QUERY_LENGTH].replace("\x00", "")
    if request.GET and not form.is_valid():
        access_record(request, AccessAction.SEARCH,
                      detail=f"refused search {query!r}: {'; '.join(form.errors)}")
        return render(request, "clinic/patient_list.html", {
            "form": form, "page": None, "query": query}, status=400)
    patients = scope(Patient.objects.select_related("site"), request.user)
    after = None
    if form.is_bound:
        patients = form.filtered(patients)
        after = form.cleaned_data.get("after")
    # A correlated subquery counts episodes for the 25 rows shown only; a JOIN with GROUP BY
    # would aggregate the whole registry before paginating.
    episode_count = JointEpisode.objects.filter(patient=OuterRef("pk")).order_by() \
        .values("patient").annotate(n=Count("pk")).values("n")
    patients = patients.annotate(episode_count=Coalesce(Subquery(episode_count), 0))
    page = hub.keyset_page(patients, after=after, searched=bool(query.strip()))
    access_record(request, AccessAction.SEARCH,
                  detail=f"q={query!r} after={after} shown={len(page.rows)}")
    next_query = request.GET.copy()
    next_query["after"] = str(page.next_after or "")
    first_query = request.GET.copy()
    first_query.pop("after", None)
    return render(request, "clinic/patient_list.html", {
        "form": form, "page": page, "query": query,
        "next_query": next_query.urlencode(), "first_query": first_query.urlencode(),
        "filtered": form.is_bound and form.any_filter})


@login_required
def patient_detail(request: AuthenticatedHttpRequest, patient_id: int) -> HttpResponse:
    """The patient's hub: flags, each joint's state, and one timeline of everything.

    The content comes from chart_cache (computed once per patient data version); the access
    check, the access record and the page around the content are done at every request.
    """
    patient = get_visible_or_404(Patient.objects.select_related("site"), request.user,
                                 pk=patient_id)
    patient_view_record(request, patient)
    raw_joint = request.GET.get("joint", "")
    if raw_joint and not (raw_joint.isascii() and raw_joint.isdigit() and len(raw_joint) < 19):
        return HttpResponseBadRequest(_("No such joint on this chart."))

    def draw(content: chart_cache.ChartContent) -> str:
        return render_to_string("clinic/_chart_content.html", {
            "patient": patient, "episodes": content.episodes, "timeline": content.timeline,
            "timeline_rows": content.timeline_rows, "joint_names": content.joint_names,
            "chosen": content.chosen, "alerts": content.alerts,
            "more_limit": content.timeline.limit + hub.TIMELINE_PAGE,
        }, request=request)

    chart = chart_cache.chart_html(
        patient, user=request.user, joint=int(raw_joint) if raw_joint else None,
        limit=hub.timeline_limit(request.GET.get("limit")), draw=draw)
    if chart is None:
        return HttpResponseBadRequest(_("No such joint on this chart."))
    # Written by the template above with autoescaping, kept only in the server's cache.
    return render(request, "clinic/patient_detail.html", {
        "patient": patient, "chart": mark_safe(chart)})


@requires(Action.VIEW_PATIENT)
def day_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Today's or this week's work at the user's sites, each row with its next action."""
    form = hub.DayListForm(request.GET or None, user=request.user)
    if form.is_bound and not form.is_valid():
        return render(request, "clinic/day_list.html", {"form": form, "groups": []},
                      status=400)
    data = form.cleaned_data if form.is_bound else {}
    period = data.get("period") or "today"
    sites = [data["site"]] if data.get("site") else list(request.user.sites.all())
    today = timezone.localdate()
    start, end = hub.period_dates(period, today)
    groups = hub.day_groups(request.user, sites=sites, start=start, end=end, today=today)
    return render(request, "clinic/day_list.html", {
        "form": form, "groups": groups, "period": period, "period_label": hub.PERIODS[period],
        "start": start, "end": end, "today": today, "sites": sites,
        "shows": hub.DAY_LIST_SHOWS.get(request.user.role, []),
    })


@requires(Action.EDIT_PATIENT)
@require_http_methods(["GET", "POST"])
def patient_edit(request: AuthenticatedHttpRequest,
                 patient_id: int | None = None) -> HttpResponse:
    patient = None
    if patient_id is not None:
        patient = get_visible_or_404(Patient.objects.all(), request.user, pk=patient_id)
    form = PatientForm(request.POST or None, instance=patient, user=request.user)

    def save(data: dict[str, Any]) -> Patient:
        return services.patient_save(
            patient, site=data["site"], mrn=data["mrn"], family_name=data["family_name"],
            given_name=data["given_name"], date_of_birth=data["date_of_birth"],
            sex=data["sex"], email=data["email"], phone=data["phone"],
            address=data["address"], preferred_language=data["preferred_language"],
            by=request.user)

    return _record_form(
        request, form, save=save, patient=patient,
        saved=lambda saved: _("Saved %(patient)s.") % {"patient": saved},
        title=(_("Edit %(patient)s") % {"patient": patient} if patient
               else _("Register a patient")))


@requires(Action.EDIT_EPISODE)
@require_http_methods(["GET", "POST"])
def episode_edit(request: AuthenticatedHttpRequest, patient_id: int,
                 episode_id: int | None = None) -> HttpResponse:
    patient = get_visible_or_404(Patient.objects.all(), request.user, pk=patient_id)
    episode = None
    if episode_id is not None:
        episode = get_visible_or_404(JointEpisode.objects.all(), request.user,
                                     pk=episode_id, patient=patient)
    form = JointEpisodeForm(request.POST or None, instance=episode)

    def save(data: dict[str, Any]) -> JointEpisode:
        return services.episode_save(
            patient, episode=episode, joint=data["joint"], side=data["side"],
            diagnosis_code=data["diagnosis_code"], grade_scale=data["grade_scale"],
            grade=data["grade"], symptom_onset=data["symptom_onset"], by=request.user)

    return _record_form(
        request, form, save=save, patient=patient,
        saved=lambda saved: _("Saved the %(episode)s episode.") % {"episode": saved},
        title=(_("Edit %(episode)s episode") % {"episode": episode} if episode
               else _("Add a treated joint")))


@requires(Action.EDIT_ENCOUNTER)
@require_http_methods(["GET", "POST"])
def encounter_edit(request: AuthenticatedHttpRequest, episode_id: int,
                   encounter_id: int | None = None) -> HttpResponse:
    episode = get_visible_or_404(JointEpisode.objects.select_related("patient__site"),
                                 request.user, pk=episode_id)
    encounter = None
    if encounter_id is not None:
        encounter = get_visible_or_404(Encounter.objects.all(), request.user,
                                       pk=encounter_id, episode=episode)
    form = EncounterForm(request.POST or None, instance=encounter, site=episode.patient.site)

    def save(data: dict[str, Any]) -> Encounter:
        return services.encounter_save(
            episode, encounter=encounter, kind=data["kind"], occurred_on=data["occurred_on"],
            clinician=data["clinician"], notes=data["notes"], by=request.user)

    return _record_form(
        request, form, save=save, patient=episode.patient,
        saved=lambda saved: _("Saved %(encounter)s.") % {"encounter": saved},
        title=(_("Edit an encounter: %(episode)s") if encounter
               else _("Record an encounter: %(episode)s")) % {"episode": episode})


def _record_form(request: AuthenticatedHttpRequest, form: forms.BaseForm, *,
                 save: Callable[[dict[str, Any]], Patient | JointEpisode | Encounter],
                 saved: Callable[[Any], str], patient: Patient | None,
                 title: str) -> HttpResponse:
    """Show a clinical record's form, or save it through its service and go to the chart.

    The service judges the values (plausible dates, one MRN per site) and refuses with a
    ValidationError, which lands on the form's fields; nothing is half-saved.
    """
    if request.method == "POST" and form.is_valid():
        try:
            record = save(form.cleaned_data)
        except ValidationError as refused:
            errors_onto(form, refused)
        else:
            messages.success(request, saved(record))
            return redirect("patient-detail", patient_id=_patient_id(record))
    return render(request, "form_page.html", {"form": form, "patient": patient, "title": title})


def _patient_id(record: Patient | JointEpisode | Encounter) -> int:
    if isinstance(record, Patient):
        return record.pk
    if isinstance(record, JointEpisode):
        return record.patient_id
    return record.episode.patient_id
