"""A product investigation's page: the failed results, every patient and joint to review,
who was alerted, and closing it with a conclusion.

Anyone who may see patients of the site reads it (the patient page links here for the
clinicians); closing it is the cell lab's. Another site's investigation is a 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from orthoregen.web.accounts.access import get_visible_or_404
from orthoregen.web.accounts.permissions import AuthenticatedHttpRequest, requires
from orthoregen.web.accounts.roles import Action
from orthoregen.web.audit.models import AccessAction
from orthoregen.web.audit.services import access_record
from orthoregen.web.cellbank import forms, services
from orthoregen.web.cellbank.models import ProductInvestigation
from orthoregen.web.cellbank.services.recipient_weight import weight_valid_days
from orthoregen.web.cellbank.vocabulary import QcTest


@login_required
def investigation_detail(request: AuthenticatedHttpRequest,
                         investigation_id: int, form: Any = None,
                         status: int = 200) -> HttpResponse:
    investigation = get_visible_or_404(
        ProductInvestigation.objects.select_related("site", "lot", "opened_by", "closed_by"),
        request.user, pk=investigation_id)
    recipients = investigation.recipients.select_related(
        "administration__unit", "administration__by",
        "administration__procedure_joint__episode__patient",
        "administration__procedure_joint__procedure__operator").order_by(
        "administration__administered_at", "id")
    access_record(request, AccessAction.SEARCH,
                  detail=f"product investigation {investigation.pk} of {investigation.lot}")
    findings = list(investigation.findings.select_related("qc_result__unit", "qc_result__by",
                                                          "by"))
    return render(request, "cellbank/investigation_detail.html", {
        "investigation": investigation, "recipients": recipients,
        "patients": len({r.administration.procedure_joint.episode.patient_id
                         for r in recipients}),
        "findings": findings,
        # 1.5: each recipient's endotoxin limit uses their recorded weight, else 70 kg.
        "endotoxin": any(f.qc_result is not None and f.qc_result.test == QcTest.ENDOTOXIN
                         for f in findings),
        "weight_valid_days": weight_valid_days(),
        "may_close": request.user.may(Action.MANAGE_PRODUCTS) and investigation.is_open,
        "may_open_units": request.user.may(Action.MANAGE_PRODUCTS),
        "form": form or forms.InvestigationCloseForm(),
    }, status=status)


@requires(Action.MANAGE_PRODUCTS)
@require_POST
def investigation_close(request: AuthenticatedHttpRequest, investigation_id: int) -> HttpResponse:
    investigation = get_visible_or_404(ProductInvestigation.objects.all(), request.user,
                                       pk=investigation_id)
    form = forms.InvestigationCloseForm(request.POST)
    if form.is_valid():
        try:
            services.investigation_close(investigation, by=request.user,
                                         conclusion=form.cleaned_data["conclusion"])
        except services.CellbankRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("Closed product investigation %(number)s.")
                             % {"number": investigation.pk})
            return redirect("cellbank:investigation-detail", investigation_id=investigation.pk)
    return investigation_detail(request, investigation_id, form=form, status=400)
