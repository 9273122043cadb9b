"""Look-back and what went into patients: from a donor, harvest or unit to every recipient,
a patient's products with their lineage, and recording a patient's harvest.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from orthoregen.web.accounts.access import get_visible_or_404
from orthoregen.web.accounts.permissions import AuthenticatedHttpRequest, requires, requires_any
from orthoregen.web.accounts.roles import Action
from orthoregen.web.audit.models import AccessAction
from orthoregen.web.audit.services import access_record, patient_view_record
from orthoregen.web.cellbank import forms, lookback, services
from orthoregen.web.cellbank.models import Donor, Harvest, ProductUnit
from orthoregen.web.cellbank.status_shown import expired_among
from orthoregen.web.clinic.models import Patient
from orthoregen.web.parsing import parse_id


@requires(Action.MANAGE_PRODUCTS)
def lookback_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Look back from ?donor=, ?harvest= or ?unit= to every descendant unit and recipient."""
    sites = [s.pk for s in request.user.sites.all()]
    source, rows = None, None
    for key, model, query in (("donor", Donor, lookback.lookback_from_donor),
                              ("harvest", Harvest, lookback.lookback_from_harvest),
                              ("unit", ProductUnit, None)):
        value = parse_id(request.GET.get(key))
        if value is not None:
            source = get_visible_or_404(model.objects.all(), request.user, pk=value)
            rows = query(source.pk, site_ids=sites) if query else \
                lookback.lookback_from_units([source.pk], site_ids=sites)
            break
    if rows is not None:
        access_record(request, AccessAction.SEARCH, detail=f"look-back from {source}")
    recipients = [] if rows is None else [r for r in rows if r.patient_id is not None]
    return render(request, "cellbank/lookback.html", {
        "source": source, "rows": rows, "recipients": recipients,
        "expired": expired_among(r.unit_id for r in rows or ()),
        "patients": len({r.patient_id for r in recipients})})


@requires_any(Action.MANAGE_PRODUCTS, Action.RECORD_PROCEDURE)
def patient_products(request: AuthenticatedHttpRequest, patient_id: int) -> HttpResponse:
    """Every product a patient received, with its full lineage up to the donor or harvest."""
    patient = get_visible_or_404(Patient.objects.select_related("site"), request.user,
                                 pk=patient_id)
    patient_view_record(request, patient)
    received: dict[int, list] = {}
    for row in lookback.products_received(patient.pk):
        received.setdefault(row.administration_id, []).append(row)
    return render(request, "cellbank/patient_products.html", {
        "patient": patient, "received": list(received.values()),
        "expired": expired_among(r.unit_id for chain in received.values() for r in chain),
        "procedures": patient.procedures.prefetch_related("joints__episode")})


@requires_any(Action.MANAGE_PRODUCTS, Action.RECORD_PROCEDURE)
@require_http_methods(["GET", "POST"])
def harvest_create(request: AuthenticatedHttpRequest, patient_id: int) -> HttpResponse:
    patient = get_visible_or_404(Patient.objects.all(), request.user, pk=patient_id)
    form = forms.HarvestForm(request.POST or None, patient=patient)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.harvest_record(
                patient, episode=data["episode"], source=data["source"],
                body_site=data["body_site"], side=data["side"], volume_ml=data["volume_ml"],
                harvested_at=data["harvested_at"], operator=request.user, by=request.user)
        except services.CellbankRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("Recorded the harvest of %(patient)s.")
                             % {"patient": patient})
            return redirect("cellbank:patient-products", patient_id=patient.pk)
    return render(request, "form_page.html", {"form": form, "patient": patient,
                                                  "title": "Record a harvest",
                                                  "back": "cellbank:units"})
