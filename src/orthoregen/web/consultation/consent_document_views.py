"""Administrators' pages for a clinic's consent documents: list them with the version in use,
read one with its lifecycle and signatures, start a first draft, copy a version as a new
draft, edit a draft; then validate it, read its changes, approve them (a second person) and
publish it on the lifecycle pages every governed configuration shares (governance_views).

Consent documents hold no patient data, so these pages need no access records; their changes
are kept by simple-history and the signatures. Every refusal of the services comes back as a
message or a field's error on the page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_POST

from orthoregen.pathways.consent import CONSENT_ELEMENTS
from orthoregen.web.accounts.models import Site
from orthoregen.web.accounts.permissions import AuthenticatedHttpRequest, requires
from orthoregen.web.accounts.roles import Action
from orthoregen.web.consultation import consent_documents as documents
from orthoregen.web.consultation.governance import LifecycleRefused
from orthoregen.web.consultation.governance_forms import CopyForm
from orthoregen.web.consultation.governance_views import (
    GovernedPages,
    form_errors,
    lifecycle_views,
)
from orthoregen.web.consultation.models import ConsentDocument

if TYPE_CHECKING:
    from orthoregen.web.accounts.models import User

VERSION_HELP = gettext_lazy("A label no other version of this document at the clinic has, "
                            "for example 2027-1.")


def _nothing_shipped() -> None:
    """Consent documents are each clinic's own: nothing is shared by every clinic."""


def _published(stored: ConsentDocument) -> str:
    return gettext("Published %(document)s. New consents at %(site)s are recorded on it from "
                   "now on; consents already recorded keep the version they were signed on.") \
        % {"document": stored, "site": stored.site.name}


class StartForm(forms.Form):
    site: forms.ModelChoiceField[Site] = forms.ModelChoiceField(
        label=gettext_lazy("Clinic"), queryset=Site.objects.none(), empty_label=None)
    version = forms.CharField(label=gettext_lazy("Version label"), max_length=30,
                              help_text=VERSION_HELP)

    def __init__(self, *args: Any, sites: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites  # type: ignore[attr-defined]


class EditForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    version = forms.CharField(label=gettext_lazy("Version label"), max_length=30,
                              help_text=VERSION_HELP)
    text = forms.CharField(label=gettext_lazy("Text, as the patient reads it"),
                           strip=False, max_length=100_000,
                           widget=forms.Textarea(attrs={"rows": 30}))


def _copy(stored: ConsentDocument, *, version: str, by: User) -> ConsentDocument:
    return documents.consent_document_draft(site=stored.site, source=stored, version=version,
                                            by=by)


PAGES = GovernedPages[ConsentDocument](
    app="consultation", prefix="consent_document",
    missing=gettext_lazy("No such consent document."),
    stored_default=_nothing_shipped, visible=documents.consent_documents_visible,
    in_use=documents.consent_document_latest_in_use,
    validate=documents.consent_document_validate, review=documents.consent_document_review,
    approve=documents.consent_document_approve, publish=documents.consent_document_publish,
    published=_published,
    copy_form=lambda data, stored: CopyForm(data, max_length=30, help_text=VERSION_HELP,
                                            label=gettext_lazy("Version label of the new "
                                                               "draft")),
    copy=_copy, update=documents.consent_document_edit,
    edit_form=lambda data, stored: EditForm(data, initial={
        "title": stored.title, "version": stored.version, "text": stored.text}))
_lifecycle = lifecycle_views(PAGES)
document_copy = _lifecycle.protocol_copy
document_edit = _lifecycle.protocol_edit
document_validate = _lifecycle.protocol_validate
document_review = _lifecycle.protocol_review
document_approve = _lifecycle.protocol_approve
document_publish = _lifecycle.protocol_publish
_visible = PAGES.version


@requires(Action.MANAGE_PROTOCOLS)
def document_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    sites = list(request.user.sites.order_by("name"))
    clinics = []
    for site in sites:
        titles: dict[str, list[tuple[ConsentDocument, bool]]] = {}
        rows = documents.consent_documents_visible([site]).order_by("title", "-created_at", "-id")
        in_use = {document.pk for document in documents.consent_documents_offered(site)}
        for document in rows:
            titles.setdefault(document.title, []).append((document, document.pk in in_use))
        clinics.append((site, sorted(titles.items())))
    start = StartForm(sites=request.user.sites.order_by("name"))
    return render(request, "consultation/consent_document_list.html",
                  {"clinics": clinics, "start_form": start})


@requires(Action.MANAGE_PROTOCOLS)
@require_POST
def document_start(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = StartForm(request.POST, sites=request.user.sites.order_by("name"))
    if form.is_valid():
        try:
            draft = documents.consent_document_draft(site=form.cleaned_data["site"],
                                                     version=form.cleaned_data["version"],
                                                     by=request.user)
        except ValidationError as error:
            form_errors(form, error)
        except LifecycleRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, gettext("Started draft %(document)s from the shipped "
                                              "default text.") % {"document": draft})
            return redirect("consultation:consent_document-edit", protocol_id=draft.pk)
    return render(request, "consultation/consent_document_start.html", {"form": form},
                  status=400)


@requires(Action.MANAGE_PROTOCOLS)
def document_detail(request: AuthenticatedHttpRequest, protocol_id: int) -> HttpResponse:
    stored = _visible(request, protocol_id)
    in_use = documents.consent_document_in_use(stored.site, stored.title)
    return render(request, "consultation/consent_document_detail.html", {
        "stored": stored, "in_use": in_use, "records": stored.records.count(),
        "elements": [item.label for item in CONSENT_ELEMENTS]})
