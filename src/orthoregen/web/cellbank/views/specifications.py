"""Release specification pages: each clinic's versions, one read in words, copy and edit.

Validation, reading the changes, approval and publication are the lifecycle pages every
governed configuration shares (consultation.governance_views). The list is this module's
own: a clinic has one version in use per specification (cultured MSC, point of care), where
a protocol has one in all. Specifications hold no patient data, so these pages need no
access records; their changes are kept by simple-history and the signatures.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from orthoregen.products.product_class import PRODUCT_CLASSES
from orthoregen.web.accounts.models import Site
from orthoregen.web.accounts.permissions import AuthenticatedHttpRequest, requires, requires_any
from orthoregen.web.accounts.roles import Action
from orthoregen.web.cellbank.models import ReleaseSpecVersion
from orthoregen.web.cellbank.services import specifications as specs
from orthoregen.web.cellbank.services.qc_panel import panel_tests
from orthoregen.web.cellbank.services.release import release_specs_ensure, release_specs_in_use
from orthoregen.web.consultation.governance import LifecycleRefused, ProtocolLocked
from orthoregen.web.consultation.governance_forms import JsonDocumentField
from orthoregen.web.consultation.governance_views import GovernedPages, lifecycle_views

Refusal = (ProtocolLocked, LifecycleRefused)


class CopyForm(forms.Form):
    version = forms.CharField(label="New version", max_length=20,
                              help_text="For example 2026.2.")


class SpecificationForm(forms.Form):
    specification = JsonDocumentField(label="Specification (JSON)")


def _published(stored: ReleaseSpecVersion) -> str:
    return (f"Published {stored}. Units at {stored.site.name} are judged by it from "
            f"{stored.effective_from:%d %b %Y}; units already released keep the version they "
            "were released against.")


def _nothing_shared() -> Any:
    """Return nothing: a clinic's defaults are stored when its list is first shown."""
    return None


def _first_in_use(site: Site) -> ReleaseSpecVersion:
    # Read only by the shared list page, which this kind replaces with spec_list (one
    # version in use per specification).
    return release_specs_in_use(site)[0]


PAGES = GovernedPages[ReleaseSpecVersion](
    app="cellbank", prefix="spec", action=Action.MANAGE_RELEASE_SPECS,
    missing="No such release specification.", stored_default=_nothing_shared,
    visible=specs.release_specs_visible, in_use=_first_in_use,
    validate=specs.release_spec_validate, review=specs.release_spec_review,
    approve=specs.release_spec_approve, publish=specs.release_spec_publish,
    refusals=Refusal, published=_published)
_, spec_validate, spec_review, spec_approve, spec_publish = lifecycle_views(PAGES)
_visible = PAGES.version


# The lab reads the specifications it judges units by; only their owners change them.
READERS = (Action.MANAGE_RELEASE_SPECS, Action.MANAGE_PRODUCTS)


def _roles(request: AuthenticatedHttpRequest) -> dict[str, bool]:
    return {"may_govern": request.user.may(Action.MANAGE_RELEASE_SPECS),
            "may_open_units": request.user.may(Action.MANAGE_PRODUCTS)}


@requires_any(*READERS)
def spec_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    sites = list(request.user.sites.order_by("name"))
    groups = []
    for site in sites:
        release_specs_ensure(site)
        in_use = {stored.pk for stored in release_specs_in_use(site)}
        rows = [(stored, stored.pk in in_use)
                for stored in specs.release_specs_visible([site])]
        groups.append((site, rows))
    return render(request, "cellbank/spec_list.html", {"groups": groups, **_roles(request)})


@requires_any(*READERS)
def spec_detail(request: AuthenticatedHttpRequest, protocol_id: int) -> HttpResponse:
    stored = _visible(request, protocol_id)
    read = specs.release_spec_read(stored)
    problems = specs.specification_problems(stored)
    try:
        tests = panel_tests(read) if read is not None else []
    except ValueError:  # a draft naming a test the lab does not record: the checks say so
        tests = []
    in_use = stored.pk in {s.pk for s in release_specs_in_use(stored.site)}
    return render(request, "cellbank/spec_detail.html", {
        "stored": stored, "read": read, "tests": tests, "problems": problems,
        "in_use": in_use, "classes": sorted(PRODUCT_CLASSES[c].label for c in
                                            (read.product_classes if read else ())),
        "specification": json.dumps(stored.specification, indent=2, ensure_ascii=False),
        **_roles(request)})


@requires(Action.MANAGE_RELEASE_SPECS)
@require_http_methods(["GET", "POST"])
def spec_copy(request: AuthenticatedHttpRequest, protocol_id: int) -> HttpResponse:
    stored = _visible(request, protocol_id)
    form = CopyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            draft = specs.release_spec_copy(stored, version=form.cleaned_data["version"],
                                            by=request.user)
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        except Refusal as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Copied as draft {draft}.")
            return redirect("cellbank:spec-edit", protocol_id=draft.pk)
    return render(request, "cellbank/spec_copy.html", {"stored": stored, "form": form},
                  status=400 if form.errors else 200)


@requires(Action.MANAGE_RELEASE_SPECS)
@require_http_methods(["GET", "POST"])
def spec_edit(request: AuthenticatedHttpRequest, protocol_id: int) -> HttpResponse:
    stored = _visible(request, protocol_id)
    form = SpecificationForm(request.POST or None, initial={
        "specification": stored.specification,
        **_roles(request)})
    if request.method == "POST" and form.is_valid():
        try:
            specs.release_spec_draft_update(
                stored, specification=form.cleaned_data["specification"], by=request.user)
        except ValidationError as error:
            form.add_error("specification",
                           error.message_dict.get("specification", error.messages))
        except Refusal as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Saved draft {stored}.")
            return redirect("cellbank:spec-detail", protocol_id=stored.pk)
    return render(request, "cellbank/spec_edit.html", {"stored": stored, "form": form},
                  status=400 if form.errors else 200)
