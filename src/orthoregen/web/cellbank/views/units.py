"""Cell lab pages: the unit worklist, a unit with its QC, custody and lineage, and actions.

Views parse input, check the role, scope every read to the user's sites (a site B unit is a
404 for a site A user), leave an access record, and call one service per action.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from orthoregen.products.label_pdf import render_label_pdf
from orthoregen.products.labels import LabelRefused, render_label_svg
from orthoregen.products.product_class import PRODUCT_CLASSES, ProductClass
from orthoregen.products.status import NOT_YET_IN_A_PATIENT, UnitStatus
from orthoregen.web.accounts.access import get_visible_or_404, scope
from orthoregen.web.accounts.models import User
from orthoregen.web.accounts.permissions import AuthenticatedHttpRequest, requires
from orthoregen.web.accounts.roles import Action
from orthoregen.web.accounts.signatures import second_factor_verified, signatures_of
from orthoregen.web.audit.models import AccessAction
from orthoregen.web.audit.services import access_record
from orthoregen.web.cellbank import forms, services
from orthoregen.web.cellbank.lookback import lookback_from_units
from orthoregen.web.cellbank.models import (
    Donor,
    Harvest,
    ProductInvestigation,
    ProductUnit,
    QcResult,
)
from orthoregen.web.cellbank.services import signoffs
from orthoregen.web.cellbank.services.holds import hold_reason
from orthoregen.web.cellbank.services.labels import label_checked, label_content
from orthoregen.web.cellbank.services.qc_panel import (
    PanelRefused,
    PanelResult,
    qc_panel_of,
    qc_panel_record,
)
from orthoregen.web.cellbank.services.release import lineage_qc
from orthoregen.web.cellbank.status_shown import expired_among, shown_as
from orthoregen.web.cellbank.vocabulary import InvestigationStatus, UnitStatusChoices
from orthoregen.web.clinic.models import JointEpisode, Patient
from orthoregen.web.mail import portal_base_url

PAGE_SIZE = 25
RECENT_HARVEST_DAYS = 90
ACTIVE = [UnitStatus.QUARANTINE, UnitStatus.RELEASED, UnitStatus.CONDITIONALLY_RELEASED,
          UnitStatus.ISSUED, UnitStatus.THAWED]
# Which action forms the unit page offers in each status (a refused one is shown too).
_RELEASED = ("issue", "split", "discard")
ACTIONS_BY_STATUS = {
    UnitStatus.QUARANTINE: ("release", "split", "discard"),
    UnitStatus.RELEASED: _RELEASED, UnitStatus.CONDITIONALLY_RELEASED: _RELEASED,
    UnitStatus.ISSUED: ("discard",), UnitStatus.THAWED: ("discard",),
    UnitStatus.REJECTED: ("discard",), UnitStatus.RECALLED: ("discard",),
    UnitStatus.EXPIRED: ("discard",), UnitStatus.RETURNED: ("discard",),
}
UNIT_RELATED = ("site", "donor", "harvest__patient", "issued_to_episode__patient", "parent")


@requires(Action.MANAGE_PRODUCTS)
def units(request: AuthenticatedHttpRequest) -> HttpResponse:
    # The lab works on units still in its hands; "all" shows the archive too.
    status = request.GET.get("status", "active")
    rows = scope(ProductUnit.objects.select_related(*UNIT_RELATED), request.user)
    if status == "active":
        rows = rows.filter(status__in=ACTIVE)
    elif status in {s.value for s in UnitStatus}:
        # As shown: "expired" takes in units past their expiry not yet marked so.
        rows = rows.filter(shown_as(status))
    page = Paginator(rows.order_by("expires_at", "id"), PAGE_SIZE).get_page(request.GET.get("page"))
    access_record(request, AccessAction.SEARCH, detail=f"cell units status={status!r}")
    return render(request, "cellbank/units.html", {
        "page": page, "status": status, "statuses": UnitStatusChoices,
        "investigations": _open_investigations(request.user)})


def _open_investigations(user):
    # Patients are counted, not named, here: the investigation's page lists them.
    patients = Count("recipients__administration__procedure_joint__episode__patient",
                     distinct=True)
    return scope(ProductInvestigation.objects.filter(status=InvestigationStatus.OPEN),
                 user).select_related("lot").annotate(patients=patients) \
        .order_by("opened_at", "id")


def _unit(request: AuthenticatedHttpRequest, unit_id: int) -> ProductUnit:
    return get_visible_or_404(ProductUnit.objects.select_related(*UNIT_RELATED), request.user,
                              pk=unit_id)


def _patient_of(unit: ProductUnit) -> Patient | None:
    if unit.issued_to_episode:
        return unit.issued_to_episode.patient
    return unit.harvest.patient if unit.harvest else None


@requires(Action.MANAGE_PRODUCTS)
def unit_detail(request: AuthenticatedHttpRequest,
                unit_id: int, bound: dict | None = None, status: int = 200) -> HttpResponse:
    unit = _unit(request, unit_id)
    access_record(request, AccessAction.VIEW, patient=_patient_of(unit),
                  detail=f"cell unit {unit.identifier}")
    try:
        evaluation = services.release_evaluation(unit)
    except services.CellbankRefused as refused:
        evaluation, spec_problem = None, str(refused)
    else:
        spec_problem = ""
    ancestors, node = [], unit.parent
    while node is not None:
        ancestors.append(node)
        node = node.parent
    latest = lineage_qc(unit)
    descendants = lookback_from_units([unit.pk], site_ids=[unit.site_id])
    # Repeat tests are kept: the ones the latest result of their test superseded, listed apart.
    earlier = QcResult.objects.filter(unit_id__in=[unit.pk, *(a.pk for a in ancestors)]) \
        .exclude(pk__in=[r.pk for r in latest.values()]).select_related("unit", "by") \
        .order_by("test", "-at", "-id")
    empty = {"qc": forms.QcForm(), "release": forms.ReleaseForm(), "issue": forms.IssueForm(),
             "discard": forms.ReasonForm(prefix="discard"),
             "recall": forms.ReasonForm(prefix="recall"), "split": forms.SplitForm(),
             "expire": forms.ConfirmForm(), "countersign": forms.SignForm(prefix="countersign"),
             "verify": forms.SignForm(prefix="verify")}
    empty.update(bound or {})
    signing = _signing(unit, evaluation, latest, viewer=request.user)
    shown = set(ACTIONS_BY_STATUS.get(UnitStatus(unit.status), ())) - signing.pop("hidden") \
        | signing.pop("actions") | set(bound or {})
    if unit.status in NOT_YET_IN_A_PATIENT and unit.expires_at <= timezone.now():
        shown.add("expire")
    return render(request, "cellbank/unit_detail.html", {
        "unit": unit, "forms": empty, "shown": shown, "evaluation": evaluation,
        "spec_problem": spec_problem,
        "qc": sorted(latest.values(), key=lambda r: r.test), "earlier": earlier,
        "custody": unit.custody.select_related("by"),
        "descendants": descendants, "expired": expired_among(r.unit_id for r in descendants),
        "refusals": unit.refusals.select_related("by", "episode__patient"),
        "ancestors": ancestors, "parts": unit.children.order_by("product_code"),
        "product": PRODUCT_CLASSES[ProductClass(unit.product_class)],
        "hold": hold_reason(unit) if unit.status in NOT_YET_IN_A_PATIENT else "",
        **signing,
    }, status=status)


def _signing(unit: ProductUnit, evaluation: Any, latest: dict[str, Any], *,
             viewer: User) -> dict[str, Any]:
    """Return the unit's signatures, its release pending a second signature, if any, its QC
    results' verifications, and the signing forms the page offers (in "actions").

    The verification form is offered only to someone who can verify a waiting result: one
    who entered every waiting result is told another lab member verifies them (the service
    refuses it too), and one who entered some is told how many they leave for another."""
    results = list(latest.values())
    verified = signoffs.qc_verifications(results)
    for result in results:
        result.verification = verified.get(result.pk)
    pending = signoffs.release_pending(unit, evaluation) if evaluation else None
    signatures = list(signatures_of(unit))
    waiting = [r for r in results if r.pk not in verified]
    own_waiting = sum(1 for r in waiting if r.by_id == viewer.pk)
    actions = {"verify"} if len(waiting) > own_waiting else set()
    if pending is not None:
        actions |= {"countersign"}
    legacy = "" if not unit.release_approver or any(
        s.meaning in signoffs.RELEASE_MEANINGS for s in signatures) else unit.release_approver
    # While a release waits for its second signature, the page offers that, not a new first.
    hidden = {"release"} if pending is not None else set()
    return {"signatures": signatures, "pending": pending, "legacy_approver": legacy,
            "two_person": signoffs.is_two_person_release(unit), "actions": actions,
            "hidden": hidden, "waiting_count": len(waiting), "own_waiting": own_waiting}


def _act(request: AuthenticatedHttpRequest, unit_id: int, name: str, form: Any,
         do: Callable[..., Any]) -> HttpResponse:
    """Run one unit action: a bad form or a refusal re-shows the unit page with the error."""
    unit = _unit(request, unit_id)
    if form.is_valid():
        try:
            message = do(unit, form.cleaned_data)
        except services.CellbankRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, message)
            return redirect("cellbank:unit-detail", unit_id=unit.pk)
    return unit_detail(request, unit_id, bound={name: form}, status=400)


@requires(Action.MANAGE_PRODUCTS)
@require_POST
def unit_qc(request: AuthenticatedHttpRequest, unit_id: int) -> HttpResponse:
    def do(unit, data):
        services.qc_record(unit, by=request.user, test=data["test"], value=data["value"],
                           outcome=data["outcome"], method=data["method"],
                           base_url=portal_base_url(request))
        return _("Recorded %(test)s for %(unit)s.") % {"test": data["test"], "unit": unit}
    return _act(request, unit_id, "qc", forms.QcForm(request.POST), do)


@requires(Action.MANAGE_PRODUCTS)
@require_http_methods(["GET", "POST"])
def unit_qc_panel(request: AuthenticatedHttpRequest, unit_id: int) -> HttpResponse:
    """The whole release panel on one page, saved together or not at all."""
    unit = _unit(request, unit_id)
    try:
        tests, latest = qc_panel_of(unit)
    except services.CellbankRefused as refused:
        messages.error(request, str(refused))
        return redirect("cellbank:unit-detail", unit_id=unit.pk)
    form = forms.QcPanelForm(request.POST or None, tests=tests, latest=latest)
    if request.method == "POST" and form.is_valid():
        try:
            saved = qc_panel_record(unit, by=request.user, base_url=portal_base_url(request),
                                    results=[PanelResult(**r) for r in form.entered()])
        except PanelRefused as refused:
            form.add_error(form.field_of(refused.test), refused.reason)
            form.add_error(None, _("Nothing was saved. %(reason)s") % {"reason": refused})
        except services.CellbankRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, ngettext("Recorded %(count)s result(s) for %(unit)s.",
                                               "Recorded %(count)s result(s) for %(unit)s.",
                                               len(saved))
                             % {"count": len(saved), "unit": unit.identified_as})
            return redirect("cellbank:unit-detail", unit_id=unit.pk)
    access_record(request, AccessAction.VIEW, patient=_patient_of(unit),
                  detail=f"QC panel of {unit.identified_as}")
    return render(request, "cellbank/qc_panel.html", {
        "unit": unit, "form": form, "latest": latest,
        "spec": services.release_spec_for(unit)}, status=400 if form.errors else 200)


@requires(Action.MANAGE_PRODUCTS)
@require_POST
def unit_release(request: AuthenticatedHttpRequest, unit_id: int) -> HttpResponse:
    def do(unit, data):
        signed = services.unit_release(
            unit, by=request.user, password=data["password"],
            second_factor=second_factor_verified(request), conditional=data["conditional"],
            reason=data["reason"])
        if signed.event is None:
            return _("Signed the release of %(unit)s: it waits for a second person's "
                     "signature.") % {"unit": unit}
        released = _("Released %(unit)s pending sterility.") if data["conditional"] \
            else _("Released %(unit)s.")
        return released % {"unit": unit}
    return _act(request, unit_id, "release", forms.ReleaseForm(request.POST), do)


@requires(Action.MANAGE_PRODUCTS)
@require_POST
def unit_release_countersign(request: AuthenticatedHttpRequest, unit_id: int) -> HttpResponse:
    def do(unit, data):
        services.unit_release_countersign(unit, by=request.user, password=data["password"],
                                          second_factor=second_factor_verified(request))
        return _("Signed as the second person: %(unit)s is released.") % {"unit": unit}
    return _act(request, unit_id, "countersign",
                forms.SignForm(request.POST, prefix="countersign"), do)


@requires(Action.MANAGE_PRODUCTS)
@require_POST
def unit_qc_verify(request: AuthenticatedHttpRequest, unit_id: int) -> HttpResponse:
    def do(unit, data):
        done = services.qc_panel_verify(unit, by=request.user, password=data["password"],
                                        second_factor=second_factor_verified(request))
        left = ", ".join(r.get_test_display() for r in done.left_for_another)
        verified = {"count": len(done.signed), "unit": unit, "tests": left}
        if left:
            return _("Verified %(count)s QC result(s) of %(unit)s. You entered %(tests)s: "
                     "another person verifies those.") % verified
        return _("Verified %(count)s QC result(s) of %(unit)s.") % verified
    return _act(request, unit_id, "verify", forms.SignForm(request.POST, prefix="verify"), do)


@requires(Action.MANAGE_PRODUCTS)
@require_POST
def unit_issue(request: AuthenticatedHttpRequest, unit_id: int) -> HttpResponse:
    form = forms.IssueForm(request.POST)

    def do(unit, data):
        episode = scope(JointEpisode.objects.select_related("patient"), request.user).filter(
            patient__site=unit.site, patient__mrn=data["patient_mrn"].strip(),
            joint=data["joint"], side=data["side"]).first()
        if episode is None:
            raise services.CellbankRefused(
                _("No %(side)s %(joint)s episode for MRN %(mrn)s at %(site)s.") % {
                    "side": data["side"], "joint": data["joint"], "mrn": data["patient_mrn"],
                    "site": unit.site.name})
        services.unit_issue(unit, episode, by=request.user)
        return _("Issued %(unit)s to %(patient)s for the %(episode)s.") % {
            "unit": unit, "patient": episode.patient, "episode": episode}
    return _act(request, unit_id, "issue", form, do)


@requires(Action.MANAGE_PRODUCTS)
@require_POST
def unit_discard(request: AuthenticatedHttpRequest, unit_id: int) -> HttpResponse:
    def do(unit, data):
        services.unit_discard(unit, by=request.user, reason=data["reason"])
        return _("Discarded %(unit)s.") % {"unit": unit}
    return _act(request, unit_id, "discard", forms.ReasonForm(request.POST, prefix="discard"), do)


@requires(Action.MANAGE_PRODUCTS)
@require_POST
def unit_expire(request: AuthenticatedHttpRequest, unit_id: int) -> HttpResponse:
    def do(unit, data):
        services.unit_expire(unit, by=request.user)
        return _("Marked %(unit)s expired.") % {"unit": unit}
    return _act(request, unit_id, "expire", forms.ConfirmForm(request.POST), do)


@requires(Action.MANAGE_PRODUCTS)
@require_POST
def unit_recall(request: AuthenticatedHttpRequest, unit_id: int) -> HttpResponse:
    def do(unit, data):
        result = services.unit_recall(unit, by=request.user, reason=data["reason"])
        patients = sorted({r.patient_name for r in result.affected})
        if not patients:
            return _("Recalled %(count)s unit(s). Patients to follow up: none.") % {
                "count": len(result.recalled)}
        return _("Recalled %(count)s unit(s). Patients to follow up: %(patients)s.") % {
            "count": len(result.recalled), "patients": ", ".join(patients)}
    return _act(request, unit_id, "recall", forms.ReasonForm(request.POST, prefix="recall"), do)


@requires(Action.MANAGE_PRODUCTS)
@require_POST
def unit_split(request: AuthenticatedHttpRequest, unit_id: int) -> HttpResponse:
    def do(unit, data):
        children = services.unit_split(unit, by=request.user, volumes_ml=data["volumes"])
        return _("Divided %(unit)s into %(parts)s.") % {
            "unit": unit, "parts": ", ".join(c.identifier for c in children)}
    return _act(request, unit_id, "split", forms.SplitForm(request.POST), do)


def _label_view(request: AuthenticatedHttpRequest, unit_id: int, suffix: str,
                respond: Callable[[ProductUnit], HttpResponse]) -> HttpResponse:
    """Record the reading of a unit's label, then answer with it or, refused, its problems."""
    unit = _unit(request, unit_id)
    access_record(request, AccessAction.VIEW, patient=_patient_of(unit),
                  detail=f"label of {unit.identified_as}{suffix}")
    try:
        return respond(unit)
    except LabelRefused as refused:
        # 409: the unit exists, but its record cannot make a complete label until it is
        # corrected.
        return render(request, "cellbank/label.html",
                      {"unit": unit, "problems": refused.problems}, status=409)


@requires(Action.MANAGE_PRODUCTS)
def unit_label_page(request: AuthenticatedHttpRequest, unit_id: int) -> HttpResponse:
    """The label as it prints, or, if the core refuses it, every problem instead."""
    return _label_view(request, unit_id, "", lambda unit: render(
        request, "cellbank/label.html", {"unit": unit, "content": label_checked(unit)}))


@requires(Action.MANAGE_PRODUCTS)
def unit_label(request: AuthenticatedHttpRequest, unit_id: int) -> HttpResponse:
    return _label_view(request, unit_id, " (SVG)", lambda unit: HttpResponse(
        render_label_svg(label_content(unit)), content_type="image/svg+xml"))


@requires(Action.MANAGE_PRODUCTS)
def unit_label_pdf(request: AuthenticatedHttpRequest, unit_id: int) -> HttpResponse:
    def respond(unit: ProductUnit) -> HttpResponse:
        response = HttpResponse(render_label_pdf(label_content(unit)),
                                content_type="application/pdf")
        name = f"label-{unit.identifier}-{unit.product_code}.pdf"
        response["Content-Disposition"] = f'inline; filename="{name}"'
        return response
    return _label_view(request, unit_id, " (PDF)", respond)


@requires(Action.MANAGE_PRODUCTS)
@require_http_methods(["GET", "POST"])
def unit_receive(request: AuthenticatedHttpRequest) -> HttpResponse:
    donors = scope(Donor.objects.all(), request.user)
    # Recent harvests only: a point-of-care product is received within hours, a cultured one
    # within weeks; the whole registry's harvests would make an unusable list.
    since = timezone.now() - dt.timedelta(days=RECENT_HARVEST_DAYS)
    harvests = scope(Harvest.objects.select_related("patient"), request.user) \
        .filter(harvested_at__gte=since).order_by("-harvested_at")
    form = forms.UnitReceiveForm(request.POST or None, donors=donors, harvests=harvests)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        source = data["donor"] or data["harvest"]
        site = source.site if data["donor"] else source.patient.site
        try:
            unit = services.unit_receive(
                site=site, identifier_text=data["identifier"],
                product_class=data["product_class"],
                product_code_text=data["product_code_text"], donor=data["donor"],
                harvest=data["harvest"], collected_at=data["collected_at"],
                expires_at=data["expires_at"], storage=data["storage"],
                is_cryopreserved=data["is_cryopreserved"],
                max_post_thaw_hold_minutes=data["max_post_thaw_hold_minutes"],
                processing_site=data["processing_site"],
                processing_operator=data["processing_operator"],
                sop_version=data["sop_version"], passage=data["passage"],
                cell_count=data["cell_count"], viability_pct=data["viability_pct"],
                volume_ml=data["volume_ml"], concentration_per_ml=_concentration(data),
                by=request.user)
        except services.CellbankRefused as refused:
            form.add_error(None, str(refused))
        else:
            # The next step of a received unit is its release panel: the lab lands on it
            # (it leads back to the unit if the results are not in yet).
            messages.success(request, _("Received %(unit)s into quarantine: enter its QC "
                                        "results below, or later from the unit's page.")
                             % {"unit": unit})
            return redirect("cellbank:unit-qc-panel", unit_id=unit.pk)
    return render(request, "form_page.html", {"form": form, "title": _("Receive a unit"),
                                                  "back": "cellbank:units"})


def _concentration(data: dict) -> float | None:
    cells, volume = data.get("cell_count"), data.get("volume_ml")
    return cells / volume if cells is not None and volume else None

