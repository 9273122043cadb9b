"""Administrators' pages for candidacy protocols: list, read, copy, edit a draft, then
validate it, read its difference, approve it (a second person) and publish it.

The lifecycle pages (list, validate, read the changes, approve, publish) are the ones every
governed protocol shares (governance_views); this module keeps what is particular to
candidacy protocols: how a version is read, copied and edited, rule by rule or whole.

Protocols hold no patient data, so these pages need no access records; their changes are
kept by simple-history.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from orthoregen.pathways import ProtocolError, protocol_to_dict
from orthoregen.web.accounts.permissions import AuthenticatedHttpRequest, requires
from orthoregen.web.accounts.roles import Action
from orthoregen.web.consultation import protocols
from orthoregen.web.consultation.forms import ProtocolCopyForm, ProtocolEditForm, RuleEditForm
from orthoregen.web.consultation.governance import LifecycleRefused, ProtocolLocked
from orthoregen.web.consultation.governance_views import GovernedPages, lifecycle_views
from orthoregen.web.consultation.presenters import SEVERITY_LABELS, severity_words

PAGES = GovernedPages[protocols.ProtocolVersion](
    app="consultation", missing="No such protocol.", stored_default=protocols.protocol_default,
    visible=protocols.protocols_visible, in_use=protocols.protocol_current,
    validate=protocols.protocol_validate, review=protocols.protocol_review,
    approve=protocols.protocol_approve, publish=protocols.protocol_publish,
    refusals=(ProtocolLocked, ProtocolError, LifecycleRefused),
    published=lambda stored: f"Published {stored}. It can no longer change.")
protocol_list, protocol_validate, protocol_review, protocol_approve, protocol_publish = (
    lifecycle_views(PAGES))
_visible = PAGES.version


@requires(Action.MANAGE_PROTOCOLS)
def protocol_detail(request: AuthenticatedHttpRequest, protocol_id: int) -> HttpResponse:
    stored = _visible(request, protocol_id)
    rules = [
        {**rule, "check_text": ", ".join(f"{key.replace('_', ' ')} {value}"
                                         for key, value in rule["check"].items() if key != "kind"),
         "severity_label": SEVERITY_LABELS.get(rule["severity"], rule["severity"]),
         "source": severity_words(rule["source"])}
        for rule in stored.body["rules"]
    ]
    return render(request, "consultation/protocol_detail.html", {
        "stored": stored, "rules": rules, "copy_form": ProtocolCopyForm(source=stored)})


@requires(Action.MANAGE_PROTOCOLS)
@require_http_methods(["GET", "POST"])
def protocol_copy(request: AuthenticatedHttpRequest, protocol_id: int) -> HttpResponse:
    stored = _visible(request, protocol_id)
    form = ProtocolCopyForm(request.POST or None, source=stored)
    site = request.user.sites.first()
    if request.method == "POST" and form.is_valid() and site is not None:
        try:
            draft = protocols.protocol_copy(stored, version=form.cleaned_data["version"],
                                            site=site, by=request.user)
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field, problems)
        else:
            messages.success(request, f"Copied as draft {draft}.")
            return redirect("consultation:protocol-edit", protocol_id=draft.pk)
    return render(request, "consultation/protocol_copy.html", {"stored": stored, "form": form})


@requires(Action.MANAGE_PROTOCOLS)
@require_http_methods(["GET", "POST"])
def protocol_edit(request: AuthenticatedHttpRequest, protocol_id: int) -> HttpResponse:
    stored = _visible(request, protocol_id)
    form = ProtocolEditForm(request.POST or None, stored=stored)
    if request.method == "POST" and form.is_valid():
        try:
            protocols.protocol_draft_update(stored, form.cleaned_data["body"], by=request.user)
        except (ProtocolLocked, ProtocolError) as error:
            form.add_error("body", str(error))
        else:
            messages.success(request, f"Saved draft {stored}.")
            return redirect("consultation:protocol-detail", protocol_id=stored.pk)
    return render(request, "consultation/protocol_edit.html", {"stored": stored, "form": form})


@requires(Action.MANAGE_PROTOCOLS)
@require_http_methods(["GET", "POST"])
def protocol_rule_edit(request: AuthenticatedHttpRequest, protocol_id: int,
                       rule_id: str) -> HttpResponse:
    stored = _visible(request, protocol_id)
    if rule_id not in {rule["id"] for rule in stored.body["rules"]}:
        raise Http404("No such rule.")
    form = RuleEditForm(request.POST or None, stored=stored, rule_id=rule_id)
    if request.method == "POST" and form.is_valid():
        try:
            protocols.protocol_draft_update(stored, protocol_to_dict(form.cleaned_data["protocol"]),
                                            by=request.user)
        except (ProtocolLocked, ProtocolError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Changed rule {rule_id} of draft {stored}.")
            return redirect("consultation:protocol-detail", protocol_id=stored.pk)
    return render(request, "consultation/protocol_rule_edit.html",
                  {"stored": stored, "rule_id": rule_id, "form": form})
