"""Staff pages of the consultation: the episode's intake, assessment, decision and consent.

Views parse input, check the role (403) and the site (404 through accounts.access), call a
service and render; every read of patient data leaves an access record.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from orthoregen.pathways.consent import CONSENT_ELEMENTS, PROCEEDING_OUTCOMES
from orthoregen.web import stages
from orthoregen.web.accounts.access import get_visible_or_404, scope
from orthoregen.web.accounts.permissions import AuthenticatedHttpRequest, requires
from orthoregen.web.accounts.roles import Action
from orthoregen.web.audit.models import AccessAction
from orthoregen.web.audit.services import access_record
from orthoregen.web.clinic.models import JointEpisode, Patient
from orthoregen.web.consultation import carry_forward, presenters, rows, services
from orthoregen.web.consultation.consent_documents import consent_documents_offered
from orthoregen.web.consultation.forms import (
    ConsentForm,
    DecisionForm,
    PatientHistoryForm,
    WithdrawalForm,
)
from orthoregen.web.consultation.models import Intake, PatientHistory
from orthoregen.web.consultation.models.consent import ConsentImmutable
from orthoregen.web.consultation.panels import patient_allergies


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
    return render(request, "consultation/episode.html", _episode_context(request, episode))


def _decision_form(current: services.EpisodeAssessment,
                   data: Any = None) -> DecisionForm:
    return DecisionForm(data, rules_needing_reason=current.rules_needing_reason,
                        proceeding=current.assessment.outcome in PROCEEDING_OUTCOMES)


def _episode_context(request: AuthenticatedHttpRequest, episode: JointEpisode,
                     decision_form: DecisionForm | None = None) -> dict:
    today = timezone.localdate()
    current = services.episode_assess(episode, today)
    decision_form = decision_form or _decision_form(current)
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
        "intake": intake,
        "items": _items(intake), "patient_items": _patient_items(episode.patient),
        "patient_history": PatientHistory.objects.filter(patient=episode.patient).first(),
        "allergies": patient_allergies(episode.patient), "current": current,
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
    # Laboratory results are the patient's: shown here as every joint's page shows them.
    owners = (intake, intake.episode.patient)
    return [{"heading": table.heading,
             "rows": list(getattr(owner, related).current())}
            for table, owner, related in zip(rows.JOINT_TABLES, owners,
                                             ("conservative_care", "labs"), strict=True)]


def _patient_items(patient: Patient) -> list[dict]:
    return [{"heading": table.heading, "rows": list(getattr(patient, related).current())}
            for table, related in zip(rows.PATIENT_TABLES[:3],
                                      ("injections", "surgeries", "medications"), strict=True)]


def _next_without_intake(patient: Patient, *, after: JointEpisode | None = None,
                         user: Any) -> JointEpisode | None:
    """Return the patient's first visible joint without an intake (not ``after``)."""
    episodes = scope(JointEpisode.objects.filter(patient=patient, intake__isnull=True), user)
    if after is not None:
        episodes = episodes.exclude(pk=after.pk)
    return episodes.order_by("pk").first()


def _formsets(tables: tuple[rows.Table, ...], records: dict[str, list],
              data: Any) -> list[rows.RowFormSet]:
    return [rows.table_formset(table, records[table.key], data) for table in tables]


def _more_rows(request: AuthenticatedHttpRequest) -> tuple[Any, bool]:
    """Return the posted data, with one more blank row if "Add another row" was pressed."""
    key = request.POST.get("more", "")
    known = {table.key for table in (*rows.PATIENT_TABLES, *rows.JOINT_TABLES)}
    if key in known:
        return rows.with_one_more_row(request.POST, key), True
    return request.POST, False


@requires(Action.ENTER_INTAKE)
@require_http_methods(["GET", "POST"])
def patient_history(request: AuthenticatedHttpRequest, patient_id: int) -> HttpResponse:
    """The patient's own history on one page: every joint's injections and operations,
    medications and allergies, in repeating rows saved in one transaction."""
    patient = get_visible_or_404(Patient.objects.select_related("site"), request.user,
                                 pk=patient_id)
    episode = _from_episode(request, patient)
    history = PatientHistory.objects.filter(patient=patient).first()
    records = {"injection": list(patient.injections.current()),
               "surgery": list(patient.surgeries.current()),
               "medication": list(patient.medications.current()),
               "allergy": list(patient.allergies.current()),
               "body": list(patient.body_measurements.current())}
    initial = {"seen_saved_at": services.history_saved_at(history)}
    if history is not None:
        initial.update({name: getattr(history, name)
                        for name in PatientHistoryForm.base_fields if name != "seen_saved_at"})
    data, adding_row = (_more_rows(request) if request.method == "POST" else (None, False))
    form = PatientHistoryForm(data, initial=initial)
    formsets = _formsets(rows.PATIENT_TABLES, records, data)
    next_intake = _next_without_intake(patient, user=request.user) if episode is None \
        else (episode if not Intake.objects.filter(episode=episode).exists()
              else _next_without_intake(patient, after=episode, user=request.user))
    show_errors = request.method == "POST" and not adding_row
    if show_errors and form.is_valid() and rows.tables_valid(formsets):
        taken = services.HistoriesTaken(**{
            name: form.cleaned_data[name] for name in PatientHistoryForm.base_fields
            if name != "seen_saved_at"})
        try:
            services.patient_history_save(
                patient, taken=taken, seen_saved_at=form.cleaned_data["seen_saved_at"],
                tables=rows.tables_changes(formsets),
                by=request.user)
        except (services.HistorySavedMeanwhile, services.RowRefused) as refused:
            messages.error(request, refused.messages[0] if isinstance(
                refused, ValidationError) else str(refused))
            return redirect(request.get_full_path())
        messages.success(request, _("Saved the history of %(given)s %(family)s, seen by every "
                                    "joint.") % {"given": patient.given_name,
                                                 "family": patient.family_name})
        if request.POST.get("then") == "intake" and next_intake is not None:
            return redirect("consultation:intake-edit", episode_id=next_intake.pk)
        if episode is not None:
            return redirect("consultation:episode", episode_id=episode.pk)
        return redirect("patient-detail", patient_id=patient.pk)
    access_record(request, AccessAction.VIEW, patient=patient,
                  detail="consultation patient history form")
    return render(request, "consultation/patient_history.html", {
        "form": form, "formsets": formsets, "patient": patient, "episode": episode,
        "next_intake": next_intake, "show_errors": show_errors,
        "has_errors": show_errors and _has_errors(form, formsets),
        "title": _("Patient history (every joint)")})


def _has_errors(form: Any, formsets: list[rows.RowFormSet]) -> bool:
    return bool(form.errors) or any(fs.total_error_count() for fs in formsets if fs.is_bound)


def _from_episode(request: AuthenticatedHttpRequest, patient: Patient) -> JointEpisode | None:
    """Return the patient's episode the page was opened from (``?episode=``), if visible."""
    value = request.GET.get("episode", "")
    if not value.isdigit():
        return None
    return scope(JointEpisode.objects.filter(patient=patient, pk=int(value)),
                 request.user).first()


@requires(Action.ENTER_INTAKE)
@require_http_methods(["GET", "POST"])
def intake_edit(request: AuthenticatedHttpRequest, episode_id: int) -> HttpResponse:
    """One joint's intake on one page: its answers and its conservative care and laboratory
    rows, saved in one transaction; the patient's own history is on its own page."""
    episode = _episode(request, episode_id)
    intake = Intake.objects.filter(episode=episode).select_related("entered_by").first()
    records: dict[str, list] = {"care": [], "lab": list(episode.patient.labs.current())}
    if intake is not None:
        records["care"] = list(intake.conservative_care.current())
    data, adding_row = (_more_rows(request) if request.method == "POST" else (None, False))
    next_intake = _next_without_intake(episode.patient, after=episode, user=request.user)
    try:
        if request.method == "POST" and not adding_row:
            # Checked before the form, so a stale form is refused rather than validated
            # against a record its author never saw; intake_save checks again under a lock.
            services.intake_check_unchanged(intake, request.POST.get("seen_saved_at", ""))
        form = carry_forward.intake_form(request, episode, intake or _new_intake(episode),
                                         data=data)
        formsets = _formsets(rows.JOINT_TABLES, records, data)
        if request.method == "POST" and not adding_row and form.is_valid() \
                and rows.tables_valid(formsets):
            cleaned = form.cleaned_data
            answers = services.IntakeAnswers(
                **{field.name: cleaned[field.name] for field in fields(services.IntakeAnswers)})
            services.intake_save(episode, answers=answers, seen_saved_at=cleaned["seen_saved_at"],
                                 patient=services.PatientAnswers.from_values(cleaned),
                                 carried=carry_forward.carried_forward(form),
                                 tables=rows.tables_changes(formsets),
                                 by=request.user)
            messages.success(request, _("Saved the intake of the %(episode)s.")
                             % {"episode": episode})
            if request.POST.get("then") == "next" and next_intake is not None:
                return redirect("consultation:intake-edit", episode_id=next_intake.pk)
            return redirect("consultation:episode", episode_id=episode.pk)
    except services.IntakeSavedMeanwhile as refused:
        messages.error(request, str(refused))
        return redirect("consultation:intake-edit", episode_id=episode.pk)
    except services.RowRefused as refused:
        messages.error(request, refused.messages[0])
        return redirect("consultation:intake-edit", episode_id=episode.pk)
    source = getattr(form, "source", None)
    _read(request, episode, "intake form" + (
        f" carried forward from intake {source.pk} (episode {source.episode_id})"
        if source else ""))
    return render(request, "consultation/intake_form.html", {
        "form": form, "formsets": formsets, "episode": episode, "patient": episode.patient,
        "next_intake": next_intake, "show_errors": request.method == "POST" and not adding_row,
        "has_errors": request.method == "POST" and not adding_row
        and _has_errors(form, formsets),
        "patient_history": PatientHistory.objects.filter(patient=episode.patient).first(),
        "title": _("Intake: %(joint)s") % {"joint": episode}})


def _new_intake(episode: JointEpisode) -> Intake:
    """Start an intake with today's date and the episode's recorded radiograph grade."""
    return Intake(episode=episode, recorded_on=timezone.localdate(),
                  radiograph_scale=episode.grade_scale if episode.grade is not None else "",
                  radiograph_grade=episode.grade)


@requires(Action.DECIDE_CANDIDACY)
@require_POST
def decide(request: AuthenticatedHttpRequest, episode_id: int) -> HttpResponse:
    episode = _episode(request, episode_id)
    form = _decision_form(services.episode_assess(episode, timezone.localdate()), request.POST)
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
            messages.success(request, _("Recorded the decision: %(decision)s.")
                             % {"decision": decision.get_kind_display()})
            return redirect("consultation:episode", episode_id=episode.pk)
    _read(request, episode, "page")
    context = _episode_context(request, episode, form)
    return render(request, "consultation/episode.html", context)


@requires(Action.RECORD_CONSENT)
@require_http_methods(["GET", "POST"])
def consent_record(request: AuthenticatedHttpRequest, episode_id: int) -> HttpResponse:
    episode = _episode(request, episode_id)
    documents = consent_documents_offered(episode.patient.site)
    form = ConsentForm(request.POST or None, documents=documents,
                       initial={"consented_on": timezone.localdate(),
                                "consenting_person": f"{episode.patient.given_name} "
                                                     f"{episode.patient.family_name}"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.consent_record(
                episode, document=data["document"], consented_on=data["consented_on"],
                consenting_as=data["consenting_as"], consenting_person=data["consenting_person"],
                elements_confirmed=data["elements_confirmed"], by=request.user)
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field, problems)
        else:
            messages.success(request, _("Recorded the informed consent."))
            return redirect("consultation:episode", episode_id=episode.pk)
    _read(request, episode, "consent form")
    return render(request, "consultation/consent_form.html", {
        "form": form, "episode": episode, "patient": episode.patient, "documents": documents,
        "title": _("Record informed consent: %(joint)s") % {"joint": episode}})


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
            messages.success(request, _("Recorded the withdrawal of consent."))
            return redirect("consultation:episode", episode_id=episode.pk)
    _read(request, episode, "consent withdrawal form")
    return render(request, "consultation/form.html", {
        "form": form, "episode": episode, "patient": episode.patient,
        "title": _("Record withdrawal of the consent of %(day)s")
        % {"day": date_format(record.consented_on, "d M Y")},
        "already": _("This consent was withdrawn on %(day)s.")
        % {"day": date_format(record.withdrawn_on, "d M Y")}
        if record.is_withdrawn and record.withdrawn_on else ""})


@requires(Action.VIEW_PATIENT)
def consent_print(request: AuthenticatedHttpRequest, episode_id: int,
                  consent_id: int) -> HttpResponse:
    """The consent record as a document to print and sign: the text agreed to, its version
    and hash, the elements discussed, and who recorded it in the system and when."""
    episode = _episode(request, episode_id)
    record = get_visible_or_404(
        episode.consents.select_related("document", "taken_by", "withdrawal_recorded_by"),
        request.user, pk=consent_id)
    _read(request, episode, f"printable consent {record.pk}")
    return render(request, "consultation/consent_print.html", {
        "consent": record, "episode": episode, "patient": episode.patient,
        "elements": [item.label for item in CONSENT_ELEMENTS
                     if item.element.value in record.elements_confirmed],
        "title": _("Consent: %(family_name)s, %(joint)s") % {
            "family_name": episode.patient.family_name, "joint": episode}})
