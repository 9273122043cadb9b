"""The patient portal: questionnaires through a private link, then the patient's own results.

No login: the link is the key (followup.questionnaires). Whatever is wrong with a link, the
patient sees the same friendly page, which names no one, and an access record is written.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from orthoregen.instruments import display_value, get_instrument
from orthoregen.instruments.textpacks import TextPack
from orthoregen.scheduling.protocol import BASELINE_VISIT_ID
from orthoregen.web.audit.models import AccessAction
from orthoregen.web.audit.services import access_record
from orthoregen.web.clinic.languages import joint_name, language_code, visit_label, words_list
from orthoregen.web.clinic.models import Patient
from orthoregen.web.followup.models import (
    InvitationMode,
    QuestionnaireInvitation,
    QuestionnaireResponse,
    ScheduledVisit,
)
from orthoregen.web.followup.questionnaires import (
    TABLET_IDLE,
    LinkRefused,
    draft_key,
    draft_save,
    invitation_open,
    invitation_visits,
    patient_instruments,
    questionnaire_submit,
)
from orthoregen.web.parsing import parse_id
from orthoregen.web.portal.forms import ComplicationForm, InstrumentForm
from orthoregen.web.portal.limits import rate_limited
from orthoregen.web.portal.questions import blank_questions, instrument_form, questions_html

RESULTS_SECONDS = 60 * 60  # how long the browser that submitted may see the results
COMPLICATIONS = "complications"


def _refused(request: HttpRequest, error: LinkRefused) -> HttpResponse:
    patient = error.invitation.visit.schedule.episode.patient if error.invitation else None
    invitation = error.invitation.pk if error.invitation else "none"
    access_record(request, AccessAction.VIEW, patient=patient,
                  detail=f"portal: link refused ({error.reason}); invitation={invitation}")
    return render(request, "portal/refused.html", status=404)


@dataclass(frozen=True)
class Step:
    """One page of a link: one joint's instrument, or the closing page (visit None)."""

    visit: ScheduledVisit | None
    instrument_id: str
    pack: TextPack | None
    key: str  # where the link's draft keeps this page's answers


def _steps(invitation: QuestionnaireInvitation, visits: list[ScheduledVisit]) -> list[Step]:
    """Return the link's pages; `visits` are its invitation_visits(), read once a request."""
    steps = [Step(visit, offered.instrument_id, offered.pack,
                  draft_key(invitation, visit, offered.instrument_id))
             for visit in visits
             for offered in patient_instruments(visit)]
    return [*steps, Step(None, COMPLICATIONS, None, COMPLICATIONS)]


def _follow_up_joints(invitation: QuestionnaireInvitation,
                      visits: list[ScheduledVisit]) -> list[tuple[int, str, bool]]:
    return [(v.pk, joint_name(v.schedule.episode), v.pk == invitation.visit_id)
            for v in visits if v.timepoint != BASELINE_VISIT_ID]


def _step_form(step: Step, invitation: QuestionnaireInvitation, visits: list[ScheduledVisit],
               data: Any = None) -> ComplicationForm | InstrumentForm:
    if step.visit is None:
        return ComplicationForm(data, joints=_follow_up_joints(invitation, visits))
    assert step.pack is not None  # _steps() gives every step but the closing one its pack
    initial = InstrumentForm.initial_from(invitation.draft.get(step.key, {}))
    return instrument_form(step.instrument_id, step.pack, _item_joint(step), data, initial)


def _item_joint(step: Step) -> str:
    """Name the step's joint in the language of its items' wording (questions.instrument_form)."""
    assert step.pack is not None and step.visit is not None
    with translation.override(language_code(step.pack.language)):
        return joint_name(step.visit.schedule.episode)


def _blank(step: Step, invitation: QuestionnaireInvitation, request: HttpRequest) -> bool:
    """Say whether a page shows an instrument's questions before any answer to them."""
    return (request.method == "GET" and step.visit is not None
            and not invitation.draft.get(step.key))


def _step_index(request: HttpRequest, steps: list[Step],
                invitation: QuestionnaireInvitation) -> int:
    raw = request.POST.get("step") or request.GET.get("step")
    index = parse_id(raw)  # "²" passes str.isdigit() and then fails int()
    if index is not None and index < len(steps):
        return index
    # Continue where the patient left off: the first instrument not yet saved.
    return next((i for i, step in enumerate(steps)
                 if step.visit is not None and step.key not in invitation.draft),
                len(steps) - 1)


def _joint_words(visits: list[ScheduledVisit]) -> str:
    return words_list(joint_name(v.schedule.episode) for v in visits)


def in_language(patient: Patient | None, page: Any, *args: Any, **kwargs: Any) -> HttpResponse:
    """Build a patient's page in the patient's language, for this request only.

    Never from the browser (a cookie or Accept-Language): a tablet or a shared phone passes
    from one patient to the next, and each must read their own language.
    """
    language = language_code(patient.preferred_language if patient else "en")
    with translation.override(language):
        response = page(*args, **kwargs)
    response["Content-Language"] = language
    return response


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
    if invitation.mode == InvitationMode.TABLET:
        # A tablet session's link is never typed or followed: only its session opens it.
        return _refused(request, LinkRefused("tablet link used outside its session",
                                             invitation))
    return _answer(request, invitation, token=token, tablet=False)


def _answer(request: HttpRequest, invitation: QuestionnaireInvitation, *, token: str,
            tablet: bool) -> HttpResponse:
    return in_language(invitation.visit.schedule.episode.patient, _answer_page, request,
                        invitation, token=token, tablet=tablet)


def _answer_page(request: HttpRequest, invitation: QuestionnaireInvitation, *, token: str,
                 tablet: bool) -> HttpResponse:
    session_done = request.session.get("portal_done_tokens", [])
    patient = invitation.visit.schedule.episode.patient
    # One read of the link's visits serves the steps, the joints and the headings: each
    # invitation_visits() call is a query of five joined tables.
    visits = invitation_visits(invitation)
    steps = _steps(invitation, visits)
    index = _step_index(request, steps, invitation)
    step = steps[index]
    # No form to build for a page of blank questions: they come already rendered.
    blank = _blank(step, invitation, request)
    form = None if blank else _step_form(step, invitation, visits,
                                         request.POST if request.method == "POST" else None)
    access_record(request, AccessAction.VIEW, patient=patient,
                  detail=f"portal: questionnaire invitation={invitation.pk} "
                         f"step={step.key}{' (tablet)' if tablet else ''}")
    saved_for_later = False
    if request.method == "POST" and form is not None and form.is_valid():
        if isinstance(form, InstrumentForm):  # every step but the closing one
            draft_save(invitation, step.key, form.answers())
            if "save_later" in request.POST and not tablet:
                saved_for_later = True
            else:
                return HttpResponseRedirect(f"{request.path}?step={index + 1}")
        else:
            missing = next((i for i, s in enumerate(steps)
                            if s.visit is not None and s.key not in invitation.draft), None)
            if missing is not None:
                return HttpResponseRedirect(f"{request.path}?step={missing}")
            questionnaire_submit(invitation, form.answers())
            if tablet:  # the tablet session ends here; nothing of the patient stays on it
                request.session.pop(TABLET_KEY, None)
                return redirect("portal:tablet-ended")
            request.session["portal_done_tokens"] = [*session_done, token][-5:]
            request.session["portal_patient"] = patient.pk
            request.session["portal_until"] = time.time() + RESULTS_SECONDS
            return redirect("portal:results")
    follow_up = bool(_follow_up_joints(invitation, visits))
    # No official wording in the patient's language: the site's, said so on the page.
    pack_language = step.pack.language if step.pack else patient.preferred_language
    other_language = pack_language != patient.preferred_language
    # Screen readers then read the instrument's own wording in its language.
    pack_lang = format_html(' lang="{}"', pack_language) if other_language else ""
    if form is None:
        assert step.pack is not None  # a blank page is an instrument's (_blank)
        questions = blank_questions(step.instrument_id, step.pack, _item_joint(step),
                                    pack_lang)
    else:
        questions = questions_html(form, pack_lang)
    return render(request, "portal/questionnaire.html", {
        "form": form, "questions": questions, "step_id": step.instrument_id,
        "pack": step.pack, "index": index,
        "number": index + 1, "total": len(steps), "visit": step.visit,
        "joint": joint_name(step.visit.schedule.episode) if step.visit else "",
        "visit_label": visit_label(step.visit.label) if step.visit else "",
        "wording_in_english": other_language, "pack_lang": pack_lang,
        "joints": _joint_words(visits), "several": len(visits) > 1,
        "follow_up": follow_up,
        "given_name": patient.given_name, "saved_for_later": saved_for_later,
        "is_last": step.visit is None, "tablet": tablet,
        "idle_seconds": int(TABLET_IDLE.total_seconds()) - 15,
        "back_url": f"{request.path}?step={index - 1}" if index else None,
    })


TABLET_KEY = "portal_tablet"


@never_cache
@require_http_methods(["GET", "POST"])
@rate_limited
def tablet(request: HttpRequest) -> HttpResponse:
    """An in-clinic tablet session a member of staff opened (followup.views.tablet_open).

    Its link lives only in this browser's session, which the staff member's sign-in left
    when the session was opened; it ends after submission or TABLET_IDLE without a request.
    """
    token = request.session.get(TABLET_KEY)
    if not token:
        return render(request, "portal/tablet_ended.html", status=404)
    try:
        invitation = invitation_open(token)
    except LinkRefused as error:
        request.session.pop(TABLET_KEY, None)
        patient = error.invitation.visit.schedule.episode.patient if error.invitation else None
        access_record(request, AccessAction.VIEW, patient=patient,
                      detail=f"portal: tablet session ended ({error.reason})")
        return render(request, "portal/tablet_ended.html", status=404)
    if invitation.mode != InvitationMode.TABLET:
        request.session.pop(TABLET_KEY, None)
        return render(request, "portal/tablet_ended.html", status=404)
    return _answer(request, invitation, token=token, tablet=True)


@never_cache
@require_http_methods(["GET", "POST"])
def tablet_ended(request: HttpRequest) -> HttpResponse:
    """The page a tablet session leaves on the screen: nothing about the patient."""
    request.session.pop(TABLET_KEY, None)
    return render(request, "portal/tablet_ended.html")


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
        group["directions"] = [gettext("higher is better") if s.higher_is_better
                               else gettext("lower is better") for s in group["subscales"]]
    return list(rows.values())


def _results_by_joint(patient_id: int) -> list[dict[str, Any]]:
    """Return the results grouped by joint, each headed by it ('Your right knee')."""
    joints: dict[int, dict[str, Any]] = {}
    for group in _results_rows(patient_id):
        episode = group["episode"]
        joints.setdefault(episode.pk, {"episode": episode, "joint": joint_name(episode),
                                       "groups": []})["groups"].append(group)
    return list(joints.values())


@never_cache
@rate_limited
def results(request: HttpRequest) -> HttpResponse:
    patient_id = request.session.get("portal_patient")
    if not patient_id or request.session.get("portal_until", 0) < time.time():
        access_record(request, AccessAction.VIEW, detail="portal: results refused (no session)")
        return render(request, "portal/refused.html", status=404)
    patient = Patient.objects.filter(pk=patient_id).first()
    access_record(request, AccessAction.VIEW, patient=patient, detail="portal: own results")
    return in_language(patient, _results_page, request, patient)


def _results_page(request: HttpRequest, patient: Patient | None) -> HttpResponse:
    return render(request, "portal/results.html", {
        "joints": _results_by_joint(patient.pk) if patient else [],
        "given_name": patient.given_name if patient else "",
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
