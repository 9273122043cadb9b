"""The ICHOM Hip & Knee Osteoarthritis report page and its CSV (method: docs/ichom.md)."""

from __future__ import annotations

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from orthoregen.analytics import MIN_N_TO_CONCLUDE
from orthoregen.web.accounts.permissions import AuthenticatedHttpRequest, requires
from orthoregen.web.accounts.roles import Action
from orthoregen.web.audit.models import AccessAction
from orthoregen.web.audit.services import access_record
from orthoregen.web.registry import cohort, ichom
from orthoregen.web.registry.forms import SiteScopedForm


class IchomFilterForm(SiteScopedForm):
    """The report's filters: one of the user's sites, and hip or knee (empty: both)."""

    site = forms.ChoiceField(required=False)
    joint = forms.ChoiceField(required=False, choices=[("", _("Hip and knee")), ("knee", _("Knee")),
                                                       ("hip", _("Hip"))])


def _rows(request: AuthenticatedHttpRequest) -> tuple[IchomFilterForm, list[ichom.Completeness]]:
    form = IchomFilterForm(request.GET or None, user=request.user)
    episodes = cohort.scoped_episodes(request.user)
    if form.is_bound and form.is_valid():
        episodes = episodes.filter(site_id__in=form.site_ids())
        if form.cleaned_data.get("joint"):
            episodes = episodes.filter(joint=form.cleaned_data["joint"])
    return form, ichom.completeness(episodes, as_of=timezone.localdate())


@requires(Action.VIEW_REGISTRY)
@require_GET
def ichom_report(request: AuthenticatedHttpRequest) -> HttpResponse:
    form, rows = _rows(request)
    access_record(request, AccessAction.SEARCH, detail="registry ICHOM hip and knee report")
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, "registry/ichom.html", {
        "form": form, "rows": rows, "measures": ichom.MEASURES, "source": ichom.ROLFSON_2016,
        "not_covered": ichom.NOT_COVERED, "min_n": MIN_N_TO_CONCLUDE,
        "today": timezone.localdate(), "query": request.GET.urlencode()}, status=status)


@requires(Action.VIEW_REGISTRY)
@require_GET
def ichom_report_csv(request: AuthenticatedHttpRequest) -> HttpResponse:
    form, rows = _rows(request)
    if form.is_bound and not form.is_valid():
        return HttpResponse(gettext("Invalid filter: %(errors)s")
                            % {"errors": form.errors.as_text()},
                            status=400, content_type="text/plain")

    access_record(request, AccessAction.SEARCH, detail="registry ICHOM hip and knee report CSV")
    response = HttpResponse(ichom.completeness_csv(rows), content_type="text/csv")
    name = f"ichom-hip-knee-{timezone.localdate():%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
