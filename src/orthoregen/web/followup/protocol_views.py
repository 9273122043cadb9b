"""Administrators' pages for follow-up schedule protocols: list, read, copy as a draft, edit,
validate, read the changes and approve (a second person), publish.

Protocols hold no patient data, so these pages need no access records; their changes are
kept by simple-history. Every refusal of the services comes back as a message on the page.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from orthoregen.web.accounts.permissions import AuthenticatedHttpRequest, requires
from orthoregen.web.accounts.roles import Action
from orthoregen.web.consultation.governance import (
    LifecycleRefused,
    ProtocolLocked,
    SignatureRefused,
    ValidationRefused,
    diff_rows,
)
from orthoregen.web.consultation.governance_forms import (
    ApprovalForm,
    PublicationForm,
    SigningForm,
    signing_form,
)
from orthoregen.web.followup import protocols
from orthoregen.web.followup.checks import schedule_protocol_messages
from orthoregen.web.followup.models import ScheduleProtocolVersion

Refusal = (ProtocolLocked, LifecycleRefused)


class CopyForm(forms.Form):
    version = forms.CharField(label="New version", max_length=64,
                              help_text="For example clinic-a-2026.2.")


class DefinitionForm(forms.Form):
    definition = forms.CharField(label="Definition (JSON)", widget=forms.Textarea(
        attrs={"rows": 30, "class": "mono", "spellcheck": "false"}))

    def clean_definition(self) -> Any:
        try:
            return json.loads(self.cleaned_data["definition"])
        except ValueError as error:
            raise forms.ValidationError(f"Not valid JSON: {error}") from None


def _visible(request: AuthenticatedHttpRequest, protocol_id: int) -> ScheduleProtocolVersion:
    protocols.active_protocol()  # the shipped default is always listed
    try:
        return protocols.schedule_protocols_visible(request.user.sites.all()).get(pk=protocol_id)
    except ScheduleProtocolVersion.DoesNotExist:
        raise Http404("No such follow-up protocol.") from None


@requires(Action.MANAGE_PROTOCOLS)
def protocol_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    protocols.active_protocol()
    sites = list(request.user.sites.all())
    in_use = {site.pk: protocols.active_protocol(site).pk for site in sites}
    rows = [(version, [site for site in sites if in_use[site.pk] == version.pk])
            for version in protocols.schedule_protocols_visible(sites)]
    return render(request, "followup/protocol_list.html", {"rows": rows})


@requires(Action.MANAGE_PROTOCOLS)
def protocol_detail(request: AuthenticatedHttpRequest, protocol_id: int) -> HttpResponse:
    stored = _visible(request, protocol_id)
    return render(request, "followup/protocol_detail.html", {
        "stored": stored, "checks": schedule_protocol_messages(stored),
        "definition": json.dumps(stored.definition, indent=2, ensure_ascii=False)})


@requires(Action.MANAGE_PROTOCOLS)
@require_http_methods(["GET", "POST"])
def protocol_copy(request: AuthenticatedHttpRequest, protocol_id: int) -> HttpResponse:
    stored = _visible(request, protocol_id)
    form = CopyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            draft = protocols.schedule_protocol_copy(
                stored, version=form.cleaned_data["version"].strip(),
                site=request.user.sites.first(), by=request.user)
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        except Refusal as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Copied as draft {draft}.")
            return redirect("followup:protocol-edit", protocol_id=draft.pk)
    return render(request, "followup/protocol_copy.html", {"stored": stored, "form": form})


@requires(Action.MANAGE_PROTOCOLS)
@require_http_methods(["GET", "POST"])
def protocol_edit(request: AuthenticatedHttpRequest, protocol_id: int) -> HttpResponse:
    stored = _visible(request, protocol_id)
    form = DefinitionForm(request.POST or None, initial={
        "definition": json.dumps(stored.definition, indent=2, ensure_ascii=False)})
    if request.method == "POST" and form.is_valid():
        try:
            protocols.schedule_protocol_draft_update(
                stored, definition=form.cleaned_data["definition"], by=request.user)
        except ValidationError as error:
            form.add_error("definition", error.message_dict.get("definition", error.messages))
        except Refusal as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Saved draft {stored}.")
            return redirect("followup:protocol-detail", protocol_id=stored.pk)
    return render(request, "followup/protocol_edit.html", {"stored": stored, "form": form})


@requires(Action.MANAGE_PROTOCOLS)
@require_POST
def protocol_validate(request: AuthenticatedHttpRequest, protocol_id: int) -> HttpResponse:
    stored = _visible(request, protocol_id)
    try:
        protocols.schedule_protocol_validate(stored, by=request.user)
    except ValidationRefused as refused:
        messages.error(request, f"{stored} was not validated. The system's checks found: "
                       + "; ".join(refused.problems))
    except Refusal as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"The system's checks found no problem in {stored}; a "
                         "second person may now read its changes and approve it.")
    return redirect("followup:protocol-detail", protocol_id=stored.pk)


@requires(Action.MANAGE_PROTOCOLS)
def protocol_review(request: AuthenticatedHttpRequest, protocol_id: int,
                    form: SigningForm | None = None) -> HttpResponse:
    stored = _visible(request, protocol_id)
    review = protocols.schedule_protocol_review(stored)
    return render(request, "followup/protocol_review.html", {
        "stored": stored, "review": review, "diff": diff_rows(review),
        "form": form or signing_form(stored, review), "ns": "followup:protocol",
        "approve_url": "followup:protocol-approve", "detail_url": "followup:protocol-detail",
        "is_author": request.user.pk in stored.author_ids()},
        status=400 if form is not None else 200)


@requires(Action.MANAGE_PROTOCOLS)
@require_POST
def protocol_approve(request: AuthenticatedHttpRequest, protocol_id: int) -> HttpResponse:
    stored = _visible(request, protocol_id)
    form = ApprovalForm(request.POST)
    if not form.is_valid():
        return protocol_review(request, protocol_id, form=form)
    try:
        protocols.schedule_protocol_approve(
            stored, seen_digest=form.cleaned_data["seen_digest"], by=request.user,
            signing=form.signing(request))
    except SignatureRefused as refused:
        form.add_error("password", str(refused))
        return protocol_review(request, protocol_id, form=form)
    except Refusal as error:
        messages.error(request, str(error))
        return redirect("followup:protocol-review", protocol_id=stored.pk)
    messages.success(request, f"You approved {stored}; it may now be published.")
    return redirect("followup:protocol-detail", protocol_id=stored.pk)


@requires(Action.MANAGE_PROTOCOLS)
@require_POST
def protocol_publish(request: AuthenticatedHttpRequest, protocol_id: int) -> HttpResponse:
    stored = _visible(request, protocol_id)
    form = PublicationForm(request.POST)
    if not form.is_valid():
        return protocol_review(request, protocol_id, form=form)
    try:
        protocols.schedule_protocol_publish(stored, by=request.user,
                                            signing=form.signing(request))
    except SignatureRefused as refused:
        form.add_error("password", str(refused))
        return protocol_review(request, protocol_id, form=form)
    except Refusal as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Published {stored}. New schedules at "
                         f"{stored.site.name if stored.site else 'every clinic without its own'}"
                         " use it from now on; schedules already made keep theirs.")
    return redirect("followup:protocol-detail", protocol_id=stored.pk)
