"""Look-back and what went into patients: from a donor, harvest or unit to every recipient,
a patient's products with their lineage, and recording a patient's harvest.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from orthoregen.products.status import UnitStatus
from orthoregen.web.accounts.access import get_visible_or_404, site_ids
from orthoregen.web.accounts.permissions import AuthenticatedHttpRequest, requires, requires_any
from orthoregen.web.accounts.roles import Action
from orthoregen.web.audit.models import AccessAction
from orthoregen.web.audit.services import access_record, patient_view_record
from orthoregen.web.cellbank import forms, lookback, services
from orthoregen.web.cellbank.models import Donor, Harvest, ProductUnit
from orthoregen.web.cellbank.status_shown import expired_among, label_of, status_shown
from orthoregen.web.clinic.models import Patient
from orthoregen.web.parsing import parse_id
from orthoregen.web.row_text import DateText, html_lines, url_maker


@requires(Action.MANAGE_PRODUCTS)
def lookback_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Look back from ?donor=, ?harvest= or ?unit= to every descendant unit and recipient."""
    sites = site_ids(request.user)
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
    if rows is None:
        return render(request, "cellbank/lookback.html", {"source": None, "rows": None})
    access_record(request, AccessAction.SEARCH, detail=f"look-back from {source}")
    recipients = [r for r in rows if r.patient_id is not None]
    return render(request, "cellbank/lookback.html", {
        "source": source, "rows": rows, "recipients": recipients,
        "unit_lines": _unit_lines(rows), "recipient_lines": _recipient_lines(recipients),
        "patients": len({r.patient_id for r in recipients})})


# A look-back from a donor lists hundreds of units and recipients. Their lines are written
# here, escaped by row_text.html_lines, with the links and dates of orthoregen.web.row_text: the
# template's tags and filters per row were most of the page's time (bench/README.md,
# look-back). The lines are the ones the template wrote, word for word.
_RECIPIENT_LINE = ('<tr><td><a href="{}">{}</a></td><td class="mono">{}</td><td>{} {}</td>'
                   '<td>{}</td><td class="mono">{} {}</td></tr>')
_UNIT_LINE = ('<tr><td class="mono depth-{}">{}<a href="{}">{} {}</a></td><td>{}</td>'
              '<td>{}</td></tr>')


def _recipient_lines(rows: list[lookback.LookbackRow]) -> SafeString:
    """Return the table rows of the administrations: patient, MRN, joint, date, unit."""
    patient_url, dates = url_maker("cellbank:patient-products"), DateText()
    return html_lines(_RECIPIENT_LINE, (
        (patient_url(r.patient_id), r.patient_name, r.mrn, r.side, r.joint,
         dates.minute(r.administered_at), r.identifier, r.product_code) for r in rows))


def _unit_lines(rows: list[lookback.LookbackRow]) -> SafeString:
    """Return the table rows of the units: unit, the status shown now, issued or not."""
    unit_url, now = url_maker("cellbank:unit-detail"), timezone.now()
    expired, not_yet_given = _("Expired"), _("issued, not yet given")
    return html_lines(_UNIT_LINE, (
        (r.depth, "↳ " if r.depth else "", unit_url(r.unit_id), r.identifier, r.product_code,
         expired if _is_shown_expired(r, now) else label_of(r.status),
         not_yet_given if r.issued_episode_id and not r.administered_at else "—")
        for r in rows))


def _is_shown_expired(row: lookback.LookbackRow, at: dt.datetime) -> bool:
    # The unit's expiry comes with the row, so the units are not read again (expired_among).
    if row.expires_at is None:  # the column is NOT NULL: a None here is a broken row
        raise ValueError(f"unit {row.unit_id} read without its expiry")
    return status_shown(row, at=at) == UnitStatus.EXPIRED  # type: ignore[arg-type]


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
                                                  "title": _("Record a harvest"),
                                                  "back": "cellbank:units"})
