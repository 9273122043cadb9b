"""The patient portal: questionnaires through a private link, then the patient's own results.

No login: the link is the key (followup.questionnaires). Whatever is wrong with a link, the
patient sees the same friendly page, which names no one, and an access record is written.
"""

from __future__ import annotations

import time
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from orthoregen.instruments import display_value, get_instrument
from orthoregen.instruments.textpacks import TextPack
from orthoregen.web.audit.models import AccessAction
from orthoregen.web.audit.services import access_record
from orthoregen.web.clinic.models import Patient
from orthoregen.web.followup.models import QuestionnaireInvitation, QuestionnaireResponse
from orthoregen.web.followup.questionnaires import (
    LinkRefused,
    draft_save,
    invitation_open,
    patient_instruments,
    questionnaire_submit,
)
from orthoregen.web.portal.forms import ComplicationForm, InstrumentForm
from orthoregen.web.portal.limits import rate_limited

RESULTS_SECONDS = 60 * 60  # how long the browser that submitted may see the results
COMPLICATIONS = "complications"


def _refused(request: HttpRequest, error: LinkRefused) -> HttpResponse:
    patient = error.invitation.visit.schedule.episode.patient if error.invitation else None
    invitation = error.invitation.pk if error.invitation else "none"
    access_record(request, AccessAction.VIEW, patient=patient,
                  detail=f"portal: link refused ({error.reason}); invitation={invitation}")
    return render(request, "portal/refused.html", status=404)


def _steps(invitation: QuestionnaireInvitation) -> list[tuple[str, TextPack | None]]:
    offered = patient_instruments(invitation.visit)
    return [(o.instrument_id, o.pack) for o in offered] + [(COMPLICATIONS, None)]


def _step_form(step_id: str, pack: TextPack | None, invitation: QuestionnaireInvitation,
               data: Any = None) -> ComplicationForm | InstrumentForm:
    if step_id == COMPLICATIONS:
        return ComplicationForm(data)
    assert pack is not None  # _steps() gives every step but the complications one its pack
    initial = InstrumentForm.initial_from(invitation.draft.get(step_id, {}))
    return InstrumentForm(data, instrument_id=step_id, pack=pack, initial=initial)


def _step_index(request: HttpRequest, steps: list[tuple[str, TextPack | None]],
                invitation: QuestionnaireInvitation) -> int:
    raw = request.POST.get("step") or request.GET.get("step")
    if raw and raw.isdigit() and int(raw) < len(steps):
        return int(raw)
    # Continue where the patient left off: the first instrument not yet saved.
    return next((i for i, (step_id, _) in enumerate(steps)
                 if step_id != COMPLICATIONS and step_id not in invitation.draft),
                len(steps) - 1)


@never_cache
@require_http_methods(["GET", "POST"])
@rate_limited
def questionnaire(request: HttpRequest, token: str) -> HttpResponse:
    session_done = request.session.get("portal_done_tokens", [])
    try:
        invitation = invitation_open(token)
    except LinkRefused as error:
        if token in session_done:  # a double tap or retry from the browser that submitted
            return redirect("portal:results")
        return _refused(request, error)
    patient = invitation.visit.schedule.episode.patient
    steps = _steps(invitation)
    index = _step_index(request, steps, invitation)
    step_id, pack = steps[index]
    form = _step_form(step_id, pack, invitation, request.POST if request.method == "POST" else None)
    access_record(request, AccessAction.VIEW, patient=patient,
                  detail=f"portal: questionnaire invitation={invitation.pk} step={step_id}")
    saved_for_later = False
    if request.method == "POST" and form.is_valid():
        if isinstance(form, InstrumentForm):  # every step but the complications one
            draft_save(invitation, step_id, form.answers())
            if "save_later" in request.POST:
                saved_for_later = True
            else:
                return HttpResponseRedirect(f"{request.path}?step={index + 1}")
        else:
            missing = next((i for i, (sid, _) in enumerate(steps)
                            if sid != COMPLICATIONS and sid not in invitation.draft), None)
            if missing is not None:
                return HttpResponseRedirect(f"{request.path}?step={missing}")
            questionnaire_submit(invitation, form.answers())
            request.session["portal_done_tokens"] = [*session_done, token][-5:]
            request.session["portal_patient"] = patient.pk
            request.session["portal_until"] = time.time() + RESULTS_SECONDS
            return redirect("portal:results")
    return render(request, "portal/questionnaire.html", {
        "form": form, "step_id": step_id, "pack": pack, "index": index,
        "number": index + 1, "total": len(steps), "visit": invitation.visit,
        "given_name": patient.given_name, "saved_for_later": saved_for_later,
        "is_last": step_id == COMPLICATIONS,
        "back_url": f"{request.path}?step={index - 1}" if index else None,
    })


def _results_rows(patient_id: int) -> list[dict[str, Any]]:
    rows: dict[tuple, dict] = {}
    responses = QuestionnaireResponse.objects.filter(episode__patient_id=patient_id) \
        .select_related("episode").order_by("completed_on", "id")
    for response in responses:
        instrument = get_instrument(response.instrument_id)
        key = (response.episode_id, response.instrument_id)
        group = rows.setdefault(key, {"episode": response.episode, "name": instrument.name,
                                      "subscales": instrument.subscales, "points": []})
        values = [display_value(response.instrument_id, s.id, response.scores.get(s.id))
                  for s in instrument.subscales]
        group["points"].append({"on": response.completed_on, "timepoint": response.timepoint,
                                "values": values})
    for group in rows.values():
        group["directions"] = ["higher is better" if s.higher_is_better else "lower is better"
                               for s in group["subscales"]]
    return list(rows.values())


@never_cache
@rate_limited
def results(request: HttpRequest) -> HttpResponse:
    patient_id = request.session.get("portal_patient")
    if not patient_id or request.session.get("portal_until", 0) < time.time():
        access_record(request, AccessAction.VIEW, detail="portal: results refused (no session)")
        return render(request, "portal/refused.html", status=404)
    patient = Patient.objects.filter(pk=patient_id).first()
    rows = _results_rows(patient_id)
    access_record(request, AccessAction.VIEW, patient=patient, detail="portal: own results")
    return render(request, "portal/results.html", {
        "groups": rows, "given_name": patient.given_name if patient else "",
        "done_url": reverse("portal:done")})


PORTAL_SESSION_KEYS = ("portal_patient", "portal_until", "portal_done_tokens")


@never_cache
@require_http_methods(["GET", "POST"])
def done(request: HttpRequest) -> HttpResponse:
    """Close the results (a shared phone should not keep showing them), on a posted form only.

    A GET changes nothing, so a link or image elsewhere cannot close anything; and only the
    portal's own keys go, so a member of staff testing a link in their browser stays signed in.
    """
    if request.method == "POST":
        for key in PORTAL_SESSION_KEYS:
            request.session.pop(key, None)
        return redirect("portal:done")
    return render(request, "portal/done.html")
