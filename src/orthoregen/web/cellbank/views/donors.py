"""Donor pages: the register of allogeneic donors, a donor's test panel and eligibility.

Views parse input, check the role, scope every read to the user's sites and call one
service per action; the look-back from a donor is in views/lookback.py.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from orthoregen.web.accounts.access import get_visible_or_404, scope
from orthoregen.web.accounts.permissions import AuthenticatedHttpRequest, requires
from orthoregen.web.accounts.roles import Action
from orthoregen.web.accounts.signatures import (
    Signature,
    second_factor_verified,
    signatures_of,
)
from orthoregen.web.cellbank import forms, services
from orthoregen.web.cellbank.models import Donor
from orthoregen.web.cellbank.services.donors import STEPS


@requires(Action.MANAGE_PRODUCTS)
def donors(request: AuthenticatedHttpRequest) -> HttpResponse:
    rows = scope(Donor.objects.all(), request.user).order_by("code")
    return render(request, "cellbank/donors.html", {"donors": rows})


@requires(Action.MANAGE_PRODUCTS)
@require_http_methods(["GET", "POST"])
def donor_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = forms.DonorForm(request.POST or None)
    sites = list(request.user.sites.all())
    if request.method == "POST" and form.is_valid():
        try:
            data = form.cleaned_data
            donor = services.donor_register(
                site=sites[0], code=data["code"], donor_type=data["donor_type"],
                recovered_on=data["recovered_on"], tested_person=data["tested_person"],
                consent_version=data["consent_version"],
                screening_questionnaire_version=data["screening_questionnaire_version"],
                by=request.user)
        except services.CellbankRefused as refused:
            form.add_error("code", str(refused))
        else:
            messages.success(request, _("Registered %(donor)s.") % {"donor": donor})
            return redirect("cellbank:donor-detail", donor_id=donor.pk)
    return render(request, "form_page.html", {"form": form, "title": _("Register a donor"),
                                                  "back": "cellbank:donors"})


def _donor(request: AuthenticatedHttpRequest, donor_id: int) -> Donor:
    return get_visible_or_404(Donor.objects.select_related("site", "determined_by"),
                              request.user, pk=donor_id)


@requires(Action.MANAGE_PRODUCTS)
def donor_detail(request: AuthenticatedHttpRequest,
                 donor_id: int, bound: dict | None = None, status: int = 200) -> HttpResponse:
    donor = _donor(request, donor_id)
    page_forms = {"test": forms.DonorTestForm(), "determine": forms.DeterminationForm()}
    page_forms.update(bound or {})
    return render(request, "cellbank/donor_detail.html", {
        "donor": donor, "tests": donor.tests.all(), "forms": page_forms,
        "signatures": _signatures(donor),
        "units": donor.units.order_by("id")}, status=status)


def _signatures(donor: Donor) -> list[Signature]:
    # Newest first, each with the step it signed as the form names it.
    signatures = list(signatures_of(donor).order_by("-signed_at", "-id"))
    for signature in signatures:
        signature.step_label = STEPS.get(  # type: ignore[attr-defined]
            signature.content.get("step"), "")
    return signatures


@requires(Action.MANAGE_PRODUCTS)
@require_POST
def donor_test_add(request: AuthenticatedHttpRequest, donor_id: int) -> HttpResponse:
    donor = _donor(request, donor_id)
    form = forms.DonorTestForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        services.donor_test_record(
            donor, analyte=data["analyte"], specimen_date=data["specimen_date"],
            result=data["result"], assay=data["assay"], kit_lot=data["kit_lot"], lab=data["lab"],
            specimen_id=data["specimen_id"], interpretation=data["interpretation"],
            by=request.user)
        messages.success(request, _("Recorded the test result."))
        return redirect("cellbank:donor-detail", donor_id=donor.pk)
    return donor_detail(request, donor_id, bound={"test": form}, status=400)


@requires(Action.MANAGE_PRODUCTS)
@require_POST
def donor_determine(request: AuthenticatedHttpRequest, donor_id: int) -> HttpResponse:
    donor = _donor(request, donor_id)
    form = forms.DeterminationForm(request.POST)
    if form.is_valid():
        try:
            data = form.cleaned_data
            result = services.donor_determine(
                donor, step=data["step"], outcome=data["outcome"], reason=data["reason"],
                by=request.user, password=data["password"],
                second_factor=second_factor_verified(request))
        except services.CellbankRefused as refused:
            form.add_error(None, str(refused))
        else:
            message = _("%(donor)s is now %(status)s.") % {
                "donor": donor, "status": result.status.replace("_", " ")}
            if result.lookback_required:
                message += " " + _("Look back over every unit from this donor.")
            messages.success(request, message)
            return redirect("cellbank:donor-detail", donor_id=donor.pk)
    return donor_detail(request, donor_id, bound={"determine": form}, status=400)
