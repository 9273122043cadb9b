"""Staff pages for follow-up: worklist, response rates, schedules, links, tasks, templates.

Views parse input, check who is asking and shape the response; every read of patient data
goes through accounts.access and leaves an access record, every write goes through a service.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from orthoregen.instruments import display_value, get_instrument
from orthoregen.scheduling import Window, visit_status
from orthoregen.web import stages
from orthoregen.web.accounts.access import get_visible_or_404
from orthoregen.web.accounts.permissions import AuthenticatedHttpRequest, requires
from orthoregen.web.accounts.roles import Action
from orthoregen.web.audit.models import AccessAction
from orthoregen.web.audit.services import access_record
from orthoregen.web.clinic.models import JointEpisode, Patient
from orthoregen.web.clinic.plausible import errors_onto
from orthoregen.web.followup import services
from orthoregen.web.followup.forms import (
    MessageTemplateForm,
    ScheduleStartForm,
    TaskCloseForm,
    WithdrawalForm,
)
from orthoregen.web.followup.messages import SAMPLE, template_for
from orthoregen.web.followup.messages import render as render_message
from orthoregen.web.followup.models import (
    Channel,
    MessageTemplate,
    ReviewTask,
    ScheduledVisit,
    TaskStatus,
    VisitState,
)
from orthoregen.web.followup.models.schedule import VisitStatusShown
from orthoregen.web.followup.questionnaires import invitation_create, patient_instruments
from orthoregen.web.followup.tablet import tablet_may_open
from orthoregen.web.followup.worklist import (
    SECTIONS,
    response_rates,
    stored_protocols,
    treated_without_baseline,
    worklist_sections,
)
from orthoregen.web.mail import portal_base_url

if TYPE_CHECKING:
    from django.core.paginator import Page

    from orthoregen.web.accounts.models import Site
    from orthoregen.web.followup.models import QuestionnaireResponse


@requires(Action.MANAGE_FOLLOW_UP)
def worklist(request: AuthenticatedHttpRequest) -> HttpResponse:
    today = timezone.localdate()
    pages = {name: request.GET.get(f"{name}_page") for name in SECTIONS}
    protocols = stored_protocols()  # read once for the sections and the baselines
    sections = worklist_sections(request.user, today, pages, protocols)
    access_record(request, AccessAction.SEARCH, detail="follow-up worklist")
    pagers = {name: _section_pager(request, name, section.page)
              for name, section in sections.items()}
    return render(request, "followup/worklist.html", {
        "sections": sections, "pagers": pagers, "today": today,
        "alerts": stages.worklist_alerts(request.user),
        "no_baseline": treated_without_baseline(request.user, today, protocols)})


def _section_pager(request: AuthenticatedHttpRequest, name: str,
                   page: Page[Any]) -> dict[str, str | None]:
    """Return the links to a section's previous and next pages, keeping the other sections'."""

    def link(number: int) -> str:
        query = request.GET.copy()
        query[f"{name}_page"] = str(number)
        return f"?{query.urlencode()}#{name}"

    return {"previous": link(page.previous_page_number()) if page.has_previous() else None,
            "next": link(page.next_page_number()) if page.has_next() else None}


@requires(Action.MANAGE_FOLLOW_UP)
def rates(request: AuthenticatedHttpRequest) -> HttpResponse:
    today = timezone.localdate()
    access_record(request, AccessAction.SEARCH, detail="follow-up response rates (counts)")
    return render(request, "followup/rates.html", {
        "rows": response_rates(request.user, today), "today": today})


def _visible_episode(request: AuthenticatedHttpRequest, episode_id: int) -> JointEpisode:
    return get_visible_or_404(JointEpisode.objects.select_related("patient__site"),
                              request.user, pk=episode_id)


def _display_status(visit: ScheduledVisit, today: dt.date) -> str:
    if visit.status == VisitState.STOPPED:
        return VisitState.STOPPED
    window = Window(visit.earliest, visit.target, visit.latest)
    return visit_status(window, visit.completed_on, today)


def score_summary(response: QuestionnaireResponse) -> str:
    """Return 'instrument: subscale value, …' at display precision, normalised where offered."""
    instrument = get_instrument(response.instrument_id)
    ids = [s.id for s in instrument.subscales]
    shown = [s for s in instrument.subscales if f"{s.id}_normalised" not in ids]
    parts = [f"{s.name} {display_value(instrument.id, s.id, response.scores.get(s.id))}"
             for s in shown]
    return f"{instrument.name}: " + ", ".join(parts).replace("None", "—")


@requires(Action.MANAGE_FOLLOW_UP)
def episode_schedule(request: AuthenticatedHttpRequest, episode_id: int) -> HttpResponse:
    episode = _visible_episode(request, episode_id)
    access_record(request, AccessAction.VIEW, patient=episode.patient,
                  detail=f"follow-up schedule of episode {episode.pk}")
    today = timezone.localdate()
    schedules = list(episode.followup_schedules.select_related("protocol")
                     .prefetch_related("visits__responses", "visits__messages"))
    for schedule in schedules:
        for visit in schedule.visits.all():
            # Shown by the template only: ScheduledVisit declares neither attribute.
            status = _display_status(visit, today)
            visit.display_status = status  # type: ignore[attr-defined]
            visit.status_word = VisitStatusShown(status).label  # type: ignore[attr-defined]
            visit.score_lines = [  # type: ignore[attr-defined]
                score_summary(r) for r in visit.responses.all()]
            visit.tablet_ok = (  # type: ignore[attr-defined]
                visit.kind == "visit" and tablet_may_open(visit))
    return render(request, "followup/schedule.html", {
        "episode": episode, "patient": episode.patient, "schedules": schedules,
        "outcomes": episode.outcome_events.all(),
        "adverse_events": episode.adverse_events.all(),
        "withdrawal": getattr(episode.patient, "followup_withdrawal", None),
        "start_form": ScheduleStartForm(),
    })


@requires(Action.MANAGE_FOLLOW_UP)
@require_POST
def schedule_start(request: AuthenticatedHttpRequest, episode_id: int) -> HttpResponse:
    episode = _visible_episode(request, episode_id)
    form = ScheduleStartForm(request.POST)
    if form.is_valid():
        services.schedule_create(episode, administered_on=form.cleaned_data["administered_on"],
                                 source="manual", by=request.user)
        messages.success(request, _("Follow-up schedule created."))
    else:
        messages.error(request, "; ".join(str(e) for e in form.errors["administered_on"]))
    return redirect("followup:schedule", episode_id=episode.pk)


@requires(Action.MANAGE_FOLLOW_UP)
@require_POST
def link_create(request: AuthenticatedHttpRequest, visit_id: int) -> HttpResponse:
    visit = get_visible_or_404(ScheduledVisit.objects.select_related(
        "schedule__episode__patient__site", "schedule__protocol"), request.user, pk=visit_id)
    patient = visit.schedule.episode.patient
    status = _display_status(visit, timezone.localdate())
    if status not in ("open", "overdue") or not patient_instruments(visit):
        messages.error(request, _("This visit has no questionnaire open for answers now."))
        return redirect("followup:schedule", episode_id=visit.schedule.episode_id)
    _invitation, token = invitation_create(visit)
    access_record(request, AccessAction.VIEW, patient=patient,
                  detail=f"created questionnaire link for visit {visit.pk}")
    link = portal_base_url(request) + reverse("portal:questionnaire", args=[token])
    # The token is shown once and never stored; a lost link is replaced by a new one.
    return render(request, "followup/link.html", {"visit": visit, "patient": patient,
                                                   "link": link})


@requires(Action.MANAGE_FOLLOW_UP)
@require_POST
def visit_done(request: AuthenticatedHttpRequest, visit_id: int) -> HttpResponse:
    """Mark an MRI (or a visit answered on paper) done today."""
    visit = get_visible_or_404(ScheduledVisit.objects.select_related("schedule"), request.user,
                               pk=visit_id, status=VisitState.PENDING)
    services.visit_complete(visit, completed_on=timezone.localdate())
    messages.success(request, _("%(visit)s %(kind)s marked done.")
                     % {"visit": visit.label, "kind": visit.get_kind_display().lower()})
    return redirect("followup:schedule", episode_id=visit.schedule.episode_id)


@requires(Action.MANAGE_FOLLOW_UP)
@require_http_methods(["GET", "POST"])
def task_close(request: AuthenticatedHttpRequest, task_id: int) -> HttpResponse:
    tasks = ReviewTask.objects.select_related("visit__schedule__episode__patient", "closed_by")
    task = get_visible_or_404(tasks, request.user, pk=task_id)
    if task.status != TaskStatus.OPEN:
        return _already_closed(request, task)
    form = TaskCloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.task_close(task, by=request.user, note=form.cleaned_data["note"])
        except services.TaskAlreadyClosed as closed:
            return _already_closed(request, closed.task)
        messages.success(request, _("Task closed."))
        return redirect("followup:worklist")
    patient = task.visit.schedule.episode.patient
    access_record(request, AccessAction.VIEW, patient=patient, detail=f"task {task.pk}")
    return render(request, "form_page.html", {
        "form": form, "patient": patient, "title": task.get_kind_display(),
        "intro": task.detail})


def _already_closed(request: AuthenticatedHttpRequest, task: ReviewTask) -> HttpResponse:
    # A second click or a colleague got there first: say so, keep their note, change nothing.
    who = task.closed_by.get_full_name() if task.closed_by else _("someone")
    if task.closed_at:
        when = date_format(timezone.localtime(task.closed_at), "d M Y H:i")
        message = _("This task was already closed by %(who)s at %(when)s; nothing was changed.")
        messages.info(request, message % {"who": who, "when": when})
    else:
        messages.info(request, _("This task was already closed by %(who)s; nothing was changed.")
                      % {"who": who})
    return redirect("followup:worklist")


@requires(Action.MANAGE_FOLLOW_UP)
@require_http_methods(["GET", "POST"])
def withdrawal_create(request: AuthenticatedHttpRequest, patient_id: int) -> HttpResponse:
    patient = get_visible_or_404(Patient.objects.select_related("site"), request.user,
                                 pk=patient_id)
    form = WithdrawalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.withdrawal_record(patient, withdrawn_on=form.cleaned_data["withdrawn_on"],
                                       reason=form.cleaned_data["reason"], by=request.user)
        except ValidationError as refused:
            errors_onto(form, refused)
        else:
            messages.success(request, _("%(patient)s withdrawn from follow-up; reminders "
                                        "stopped.") % {"patient": patient})
            return redirect("patient-detail", patient_id=patient.pk)
    return render(request, "form_page.html", {
        "form": form, "patient": patient,
        "title": _("Withdraw %(patient)s from follow-up") % {"patient": patient},
        "intro": _("No further invitations or reminders will be sent. Data already collected "
                   "stays in the registry.")})


def _user_site(request: AuthenticatedHttpRequest) -> tuple[Site, list[Site]]:
    sites = list(request.user.sites.all())
    code = request.GET.get("site") or request.POST.get("site")
    chosen = next((s for s in sites if s.code == code), sites[0] if sites else None)
    if chosen is None:
        raise Http404(_("No site."))
    return chosen, sites


@requires(Action.MANAGE_FOLLOW_UP)
@require_http_methods(["GET", "POST"])
def template_edit(request: AuthenticatedHttpRequest, channel: str) -> HttpResponse:
    if channel not in (Channel.EMAIL, Channel.SMS):
        raise Http404(_("No such channel."))
    site, sites = _user_site(request)
    instance = MessageTemplate.objects.filter(site=site, channel=channel).first()
    subject, body = template_for(site, channel)
    form = MessageTemplateForm(request.POST or None, instance=instance,
                               initial={"subject": subject, "body": body})
    preview = render_message(subject, body, {**SAMPLE, "clinic": site.name})
    if request.method == "POST" and form.is_valid():
        preview = render_message(form.cleaned_data["subject"], form.cleaned_data["body"],
                                 {**SAMPLE, "clinic": site.name})
        if "save" in request.POST:
            row = form.save(commit=False)
            row.site, row.channel = site, channel
            try:
                row.save()
            except IntegrityError:
                raise Http404(_("Template changed meanwhile; reload.")) from None
            messages.success(request, _("Saved the %(channel)s template of %(site)s.")
                             % {"channel": row.get_channel_display().lower(), "site": site.name})
            return redirect(f"{request.path}?site={site.code}")
    return render(request, "followup/template_edit.html", {
        "form": form, "preview": preview, "site": site, "sites": sites, "channel": channel,
        "channels": [(c.value, c.label) for c in (Channel.EMAIL, Channel.SMS)]})
