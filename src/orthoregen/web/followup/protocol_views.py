"""Administrators' pages for follow-up schedule protocols: list, read, copy as a draft, edit,
validate, read the changes and approve (a second person), publish.

The lifecycle pages (list, validate, read the changes, approve, publish) are the ones every
governed protocol shares (governance_views); this module keeps what is particular to
follow-up protocols: how a version is read, copied and edited as JSON.

Protocols hold no patient data, so these pages need no access records; their changes are
kept by simple-history. Every refusal of the services comes back as a message on the page.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from orthoregen.web.accounts.permissions import AuthenticatedHttpRequest, requires
from orthoregen.web.accounts.roles import Action
from orthoregen.web.consultation.governance import LifecycleRefused, ProtocolLocked
from orthoregen.web.consultation.governance_forms import JsonDocumentField
from orthoregen.web.consultation.governance_views import GovernedPages, lifecycle_views
from orthoregen.web.followup import protocols
from orthoregen.web.followup.checks import schedule_protocol_messages
from orthoregen.web.followup.models import ScheduleProtocolVersion

Refusal = (ProtocolLocked, LifecycleRefused)


class CopyForm(forms.Form):
    version = forms.CharField(label="New version", max_length=64,
                              help_text="For example clinic-a-2026.2.")


class DefinitionForm(forms.Form):
    definition = JsonDocumentField(label="Definition (JSON)")


def _published(stored: ScheduleProtocolVersion) -> str:
    return (f"Published {stored}. New schedules at "
            f"{stored.site.name if stored.site else 'every clinic without its own'}"
            " use it from now on; schedules already made keep theirs.")


PAGES = GovernedPages[ScheduleProtocolVersion](
    app="followup", missing="No such follow-up protocol.",
    stored_default=protocols.active_protocol, visible=protocols.schedule_protocols_visible,
    in_use=protocols.active_protocol, validate=protocols.schedule_protocol_validate,
    review=protocols.schedule_protocol_review, approve=protocols.schedule_protocol_approve,
    publish=protocols.schedule_protocol_publish, refusals=Refusal, published=_published)
protocol_list, protocol_validate, protocol_review, protocol_approve, protocol_publish = (
    lifecycle_views(PAGES))
_visible = PAGES.version


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
        "definition": stored.definition})
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
