"""The FHIR R4 read and search server at /fhir/r4/, its CapabilityStatement and transactions.

Every view is guarded by access.fhir_endpoint (who may call, and the access trail) and reads
patient data only through accounts.access.scope, as the pages do.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from orthoregen.instruments import instrument_ids
from orthoregen.instruments.errors import TextPackError
from orthoregen.instruments.textpacks import TextPack, text_pack_for
from orthoregen.web.accounts.access import scope
from orthoregen.web.accounts.licences import licence_problem
from orthoregen.web.accounts.roles import Action
from orthoregen.web.audit.models import AccessAction
from orthoregen.web.fhir import catalogue, codes
from orthoregen.web.fhir.access import Call, FhirError, fhir_endpoint, fhir_response, outcome
from orthoregen.web.fhir.catalogue import KINDS, Kind, SearchError
from orthoregen.web.fhir.resources import Context, questionnaire

DEFAULT_COUNT = 50
MAX_COUNT = 500


def base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("fhir:base"))


def _kind(resource_type: str) -> Kind:
    kind = KINDS.get(resource_type)
    if kind is None and resource_type != catalogue.QUESTIONNAIRE:
        raise FhirError(404, "not-supported",
                        f"This server has no resource type {resource_type!r}.")
    assert kind is not None
    return kind


def _int_param(params: dict[str, list[str]], name: str, default: int, high: int) -> int:
    values = params.get(name)
    if not values:
        return default
    text = values[-1]
    if not text.isdigit() or len(text) > 9:
        raise FhirError(400, "invalid", f"{name}={text!r} is not a whole number.",
                        expression=name)
    return min(int(text), high)


def wording_for(user: Any) -> Any:
    """Return a function giving the text pack a user's sites may show, or None."""
    from orthoregen.web.followup.questionnaires import text_language, text_pack_dirs

    today = timezone.localdate()
    sites = list(user.sites.all())

    def wording(instrument_id: str) -> TextPack | None:
        if not any(licence_problem(site, instrument_id, today) is None for site in sites):
            return None
        try:
            return text_pack_for(instrument_id, text_language(), text_pack_dirs())
        except TextPackError:
            return None
    return wording


# ---------------------------------------------------------------------------- metadata

@csrf_exempt  # answers only GET; a POST gets the 405 OperationOutcome, not a CSRF page
def metadata(request: HttpRequest) -> HttpResponse:
    """The CapabilityStatement, open to anyone: a FHIR client reads it before it signs in
    (FHIR R4 RESTful API, "capabilities": the statement tells a client how to authenticate).
    It holds no patient data, so it declares no action and leaves no access record; every
    other view of this app stays behind fhir_endpoint."""
    from orthoregen.web.fhir.capability import capability_statement

    if request.method not in ("GET", "HEAD"):
        response = outcome(405, "not-supported", "GET the CapabilityStatement.")
        response["Allow"] = "GET, HEAD"
        return response
    return fhir_response(capability_statement(base_url(request)))


# ---------------------------------------------------------------------------- search, read

def _params(request: HttpRequest) -> dict[str, list[str]]:
    return {key: request.GET.getlist(key) for key in request.GET}


def _searched(kind: Kind, call: Call, params: dict[str, list[str]]) -> Any:
    queryset = scope(catalogue.with_last_updated(kind.queryset()), call.user)
    try:
        return catalogue.search(kind, queryset, params)
    except SearchError as error:
        raise FhirError(400, "invalid", str(error)) from None


def _entry(base: str, resource: dict[str, Any]) -> dict[str, Any]:
    return {"fullUrl": f"{base}{resource['resourceType']}/{resource['id']}",
            "resource": resource, "search": {"mode": "match"}}


def _with_meta(resource: dict[str, Any], row: Any) -> dict[str, Any]:
    moment = getattr(row, "last_updated", None)
    if moment is not None:
        resource["meta"] = {"lastUpdated": moment.isoformat()}
    return resource


def _search_questionnaires(request: HttpRequest, call: Call,
                           params: dict[str, list[str]]) -> HttpResponse:
    unknown = set(params) - {"_id", "_count", "_offset", "url", "_format"}
    if unknown:
        raise FhirError(400, "invalid", f"Unknown search parameter {', '.join(sorted(unknown))}.")
    ids = sorted(instrument_ids())
    wanted = {one for value in params.get("_id", []) for one in value.split(",")}
    wanted |= {value.rsplit("/", 1)[-1] for value in params.get("url", [])}
    ctx = Context(wording=wording_for(call.user))
    found = [questionnaire(i, ctx) for i in ids
             if not wanted or codes.fhir_id(i) in wanted or i in wanted]
    base = base_url(request)
    call.action, call.detail = AccessAction.SEARCH, "Questionnaire search"
    return fhir_response({"resourceType": "Bundle", "type": "searchset", "total": len(found),
                          "link": [{"relation": "self", "url": request.build_absolute_uri()}],
                          "entry": [_entry(base, r) for r in found]})


@fhir_endpoint(Action.VIEW_PATIENT)
def search_type(request: HttpRequest, call: Call, resource_type: str) -> HttpResponse:
    params = _params(request)
    if resource_type == catalogue.QUESTIONNAIRE:
        return _search_questionnaires(request, call, params)
    kind = _kind(resource_type)
    call.require_area(kind.area)
    count = _int_param(params, "_count", DEFAULT_COUNT, MAX_COUNT)
    offset = _int_param(params, "_offset", 0, 10**9)
    queryset = _searched(kind, call, params)
    total = queryset.count()
    rows = list(queryset[offset:offset + count])
    ctx = Context()
    base = base_url(request)
    entries = [_entry(base, _with_meta(resource, row))
               for row in rows for resource in kind.resources(row, ctx)]
    links = [{"relation": "self", "url": request.build_absolute_uri()}]
    plain = {k: v for k, v in params.items() if k != "_offset"}

    def page(at: int) -> str:
        query = urlencode([(k, one) for k, v in plain.items() for one in v] + [("_offset", at)])
        return f"{base}{resource_type}?{query}"
    if offset + count < total:
        links.append({"relation": "next", "url": page(offset + count)})
    if offset > 0:
        links.append({"relation": "previous", "url": page(max(0, offset - count))})
    call.action = AccessAction.SEARCH
    call.detail = f"{resource_type} search {request.GET.urlencode()[:300]}"
    patients = {value for name in ("patient", "subject") for value in params.get(name, [])}
    if resource_type == "Patient" and len(rows) == 1:
        call.patient = rows[0]
    elif len(patients) == 1 and rows:
        call.patient = _patient_of(kind, rows[0])
    return fhir_response({"resourceType": "Bundle", "type": "searchset", "total": total,
                          "link": links, "entry": entries})


def _patient_of(kind: Kind, row: Any) -> Any:
    from orthoregen.web.clinic.models import Patient

    if kind.resource_type == "Patient":
        return row
    patient_id = kind.model_class()._default_manager.filter(pk=row.pk) \
        .values_list(kind.patient, flat=True).first()
    if patient_id is None and kind.patient_alternatives:
        patient_id = kind.model_class()._default_manager.filter(pk=row.pk) \
            .values_list(kind.patient_alternatives[0], flat=True).first()
    return Patient.objects.filter(pk=patient_id).first() if patient_id else None


@fhir_endpoint(Action.VIEW_PATIENT)
def read(request: HttpRequest, call: Call, resource_type: str, resource_id: str) -> HttpResponse:
    if resource_type == catalogue.QUESTIONNAIRE:
        match = [i for i in instrument_ids() if codes.fhir_id(i) == resource_id]
        if not match:
            raise FhirError(404, "not-found", f"No Questionnaire {resource_id!r}.")
        call.detail = f"Questionnaire/{resource_id}"
        return fhir_response(questionnaire(match[0], Context(wording=wording_for(call.user))))
    kind = _kind(resource_type)
    call.require_area(kind.area)
    not_found = FhirError(404, "not-found", f"No {resource_type} {resource_id!r} here.")
    try:
        pk, part = catalogue.row_pk(kind, resource_id)
    except SearchError:
        raise not_found from None
    row = scope(catalogue.with_last_updated(kind.queryset()), call.user).filter(pk=pk).first()
    if row is None:
        raise not_found
    found = [r for r in kind.resources(row, Context()) if r["id"] == resource_id]
    if not found:
        raise not_found
    call.patient = _patient_of(kind, row)
    call.detail = f"{resource_type}/{resource_id}"
    return fhir_response(_with_meta(found[0], row))


# ---------------------------------------------------------------------------- transaction

@fhir_endpoint(Action.EDIT_PATIENT)
def base(request: HttpRequest, call: Call) -> HttpResponse:
    """POST a transaction Bundle (importer.IMPORTED: patients, joints, scores, events)."""
    from orthoregen.web.fhir.importer import ImportRefused, import_bundle

    if request.method != "POST":
        raise FhirError(405, "not-supported", "POST a transaction Bundle here; GET a type.")
    for area in ("patients", "followup"):
        call.require_area(area, write=True)
    try:
        bundle = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise FhirError(400, "structure", "The body is not JSON.") from None
    _require_event_writes(call, bundle)
    try:
        result = import_bundle(bundle, user=call.user)
    except ImportRefused as refused:
        raise FhirError(refused.status, "invalid", refused.message,
                        expression=refused.expression) from None
    call.action = AccessAction.BULK_LOAD
    call.detail = f"transaction: {result.summary()}"
    return fhir_response(result.response_bundle(), status=200)


# The events of a joint need what their pages need: the role's action and the token's area.
EVENT_WRITES = {"Encounter": ("patients", Action.EDIT_ENCOUNTER),
                "Consent": ("consultation", Action.RECORD_CONSENT),
                "AdverseEvent": ("safety", Action.RECORD_ADVERSE_EVENT),
                # Stored as a prior injection of the patient's history (fhir/event_import.py).
                "Procedure": ("consultation", Action.ENTER_INTAKE)}


def _require_event_writes(call: Call, bundle: Any) -> None:
    entries = bundle.get("entry") if isinstance(bundle, dict) else None
    types = {str(e["resource"].get("resourceType")) for e in entries or []
             if isinstance(e, dict) and isinstance(e.get("resource"), dict)}
    for resource_type in sorted(types & set(EVENT_WRITES)):
        area, action = EVENT_WRITES[resource_type]
        if not call.user.may(action):
            raise FhirError(403, "forbidden", f"Your role may not record {resource_type} "
                                              f"({action.label.lower()}).")
        call.require_area(area, write=True)
