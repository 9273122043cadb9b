"""Staff pages of the consultation: the episode's intake, assessment, decision and consent.

Views parse input, check the role (403) and the site (404 through accounts.access), call a
service and render; every read of patient data leaves an access record.
"""

from __future__ import annotations

from dataclasses import fields

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from orthoregen.web import stages
from orthoregen.web.accounts.access import get_visible_or_404
from orthoregen.web.accounts.permissions import AuthenticatedHttpRequest, requires
from orthoregen.web.accounts.roles import Action
from orthoregen.web.audit.models import AccessAction
from orthoregen.web.audit.services import access_record
from orthoregen.web.clinic.models import JointEpisode
from orthoregen.web.consultation import carry_forward, presenters, services
from orthoregen.web.consultation.forms import (
    ITEM_KINDS,
    ConsentForm,
    DecisionForm,
    WithdrawalForm,
)
from orthoregen.web.consultation.models import ConsentDocument, Intake
from orthoregen.web.consultation.models.consent import ConsentImmutable


def _episode(request: AuthenticatedHttpRequest, episode_id: int) -> JointEpisode:
    return get_visible_or_404(JointEpisode.objects.select_related("patient__site"),
                              request.user, pk=episode_id)


def _read(request: AuthenticatedHttpRequest, episode: JointEpisode, what: str) -> None:
    access_record(request, AccessAction.VIEW, patient=episode.patient,
                  detail=f"consultation {what}: episode {episode.pk}")


@requires(Action.VIEW_PATIENT)
def episode(request: AuthenticatedHttpRequest, episode_id: int) -> HttpResponse:
    episode = _episode(request, episode_id)
    _read(request, episode, "page")
    return render(request, "consultation/episode.html",
                  _episode_context(request, episode, DecisionForm()))


def _episode_context(request: AuthenticatedHttpRequest, episode: JointEpisode,
                     decision_form: DecisionForm) -> dict:
    today = timezone.localdate()
    current = services.episode_assess(episode, today)
    intake = Intake.objects.filter(episode=episode).select_related(
        "entered_by", "carried_forward_from__episode").first()
    decisions = list(episode.decisions.select_related("protocol", "decided_by"))
    for decision in decisions:
        # Shown by the template beside each decision; not fields of the model.
        decision.view = (  # type: ignore[attr-defined]
            presenters.summary(decision.assessment) if decision.assessment else None)
        decision.outcome_text = presenters.outcome_text(  # type: ignore[attr-defined]
            decision.outcome, decision.defer_until)
    return {
        "episode": episode, "patient": episode.patient, "today": today,
        "age": episode.patient.age_on(today), "intake": intake,
        "items": _items(intake), "current": current,
        "assessment": presenters.summary(current.assessment.to_dict()),
        "decisions": decisions, "decision_form": decision_form,
        "consents": list(episode.consents.select_related("document", "taken_by",
                                                         "withdrawal_recorded_by")),
        "gate": services.procedure_gate(episode, today),
        # Later stages' sections (the registry's "patients like you"), through web/stages.py.
        "later_panels": stages.consultation_panels(episode, user=request.user),
    }


def _items(intake: Intake | None) -> list[dict]:
    if intake is None:
        return []
    return [{"kind": kind, "one": one, "heading": heading,
             "rows": list(getattr(intake, related).all())}
            for kind, (_, related, one, heading) in ITEM_KINDS.items()]


@requires(Action.ENTER_INTAKE)
@require_http_methods(["GET", "POST"])
def intake_edit(request: AuthenticatedHttpRequest, episode_id: int) -> HttpResponse:
    episode = _episode(request, episode_id)
    intake = Intake.objects.filter(episode=episode).select_related("entered_by").first()
    try:
        if request.method == "POST":
            # Checked before the form, so a stale form is refused rather than validated
            # against a record its author never saw; intake_save checks again under a lock.
            services.intake_check_unchanged(intake, request.POST.get("seen_saved_at", ""))
        form = carry_forward.intake_form(request, episode, intake or _new_intake(episode))
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            answers = services.IntakeAnswers(
                **{field.name: data[field.name] for field in fields(services.IntakeAnswers)})
            services.intake_save(episode, answers=answers, seen_saved_at=data["seen_saved_at"],
                                 carried=carry_forward.carried_forward(form), by=request.user)
            messages.success(request, f"Saved the intake of the {episode}.")
            return redirect("consultation:episode", episode_id=episode.pk)
    except services.IntakeSavedMeanwhile as refused:
        messages.error(request, str(refused))
        return redirect("consultation:intake-edit", episode_id=episode.pk)
    source = getattr(form, "source", None)
    _read(request, episode, "intake form" + (
        f" carried forward from intake {source.pk} (episode {source.episode_id})"
        if source else ""))
    return render(request, "consultation/intake_form.html", {
        "form": form, "episode": episode, "patient": episode.patient,
        "title": f"Intake: {episode}"})


def _new_intake(episode: JointEpisode) -> Intake:
    """Start an intake with today's date and the episode's recorded radiograph grade."""
    return Intake(episode=episode, recorded_on=timezone.localdate(),
                  radiograph_scale=episode.grade_scale if episode.grade is not None else "",
                  radiograph_grade=episode.grade)


@requires(Action.ENTER_INTAKE)
@require_http_methods(["GET", "POST"])
def intake_item_add(request: AuthenticatedHttpRequest, episode_id: int, kind: str) -> HttpResponse:
    if kind not in ITEM_KINDS:
        raise Http404("No such history table.")
    episode = _episode(request, episode_id)
    intake = Intake.objects.filter(episode=episode).first()
    if intake is None:
        messages.error(request, "Start the intake before adding history.")
        return redirect("consultation:intake-edit", episode_id=episode.pk)
    form_class, _, heading, _ = ITEM_KINDS[kind]
    form = form_class(request.POST or None, initial={"joint": episode.joint, "side": episode.side})
    if request.method == "POST" and form.is_valid():
        # django-stubs types a ModelForm's _meta per instance; the class holds the same one.
        model = form_class._meta.model  # type: ignore[misc]
        row = services.HISTORY_ROWS[model](**form.cleaned_data)
        item = services.intake_item_save(intake, row=row, by=request.user)
        messages.success(request, f"Added {item}.")
        return redirect("consultation:episode", episode_id=episode.pk)
    return render(request, "consultation/form.html", {
        "form": form, "episode": episode, "patient": episode.patient,
        "title": f"Add: {heading.lower()} ({episode})"})


@requires(Action.ENTER_INTAKE)
@require_POST
def intake_item_remove(request: AuthenticatedHttpRequest, episode_id: int, kind: str,
                       item_id: int) -> HttpResponse:
    if kind not in ITEM_KINDS:
        raise Http404("No such history table.")
    episode = _episode(request, episode_id)
    form_class = ITEM_KINDS[kind][0]
    model = form_class._meta.model  # type: ignore[misc]  # as in intake_item_add
    item = get_visible_or_404(model.objects.all(), request.user,
                              pk=item_id, intake__episode=episode)
    services.intake_item_remove(item)
    messages.success(request, f"Removed {item}.")
    return redirect("consultation:episode", episode_id=episode.pk)


@requires(Action.DECIDE_CANDIDACY)
@require_POST
def decide(request: AuthenticatedHttpRequest, episode_id: int) -> HttpResponse:
    episode = _episode(request, episode_id)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            decision = services.decision_record(
                episode, kind=form.cleaned_data["kind"], reason=form.cleaned_data["reason"],
                seen_outcome=form.cleaned_data["seen_outcome"], by=request.user,
                on_date=timezone.localdate())
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                for problem in problems:
                    form.add_error(field, problem)
        else:
            messages.success(request, f"Recorded the decision: {decision.get_kind_display()}.")
            return redirect("consultation:episode", episode_id=episode.pk)
    _read(request, episode, "page")
    context = _episode_context(request, episode, form)
    return render(request, "consultation/episode.html", context)


@requires(Action.RECORD_CONSENT)
@require_http_methods(["GET", "POST"])
def consent_record(request: AuthenticatedHttpRequest, episode_id: int) -> HttpResponse:
    episode = _episode(request, episode_id)
    documents = ConsentDocument.objects.filter(site=episode.patient.site, published=True)
    form = ConsentForm(request.POST or None, documents=documents,
                       initial={"consented_on": timezone.localdate(),
                                "consenting_person": f"{episode.patient.given_name} "
                                                     f"{episode.patient.family_name}"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.consent_record(
            episode, document=data["document"], consented_on=data["consented_on"],
            consenting_as=data["consenting_as"], consenting_person=data["consenting_person"],
            elements_confirmed=data["elements_confirmed"], by=request.user)
        messages.success(request, "Recorded the informed consent.")
        return redirect("consultation:episode", episode_id=episode.pk)
    _read(request, episode, "consent form")
    return render(request, "consultation/consent_form.html", {
        "form": form, "episode": episode, "patient": episode.patient, "documents": documents,
        "title": f"Record informed consent: {episode}"})


@requires(Action.RECORD_CONSENT)
@require_http_methods(["GET", "POST"])
def consent_withdraw(request: AuthenticatedHttpRequest, episode_id: int,
                     consent_id: int) -> HttpResponse:
    episode = _episode(request, episode_id)
    record = get_visible_or_404(episode.consents.all(), request.user, pk=consent_id)
    form: WithdrawalForm | None = WithdrawalForm(
        request.POST or None, initial={"withdrawn_on": timezone.localdate()})
    if record.is_withdrawn:
        form = None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            services.consent_withdraw(record, withdrawn_on=form.cleaned_data["withdrawn_on"],
                                      reason=form.cleaned_data["reason"], by=request.user)
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field, problems)
        except ConsentImmutable as error:
            messages.error(request, str(error))
            return redirect("consultation:episode", episode_id=episode.pk)
        else:
            messages.success(request, "Recorded the withdrawal of consent.")
            return redirect("consultation:episode", episode_id=episode.pk)
    _read(request, episode, "consent withdrawal form")
    return render(request, "consultation/form.html", {
        "form": form, "episode": episode, "patient": episode.patient,
        "title": f"Record withdrawal of the consent of {record.consented_on:%d %b %Y}",
        "already": record.is_withdrawn and f"This consent was withdrawn on "
                                          f"{record.withdrawn_on:%d %b %Y}."})
