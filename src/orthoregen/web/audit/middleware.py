"""One place that records every response showing patient data and every refused attempt.

A view need not remember to call the audit service: after each response this middleware
asks whether the page showed patient data and, if the view wrote no record itself
(``request.access_recorded``), writes one. A page shows patient data when

- its view declares a patient-data action through accounts.permissions.requires (every
  action but the protocol, registry and evidence ones), or carries ``@shows_patient``;
- its URL names a patient's record (``patient_id``, ``episode_id``, ... in PATIENT_OF); or
- it is a Django admin page of a model that holds site data (SITE_PATH), its history
  included: the change list and its search, change, delete and history pages.

A 403, a 404 on a URL naming a record, and the admin's redirects away from a record it
will not show (to its login page for a refused role, to its index for another site's row)
are recorded as refusals with the user and the
path, naming no patient: a refused role learns nothing of the records (accounts.permissions),
and another site's patient stays out of this site's trail. A page that was shown names its
patient only when the patient belongs to one of the user's sites.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.contrib.admin import ModelAdmin
from django.core.exceptions import ValidationError
from django.urls import reverse

from orthoregen.web.accounts.roles import Action
from orthoregen.web.audit.models import AccessAction
from orthoregen.web.audit.services import access_record

if TYPE_CHECKING:
    from django.db.models import Model, QuerySet
    from django.http import HttpRequest, HttpResponse
    from django.urls import ResolverMatch

    from orthoregen.web.accounts.models import User

# The actions whose pages show no identifiable patient: protocols and consent texts, the
# registry's aggregate pages (the de-identified cohort), the evidence library.
NO_PATIENT_ACTIONS = frozenset({Action.MANAGE_PROTOCOLS, Action.VIEW_REGISTRY,
                                Action.ADD_EVIDENCE})

# URL keyword -> (model label, lookups from that model to its patient, tried in order).
# Labels rather than imports: the audit app is foundation and may not import later stages.
PATIENT_OF: dict[str, tuple[str, tuple[str, ...]]] = {
    "patient_id": ("clinic.Patient", ("pk",)),
    "episode_id": ("clinic.JointEpisode", ("patient",)),
    "encounter_id": ("clinic.Encounter", ("episode__patient",)),
    "consent_id": ("consultation.ConsentRecord", ("episode__patient",)),
    "unit_id": ("cellbank.ProductUnit", ("issued_to_episode__patient", "harvest__patient")),
    "donor_id": ("cellbank.Donor", ()),
    "investigation_id": ("cellbank.ProductInvestigation", ()),
    "procedure_id": ("cellbank.Procedure", ("patient",)),
    "pj_id": ("cellbank.ProcedureJoint", ("procedure__patient",)),
    "visit_id": ("followup.ScheduledVisit", ("schedule__episode__patient",)),
    "task_id": ("followup.ReviewTask", ("visit__schedule__episode__patient",)),
    "event_id": ("safety.AdverseEvent", ("patient",)),
    "decision_id": ("consultation.CandidacyDecision", ("episode__patient",)),
    "response_id": ("followup.QuestionnaireResponse", ("episode__patient",)),
    "outcome_id": ("safety.OutcomeEvent", ("episode__patient",)),
    "study_id": ("imaging.MriStudy", ("patient",)),
}

ADMIN_PAGES = {"changelist_view": "list", "change_view": "change", "delete_view": "delete",
               "history_view": "history", "history_form_view": "old version"}


def shows_patient(view: Callable) -> Callable:
    """Mark a view whose page shows patient data though it declares no patient action."""
    view.shows_patient = True  # type: ignore[attr-defined]
    return view


@dataclass(frozen=True)
class Page:
    """What the resolver knows about the page a request reached."""

    shows_patient: bool
    names_record: bool
    model_label: str | None  # the admin page's model, for its object_id
    kind: str


def page_of(view: Callable[..., Any], kwargs: dict[str, Any]) -> Page:
    """Say whether a view's page shows patient data, from its declarations and its URL."""
    names_record = any(key in PATIENT_OF for key in kwargs)
    model_admin = _model_admin_of(view)
    if model_admin is not None:
        model = model_admin.model
        original = getattr(model, "instance_type", model)  # simple-history's rows
        site_data = hasattr(original, "SITE_PATH") or hasattr(model, "SITE_PATH")
        kind = ADMIN_PAGES.get(getattr(view, "__name__", ""), "page")
        return Page(site_data, site_data and "object_id" in kwargs,
                    original._meta.label, f"admin {model._meta.label} {kind}")
    actions = getattr(view, "required_actions", ())
    declared = any(action not in NO_PATIENT_ACTIONS for action in actions)
    return Page(declared or names_record or getattr(view, "shows_patient", False),
                names_record, None, getattr(view, "__name__", "page"))


def _model_admin_of(view: Callable[..., Any]) -> ModelAdmin[Any] | None:
    """The ModelAdmin behind an admin page: Django's own URLs carry it as ``model_admin``;
    simple-history's old-version page is the admin's bound method, wrapped by admin_view."""
    found = getattr(view, "model_admin", None)
    if found is None:
        found = getattr(getattr(view, "__wrapped__", None), "__self__", None)
    return found if isinstance(found, ModelAdmin) else None


def patient_named(page: Page, kwargs: dict[str, Any], user: User) -> Model | None:
    """Return the patient the URL names if the user works at the patient's site, else None."""
    Patient = apps.get_model("clinic", "Patient")
    mine = Patient.objects.filter(site__in=user.sites.all())
    if page.model_label is not None:
        return _admin_patient(page.model_label, kwargs.get("object_id"), mine)
    for key, (label, paths) in PATIENT_OF.items():
        value = kwargs.get(key)
        if value is None:
            continue
        model = apps.get_model(label)
        for path in paths:
            try:
                patient_id = model._default_manager.filter(pk=value) \
                    .values_list(path, flat=True).first()
            except (ValueError, TypeError, ValidationError):
                patient_id = None
            if patient_id is not None:
                return mine.filter(pk=patient_id).first()
    return None


def _admin_patient(label: str, object_id: str | None, mine: QuerySet[Model]) -> Model | None:
    if object_id is None:
        return None
    model = apps.get_model(label)
    site_path = getattr(model, "SITE_PATH", "")
    if model is mine.model:
        path = "pk"
    elif site_path.endswith("patient__site"):
        path = site_path.removesuffix("__site")
    else:
        return None
    try:
        patient_id = model._default_manager.filter(pk=object_id) \
            .values_list(path, flat=True).first()
    except (ValueError, TypeError, ValidationError):  # a malformed id names no one
        return None
    return mine.filter(pk=patient_id).first() if patient_id is not None else None


class AccessTrailMiddleware:
    """Write an access record for each page of patient data and each refusal (see above)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        user = getattr(request, "user", None)
        if match is None or user is None or not user.is_authenticated:
            return response  # anonymous pages: the portal records its own links
        if getattr(request, "access_recorded", False):
            return response
        page = page_of(match.func, match.kwargs)
        status = response.status_code
        if status == 403 or (status == 404 and page.names_record):
            access_record(request, AccessAction.DENIED,
                          detail=f"refused ({status}): {page.kind} {request.method}")
        elif 200 <= status < 300 and page.shows_patient:
            action = AccessAction.SEARCH if _is_listing(page, match) else AccessAction.VIEW
            access_record(request, action, patient=patient_named(page, match.kwargs, user),
                          detail=f"{page.kind} {request.method}"
                                 + (f" q={request.GET['q']!r}" if request.GET.get("q") else ""))
        elif status == 302 and page.model_label and (
                _to_admin_login(response) or (page.names_record and request.method == "GET")):
            # The admin answers a role it refuses with its login page, and a row outside the
            # administrator's sites with a redirect to its index ("does not exist").
            access_record(request, AccessAction.DENIED,
                          detail=f"refused (redirected): {page.kind} {request.method}")
        return response


def _is_listing(page: Page, match: ResolverMatch) -> bool:
    return page.kind.endswith(" list") or (page.model_label is None and not match.kwargs)


def _to_admin_login(response: HttpResponse) -> bool:
    return response.get("Location", "").startswith(reverse("admin:login"))
