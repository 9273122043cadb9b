"""Staff pages for safety: adverse events (record, list, detail) and joint replacements."""

from __future__ import annotations

from dataclasses import fields
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from orthoregen.web.accounts.access import get_visible_or_404, scope
from orthoregen.web.accounts.permissions import AuthenticatedHttpRequest, requires, requires_any
from orthoregen.web.accounts.roles import Action
from orthoregen.web.audit.models import AccessAction
from orthoregen.web.audit.services import access_record
from orthoregen.web.clinic.models import Encounter, JointEpisode, Patient
from orthoregen.web.clinic.plausible import errors_onto
from orthoregen.web.followup.submissions import (
    TOKEN_FIELD,
    SubmissionRefused,
    submission_key,
    submission_key_any_age,
    submission_token_issue,
)
from orthoregen.web.mail import portal_base_url
from orthoregen.web.parsing import parse_id
from orthoregen.web.safety import services
from orthoregen.web.safety.forms import AdverseEventForm, OutcomeEventForm
from orthoregen.web.safety.models import AdverseEvent
from orthoregen.web.safety.panels import serious_events_alert
from orthoregen.web.safety.services import adverse_event_record_once

if TYPE_CHECKING:
    from orthoregen.web.accounts.models import User


def _default_clinician(patient: Patient, episode_id: int | None) -> int | None:
    encounters = Encounter.objects.filter(episode__patient=patient, kind="procedure",
                                          clinician__isnull=False)
    if episode_id:
        encounters = encounters.filter(episode_id=episode_id)
    latest = encounters.order_by("-occurred_on").first()
    return latest.clinician_id if latest else None


@requires(Action.RECORD_ADVERSE_EVENT)
@require_http_methods(["GET", "POST"])
def ae_create(request: AuthenticatedHttpRequest, patient_id: int) -> HttpResponse:
    patient = get_visible_or_404(Patient.objects.select_related("site"), request.user,
                                 pk=patient_id)
    # Bound on any POST, an empty one too: a refused token is added to the form's errors.
    form = AdverseEventForm(request.POST if request.method == "POST" else None,
                            patient=patient, initial=_initial(request, patient))
    if request.method == "POST":
        token = request.POST.get(TOKEN_FIELD, "")
        earlier = _recorded_by_token(token, request.user, patient)
        if earlier is not None:
            return _already_recorded(request, earlier)
        try:
            key = submission_key(token, user=request.user, patient=patient)
        except SubmissionRefused as refused:
            form.add_error(None, str(refused))
        if form.is_valid():
            return _record(request, form, patient, key)
    # Every render carries a fresh token; one still in an open tab stays valid until used.
    return render(request, "safety/ae_form.html", {
        "form": form, "patient": patient,
        "submission_token": submission_token_issue(user=request.user, patient=patient)})


def _record(request: AuthenticatedHttpRequest, form: AdverseEventForm, patient: Patient,
            key: str) -> HttpResponse:
    data = form.cleaned_data
    values = {field.name: data[field.name] for field in fields(services.AdverseEventReport)}
    report = services.AdverseEventReport(**{**values, "seriousness": tuple(data["seriousness"])})
    try:
        event, created = adverse_event_record_once(
            patient, report=report, submission_key=key, by=request.user,
            base_url=portal_base_url(request))
    except ValidationError as refused:
        errors_onto(form, refused)
        return render(request, "safety/ae_form.html", {
            "form": form, "patient": patient,
            "submission_token": submission_token_issue(user=request.user, patient=patient)})
    if not created:
        return _already_recorded(request, event)
    if event.is_serious:
        messages.warning(request, _("Serious adverse event: the responsible clinician and the "
                                  "safety lead have been alerted; reporting clock started."))
    else:
        messages.success(request, _("Adverse event recorded."))
    return redirect("safety:ae-detail", event_id=event.pk)


def _initial(request: AuthenticatedHttpRequest, patient: Patient) -> dict[str, Any]:
    episode_pk = parse_id(request.GET.get("episode"))
    return {"episode": episode_pk,
            "responsible_clinician": _default_clinician(patient, episode_pk)}


def _recorded_by_token(token: str, user: User, patient: Patient) -> AdverseEvent | None:
    # Any age: a page resubmitted after its token expired must still find its event, or the
    # clinician would be asked to submit it again and record it twice.
    key = submission_key_any_age(token, user=user, patient=patient)
    if key is None:
        return None
    return AdverseEvent.objects.filter(patient=patient, submission_key=key).first()


def _already_recorded(request: AuthenticatedHttpRequest, event: AdverseEvent) -> HttpResponse:
    messages.info(request, _("This adverse event was already recorded at %(when)s; the repeated "
                             "submission was ignored and no alert was sent again.")
                  % {"when": date_format(timezone.localtime(event.recorded_at), "d M Y H:i")})
    return redirect("safety:ae-detail", event_id=event.pk)


@requires_any(Action.RECORD_ADVERSE_EVENT, Action.MANAGE_FOLLOW_UP)
def ae_detail(request: AuthenticatedHttpRequest, event_id: int) -> HttpResponse:
    event = get_visible_or_404(AdverseEvent.objects.select_related(
        "patient__site", "episode", "responsible_clinician", "recorded_by"), request.user,
        pk=event_id)
    access_record(request, AccessAction.VIEW, patient=event.patient,
                  detail=f"adverse event {event.pk}")
    return render(request, "safety/ae_detail.html", {
        "event": event, "patient": event.patient, "today": timezone.localdate()})


@requires(Action.RECORD_ADVERSE_EVENT)
@require_POST
def ae_reports_done(request: AuthenticatedHttpRequest, event_id: int) -> HttpResponse:
    event = get_visible_or_404(AdverseEvent.objects.all(), request.user, pk=event_id)
    if event.reports_done_on is None:
        event.reports_done_on = timezone.localdate()
        event.save(update_fields=["reports_done_on"])
        messages.success(request, _("Reports marked as submitted."))
    return redirect("safety:ae-detail", event_id=event.pk)


@requires_any(Action.RECORD_ADVERSE_EVENT, Action.MANAGE_FOLLOW_UP)
def ae_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    events = scope(AdverseEvent.objects.select_related("patient", "episode"), request.user)
    serious_only = request.GET.get("serious") == "1"
    if serious_only:
        events = events.exclude(seriousness=[])
    page = Paginator(events.order_by("-onset_on", "-id"), 25).get_page(request.GET.get("page"))
    access_record(request, AccessAction.SEARCH, detail=f"adverse events page={page.number}")
    return render(request, "safety/ae_list.html", {
        "page": page, "serious_only": serious_only,
        "alert": serious_events_alert(request.user)})


@requires(Action.MANAGE_FOLLOW_UP)
@require_http_methods(["GET", "POST"])
def outcome_create(request: AuthenticatedHttpRequest, episode_id: int) -> HttpResponse:
    episode = get_visible_or_404(JointEpisode.objects.select_related("patient__site"),
                                 request.user, pk=episode_id)
    form = OutcomeEventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.outcome_event_record(
                episode, occurred_on=form.cleaned_data["occurred_on"],
                note=form.cleaned_data["note"], by=request.user)
        except ValidationError as refused:
            errors_onto(form, refused)
        else:
            messages.success(request, _("Conversion to joint replacement recorded."))
            return redirect("followup:schedule", episode_id=episode.pk)
    return render(request, "form_page.html", {
        "form": form, "patient": episode.patient,
        "title": _("Record conversion to joint replacement: %(joint)s") % {"joint": episode}})
