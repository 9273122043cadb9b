"""Staff pages for patients, joint episodes and encounters.

Views parse input, check who is asking and shape the response; every read of patient data
goes through accounts.access and leaves an access record, every write goes through a service.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from orthoregen.web import stages
from orthoregen.web.accounts.access import get_visible_or_404, scope
from orthoregen.web.accounts.permissions import AuthenticatedHttpRequest, requires
from orthoregen.web.accounts.roles import Action
from orthoregen.web.audit.models import AccessAction
from orthoregen.web.audit.services import access_record, patient_view_record
from orthoregen.web.clinic import services
from orthoregen.web.clinic.forms import EncounterForm, JointEpisodeForm, PatientForm
from orthoregen.web.clinic.models import Encounter, JointEpisode, Patient

PAGE_SIZE = 25


@requires(Action.VIEW_PATIENT)
def patient_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    patients = scope(Patient.objects.select_related("site"), request.user)
    if query:
        patients = patients.filter(
            Q(family_name__istartswith=query) | Q(given_name__istartswith=query)
            | Q(mrn__iexact=query)
        )
    # A correlated subquery counts episodes for the 25 rows shown only; a JOIN with GROUP BY
    # would aggregate the whole registry before paginating.
    episode_count = JointEpisode.objects.filter(patient=OuterRef("pk")).order_by() \
        .values("patient").annotate(n=Count("pk")).values("n")
    patients = patients.annotate(episode_count=Coalesce(Subquery(episode_count), 0)) \
        .order_by("family_name", "given_name", "id")
    page = Paginator(patients, PAGE_SIZE).get_page(request.GET.get("page"))
    access_record(request, AccessAction.SEARCH, detail=f"q={query!r} page={page.number}")
    return render(request, "clinic/patient_list.html", {"page": page, "query": query})


@login_required
def patient_detail(request: AuthenticatedHttpRequest, patient_id: int) -> HttpResponse:
    patient = get_visible_or_404(Patient.objects.select_related("site"), request.user,
                                 pk=patient_id)
    patient_view_record(request, patient)
    episodes = list(patient.episodes.prefetch_related(
        Prefetch("encounters", queryset=Encounter.objects.select_related("clinician"))
    ))
    panels = stages.chart_panels(episodes)
    for episode in episodes:
        # Shown by the template only: JointEpisode declares no such attribute.
        episode.panels = panels.get(episode.pk, [])  # type: ignore[attr-defined]
    timeline = Encounter.objects.filter(episode__patient=patient) \
        .select_related("episode", "clinician")
    return render(request, "clinic/patient_detail.html", {
        "patient": patient, "episodes": episodes, "timeline": timeline,
        "age": patient.age_on(timezone.localdate()),
    })


@requires(Action.EDIT_PATIENT)
@require_http_methods(["GET", "POST"])
def patient_edit(request: AuthenticatedHttpRequest,
                 patient_id: int | None = None) -> HttpResponse:
    patient = None
    if patient_id is not None:
        patient = get_visible_or_404(Patient.objects.all(), request.user, pk=patient_id)
    form = PatientForm(request.POST or None, instance=patient, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        patient = services.patient_save(
            patient, site=data["site"], mrn=data["mrn"], family_name=data["family_name"],
            given_name=data["given_name"], date_of_birth=data["date_of_birth"],
            sex=data["sex"], email=data["email"], phone=data["phone"],
            address=data["address"], by=request.user)
        messages.success(request, f"Saved {patient}.")
        return redirect("patient-detail", patient_id=patient.pk)
    return render(request, "form_page.html", {
        "form": form, "patient": patient,
        "title": f"Edit {patient}" if patient else "Register a patient",
    })


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
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        episode = services.episode_save(
            patient, episode=episode, joint=data["joint"], side=data["side"],
            diagnosis_code=data["diagnosis_code"], grade_scale=data["grade_scale"],
            grade=data["grade"], symptom_onset=data["symptom_onset"], by=request.user)
        messages.success(request, f"Saved the {episode} episode.")
        return redirect("patient-detail", patient_id=patient.pk)
    return render(request, "form_page.html", {
        "form": form, "patient": patient,
        "title": f"Edit {episode} episode" if episode else "Add a treated joint",
    })


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
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        encounter = services.encounter_save(
            episode, encounter=encounter, kind=data["kind"], occurred_on=data["occurred_on"],
            clinician=data["clinician"], notes=data["notes"], by=request.user)
        messages.success(request, f"Saved {encounter}.")
        return redirect("patient-detail", patient_id=episode.patient_id)
    return render(request, "form_page.html", {
        "form": form, "patient": episode.patient,
        "title": f"{'Edit' if encounter else 'Record'} an encounter: {episode}",
    })
