"""Staff entry pages: choose an instrument for a visit, enter it, see it scored, correct it.

Every page reads the visit through accounts.access (another site's visit is a 404) and
every write goes through followup.entry, which checks the role again.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from orthoregen.instruments import display_value, get_instrument
from orthoregen.web.accounts.access import get_visible_or_404
from orthoregen.web.accounts.permissions import AuthenticatedHttpRequest, requires
from orthoregen.web.accounts.roles import Action
from orthoregen.web.audit.models import AccessAction
from orthoregen.web.audit.services import access_record
from orthoregen.web.followup import entry
from orthoregen.web.followup.entry_forms import PREFIX, EntryForm
from orthoregen.web.followup.models import QuestionnaireResponse, ScheduledVisit
from orthoregen.web.followup.submissions import (
    TOKEN_FIELD,
    SubmissionRefused,
    submission_key,
    submission_token_issue,
)

EXPIRED = gettext_lazy("This form is too old or was not made for this page. Nothing has been "
                       "saved: check the visit's entries in case it was recorded meanwhile, "
                       "then submit again.")


def _visit(request: AuthenticatedHttpRequest, visit_id: int) -> ScheduledVisit:
    return get_visible_or_404(ScheduledVisit.objects.select_related(
        "schedule__episode__patient__site", "schedule__protocol"), request.user, pk=visit_id)


def _response(request: AuthenticatedHttpRequest, visit: ScheduledVisit,
              response_id: int) -> QuestionnaireResponse:
    found = visit.responses.select_related("entered_by").filter(pk=response_id).first()
    if found is None:
        raise Http404(_("No such record."))
    return found


def _scores(response: QuestionnaireResponse) -> list[dict[str, Any]]:
    """Every subscale at display precision, with why a score could not be computed."""
    result = entry.scored(response.instrument_id, response.answers)
    return [{"name": s.name, "value": display_value(response.instrument_id, s.subscale_id,
                                                   response.scores.get(s.subscale_id)),
             "reason": s.reason} for s in result.scores]


@requires(Action.MANAGE_FOLLOW_UP)
@require_GET
def entry_choose(request: AuthenticatedHttpRequest, visit_id: int) -> HttpResponse:
    visit = _visit(request, visit_id)
    try:
        offered = entry.entry_instruments(visit) if visit.kind == "visit" else []
    except entry.EntryRefused:
        offered = []
    patient = visit.schedule.episode.patient
    access_record(request, AccessAction.VIEW, patient=patient,
                  detail=f"staff entry of visit {visit.pk}")
    recorded = {r.instrument_id: r for r in visit.responses.select_related("entered_by")}
    return render(request, "followup/entry_choose.html", {
        "visit": visit, "patient": patient, "episode": visit.schedule.episode,
        "rows": [{"offered": o, "response": recorded.get(o.instrument.id),
                  "may": not o.clinician_only
                  or request.user.may(Action.ENTER_CLINICIAN_REPORTED)} for o in offered],
        "others": [r for r in recorded.values()
                   if r.instrument_id not in {o.instrument.id for o in offered}],
    })


@requires(Action.MANAGE_FOLLOW_UP)
@require_http_methods(["GET", "POST"])
def entry_create(request: AuthenticatedHttpRequest, visit_id: int,
                 instrument_id: str) -> HttpResponse:
    visit = _visit(request, visit_id)
    patient = visit.schedule.episode.patient
    try:
        offered = entry.entry_instrument(visit, instrument_id)
    except entry.EntryRefused as refused:
        raise Http404(refused.message) from None
    may_clinician = request.user.may(Action.ENTER_CLINICIAN_REPORTED)
    if offered.clinician_only and not may_clinician:
        raise PermissionDenied(_("Only a clinician may enter the %(instrument)s.")
                               % {"instrument": offered.instrument.name})
    existing = visit.responses.filter(instrument_id=instrument_id).first()
    if existing is not None:
        messages.info(request, _("A %(instrument)s is already recorded for this visit; correct "
                                 "it here.") % {"instrument": offered.instrument.name})
        return redirect("followup:entry-correct", visit_id=visit.pk, response_id=existing.pk)
    today = timezone.localdate()
    initial = {"completed_on": min(today, visit.latest)}
    form = EntryForm(request.POST if request.method == "POST" else None, offered=offered,
                     may_enter_clinician=may_clinician, initial=initial)
    problem = None
    if request.method == "POST" and form.is_valid():
        try:
            key = submission_key(request.POST.get(TOKEN_FIELD, ""), user=request.user,
                                 patient=patient)
            response = entry.entry_record(
                visit=visit, instrument_id=instrument_id, answers=form.answers(),
                mode=form.cleaned_data["mode"], completed_on=form.cleaned_data["completed_on"],
                by=request.user, key=key)
        except SubmissionRefused:
            problem = str(EXPIRED)  # in the language of this request
        except entry.EntryRefused as refused:
            _form_error(form, refused)
        else:
            messages.success(request, _("%(instrument)s saved and scored.")
                             % {"instrument": offered.instrument.name})
            return redirect("followup:entry-detail", visit_id=visit.pk, response_id=response.pk)
    else:
        access_record(request, AccessAction.VIEW, patient=patient,
                      detail=f"staff entry of {instrument_id} for visit {visit.pk}")
    return _form_page(request, visit, offered, form, problem=problem, correcting=None)


def _form_error(form: EntryForm, refused: entry.EntryRefused) -> None:
    name = refused.field
    if name is not None and name not in form.fields:
        name = PREFIX + name if PREFIX + name in form.fields else None
    form.add_error(name, refused.message)


def _form_page(request: AuthenticatedHttpRequest, visit: ScheduledVisit,
               offered: entry.EntryInstrument, form: EntryForm, *, problem: str | None,
               correcting: QuestionnaireResponse | None) -> HttpResponse:
    patient = visit.schedule.episode.patient
    status = 400 if form.is_bound and (form.errors or problem) else 200
    return render(request, "followup/entry_form.html", {
        "visit": visit, "patient": patient, "episode": visit.schedule.episode,
        "offered": offered, "form": form, "problem": problem, "correcting": correcting,
        "token": submission_token_issue(user=request.user, patient=patient),
        "token_field": TOKEN_FIELD,
        "licensed_without_text": offered.pack is None,
    }, status=status)


@requires(Action.MANAGE_FOLLOW_UP)
@require_GET
def entry_detail(request: AuthenticatedHttpRequest, visit_id: int,
                 response_id: int) -> HttpResponse:
    visit = _visit(request, visit_id)
    response = _response(request, visit, response_id)
    patient = visit.schedule.episode.patient
    access_record(request, AccessAction.VIEW, patient=patient,
                  detail=f"questionnaire response {response.pk}")
    instrument = get_instrument(response.instrument_id)
    pack = entry.wording(patient.site, instrument, timezone.localdate())
    history = list(response.history.select_related("history_user").order_by("-history_date"))
    return render(request, "followup/entry_detail.html", {
        "visit": visit, "patient": patient, "episode": visit.schedule.episode,
        "response": response, "instrument": instrument,
        "answers": entry.answers_text(instrument, response.answers, pack),
        "scores": _scores(response), "history": history,
    })


@requires(Action.MANAGE_FOLLOW_UP)
@require_http_methods(["GET", "POST"])
def entry_correct(request: AuthenticatedHttpRequest, visit_id: int,
                  response_id: int) -> HttpResponse:
    visit = _visit(request, visit_id)
    response = _response(request, visit, response_id)
    patient = visit.schedule.episode.patient
    instrument = get_instrument(response.instrument_id)
    items = entry.clinician_items(instrument)
    may_clinician = request.user.may(Action.ENTER_CLINICIAN_REPORTED)
    if items == frozenset(instrument.item_index) and not may_clinician:
        raise PermissionDenied(_("Only a clinician may correct the %(instrument)s.")
                               % {"instrument": instrument.name})
    offered = entry.EntryInstrument(
        instrument=instrument, due=False, clinician_items=items,
        pack=entry.wording(patient.site, instrument, timezone.localdate()))
    form = EntryForm(request.POST if request.method == "POST" else None, offered=offered,
                     may_enter_clinician=may_clinician, correcting=True,
                     initial=EntryForm.initial_from(response.answers))
    problem = None
    if request.method == "POST" and form.is_valid():
        try:
            submission_key(request.POST.get(TOKEN_FIELD, ""), user=request.user,
                           patient=patient)
            entry.entry_correct(response=response, answers=form.answers(),
                                reason=form.cleaned_data["reason"], by=request.user)
        except SubmissionRefused:
            problem = str(EXPIRED)  # in the language of this request
        except entry.EntryRefused as refused:
            _form_error(form, refused)
        else:
            messages.success(request, _("%(instrument)s corrected and scored again; the earlier "
                                        "version is kept in its history.")
                             % {"instrument": instrument.name})
            return redirect("followup:entry-detail", visit_id=visit.pk, response_id=response.pk)
    else:
        access_record(request, AccessAction.VIEW, patient=patient,
                      detail=f"correction of questionnaire response {response.pk}")
    return _form_page(request, visit, offered, form, problem=problem, correcting=response)
