"""Administrators' pages for candidacy protocols: list, read, copy, edit a draft, then
validate it, read its difference, approve it (a second person) and publish it.

Protocols hold no patient data, so these pages need no access records; their changes are
kept by simple-history.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from orthoregen.pathways import ProtocolError, protocol_to_dict
from orthoregen.web.accounts.permissions import AuthenticatedHttpRequest, requires
from orthoregen.web.accounts.roles import Action
from orthoregen.web.consultation import protocols
from orthoregen.web.consultation.forms import ProtocolCopyForm, ProtocolEditForm, RuleEditForm
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
from orthoregen.web.consultation.presenters import SEVERITY_LABELS, severity_words


def _visible(request: AuthenticatedHttpRequest, protocol_id: int) -> protocols.ProtocolVersion:
    protocols.protocol_default()  # the shipped default is always listed
    try:
        return protocols.protocols_visible(request.user.sites.all()).get(pk=protocol_id)
    except protocols.ProtocolVersion.DoesNotExist:
        raise Http404("No such protocol.") from None


@requires(Action.MANAGE_PROTOCOLS)
def protocol_list(request):
    protocols.protocol_default()
    versions = protocols.protocols_visible(request.user.sites.all())
    current = {site.pk: protocols.protocol_current(site) for site in request.user.sites.all()}
    in_use = {version.pk: [site for site in request.user.sites.all()
                           if current[site.pk].pk == version.pk] for version in versions}
    rows = [(version, in_use[version.pk]) for version in versions]
    return render(request, "consultation/protocol_list.html", {"rows": rows})


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
@require_POST
def protocol_validate(request: AuthenticatedHttpRequest, protocol_id: int) -> HttpResponse:
    stored = _visible(request, protocol_id)
    try:
        protocols.protocol_validate(stored, by=request.user)
    except ValidationRefused as refused:
        messages.error(request, f"{stored} was not validated. The system's checks found: "
                       + "; ".join(refused.problems))
    except (ProtocolLocked, LifecycleRefused) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"The system's checks found no problem in {stored}; a "
                         "second person may now read its changes and approve it.")
    return redirect("consultation:protocol-detail", protocol_id=stored.pk)


@requires(Action.MANAGE_PROTOCOLS)
def protocol_review(request: AuthenticatedHttpRequest, protocol_id: int,
                    form: SigningForm | None = None) -> HttpResponse:
    stored = _visible(request, protocol_id)
    review = protocols.protocol_review(stored)
    return render(request, "consultation/protocol_review.html", {
        "stored": stored, "review": review, "diff": diff_rows(review),
        "form": form or signing_form(stored, review), "ns": "consultation:protocol",
        "approve_url": "consultation:protocol-approve",
        "detail_url": "consultation:protocol-detail",
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
        protocols.protocol_approve(stored, seen_digest=form.cleaned_data["seen_digest"],
                                   by=request.user, signing=form.signing(request))
    except SignatureRefused as refused:
        form.add_error("password", str(refused))
        return protocol_review(request, protocol_id, form=form)
    except (ProtocolLocked, LifecycleRefused) as error:
        messages.error(request, str(error))
        return redirect("consultation:protocol-review", protocol_id=stored.pk)
    messages.success(request, f"You approved {stored}; it may now be published.")
    return redirect("consultation:protocol-detail", protocol_id=stored.pk)


@requires(Action.MANAGE_PROTOCOLS)
@require_POST
def protocol_publish(request: AuthenticatedHttpRequest, protocol_id: int) -> HttpResponse:
    stored = _visible(request, protocol_id)
    form = PublicationForm(request.POST)
    if not form.is_valid():
        return protocol_review(request, protocol_id, form=form)
    try:
        protocols.protocol_publish(stored, by=request.user, signing=form.signing(request))
    except SignatureRefused as refused:
        form.add_error("password", str(refused))
        return protocol_review(request, protocol_id, form=form)
    except (ProtocolLocked, ProtocolError, LifecycleRefused) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Published {stored}. It can no longer change.")
    return redirect("consultation:protocol-detail", protocol_id=stored.pk)


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
