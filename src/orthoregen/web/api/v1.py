"""The JSON API, version 1: what a partner system reads and writes, at /api/v1/.

Each operation names, in its TokenAuth, the role actions the matching pages require and the
token scope it needs (auth.py); reads go through accounts.access.scope, so a token sees what
its user sees in the pages and nothing of another site (a list is empty, a read is 404).
Every operation runs in one transaction; errors are problem details (problems.py); writes
take an Idempotency-Key (idempotency.py). docs/api.md describes it for partners.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import fields
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import PermissionDenied, SuspiciousOperation, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Header, NinjaAPI, Path, Query
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.utils import replace_path_param_notation

from orthoregen.instruments import ResponseError, UnknownInstrumentError
from orthoregen.web.accounts.access import scope
from orthoregen.web.accounts.roles import Action
from orthoregen.web.api import schemas as s
from orthoregen.web.api.auth import TokenAuth
from orthoregen.web.api.idempotency import HEADER, once
from orthoregen.web.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, page_of
from orthoregen.web.api.problems import (
    PROBLEM_JSON,
    ApiProblem,
    field_errors,
    ninja_field,
    problem_response,
)
from orthoregen.web.api.services import questionnaire_response_enter
from orthoregen.web.audit.models import AccessAction
from orthoregen.web.audit.services import access_record
from orthoregen.web.cellbank.models import CustodyEvent, Procedure, ProductUnit
from orthoregen.web.clinic.forms import PatientForm
from orthoregen.web.clinic.models import JointEpisode, Patient
from orthoregen.web.clinic.services import patient_save
from orthoregen.web.consultation.models import CandidacyDecision, ConsentRecord
from orthoregen.web.followup.models import QuestionnaireResponse, ScheduledVisit
from orthoregen.web.mail import portal_base_url
from orthoregen.web.safety.forms import AdverseEventForm
from orthoregen.web.safety.models import AdverseEvent, OutcomeEvent
from orthoregen.web.safety.services import AdverseEventReport, adverse_event_record

if TYPE_CHECKING:
    from django.db.models import Model, QuerySet

    from orthoregen.web.accounts.models import User

M = TypeVar("M", bound="Model")
LOG = logging.getLogger(__name__)


class Api(NinjaAPI):
    """NinjaAPI whose documented error responses are problem+json, as they are sent."""

    def get_openapi_operation_id(self, operation: Any) -> str:
        return str(operation.view_func.__name__)

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if int(status) >= 400 and "application/json" in content:
                        content[PROBLEM_JSON] = content.pop("application/json")
        return schema


api = Api(title="orthoregen API", version="1.0.0", urls_namespace="api:api-v1",
          description="Patients, joints, decisions, consents, cell products, procedures, "
                      "follow-up and safety of the clinics your token's user works at. "
                      "See docs/api.md.")

# Route (as django-ninja writes it, e.g. "patients/<patient_id>") -> the actions its
# operations declare; urls.py puts them on the view for the access trail and the walk of
# tests/web/test_permissions.py.
DECLARED: dict[str, set[Action]] = defaultdict(set)

ERRORS = frozenset({400, 401, 403, 404, 422, 429})
WRITE_ERRORS = ERRORS | {409}


def in_one_transaction(view: Callable[..., Any]) -> Callable[..., Any]:
    """Run an operation in one transaction: a failure leaves nothing half-saved."""
    @wraps(view)
    def run(*args: Any, **kwargs: Any) -> Any:
        with transaction.atomic():
            return view(*args, **kwargs)
    return run


api.add_decorator(in_one_transaction, mode="operation")


def operation(method: str, path: str, auth: TokenAuth, **options: Any) -> Callable:
    """Declare an operation with its auth, recording its actions for its route."""
    DECLARED[replace_path_param_notation(path).strip("/")] |= set(auth.actions)
    return api.api_operation([method], path, auth=auth, **options)


# Errors, each a problem-details body naming the field.

@api.exception_handler(ApiProblem)
def _problem(request: HttpRequest, exc: ApiProblem) -> HttpResponse:
    headers = {"Retry-After": "60"} if exc.status == 429 else None
    if exc.status == 401:
        headers = {"WWW-Authenticate": 'Bearer realm="orthoregen"'}
    return problem_response(exc.status, exc.detail, errors=exc.errors, headers=headers)


@api.exception_handler(NinjaValidationError)
def _invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = [(ninja_field(error.get("loc", ())), str(error.get("msg", "Invalid.")))
              for error in exc.errors]
    return problem_response(422, "The input is not valid.", errors=errors)


@api.exception_handler(ValidationError)
def _form_invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    problems = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return problem_response(422, "The input is not valid.", errors=field_errors(problems))


@api.exception_handler(ResponseError)
def _answer_invalid(request: HttpRequest, exc: ResponseError) -> HttpResponse:
    return problem_response(422, "An answer is not valid.",
                            errors=[(f"answers.{exc.item_id}", f"{exc.problem}; allowed: "
                                                               f"{exc.allowed}")])


@api.exception_handler(UnknownInstrumentError)
def _unknown_instrument(request: HttpRequest, exc: UnknownInstrumentError) -> HttpResponse:
    return problem_response(422, "Unknown instrument.", errors=[("instrument_id", str(exc))])


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problem_response(401, "Send a token: Authorization: Bearer <token>.",
                            headers={"WWW-Authenticate": 'Bearer realm="orthoregen"'})


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return problem_response(exc.status_code, str(exc))


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return problem_response(403, str(exc) or "Forbidden.")


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem_response(404, "No such record.")


@api.exception_handler(SuspiciousOperation)
def _suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    return problem_response(400, "The request was refused (too large or malformed).")


@api.exception_handler(Exception)
def _bug(request: HttpRequest, exc: Exception) -> HttpResponse:
    # Not a refusal nor bad input: a fault of ours. Logged with its traceback for the
    # operator, answered as a problem without internals; the tests fail on any 500.
    LOG.error("API %s %s failed", request.method, request.path, exc_info=exc)
    return problem_response(500, "The server failed; the call changed nothing.")


# Helpers shared by the operations.

def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined]  # set by TokenAuth


def _listing(request: HttpRequest, queryset: QuerySet[M], cursor: str | None,
             limit: int) -> dict[str, Any]:
    return page_of(scope(queryset, _user(request)), cursor=cursor, limit=limit)


def _one(request: HttpRequest, queryset: QuerySet[M], pk: int) -> M:
    found = scope(queryset, _user(request)).filter(pk=pk).first()
    if found is None:
        raise Http404("No such record.")
    return found


Cursor = Query(None, max_length=200, pattern=s.PLAIN_TEXT,
               description="next_cursor of the previous page; leave out for the first.")
Limit = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
IdFilter = Query(None, ge=1, le=s.MAX_ID)


def _text(description: str = "", length: int = 100) -> Any:
    return Query(None, max_length=length, pattern=s.PLAIN_TEXT, description=description)


def _ident(name: str) -> Any:
    return Path(..., ge=1, le=s.MAX_ID, alias=name)


IdempotencyKey = Header(None, alias=HEADER, max_length=255, pattern=r"^[\x21-\x7e]+$",
                        description="A unique key per write; a retry with it stores once.")


def _filtered(queryset: QuerySet[M], **lookups: Any) -> QuerySet[M]:
    return queryset.filter(**{key: value for key, value in lookups.items()
                              if value is not None})


def _get(path: str, auth: TokenAuth, schema: Any, *, tags: list[str],
         summary: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a read-only operation; its URL name is the function's, with hyphens."""
    def declare(view: Callable[..., Any]) -> Callable[..., Any]:
        return operation("GET", path, auth, response={200: schema, ERRORS: s.Problem},
                         url_name=view.__name__.replace("_", "-"), tags=tags,
                         summary=summary)(view)
    return declare


def _read(name: str, path: str, auth: TokenAuth, schema: Any, rows: QuerySet[M], *,
          tags: list[str], summary: str) -> Callable[..., M]:
    """Declare the read of one record by the id ending ``path``, as its user sees it."""
    ident = path.rsplit("{", 1)[1].rstrip("}")

    def read(request: HttpRequest, record_id: int = _ident(ident)) -> M:
        return _one(request, rows.all(), record_id)

    read.__name__ = read.__qualname__ = name  # the OpenAPI operationId and the URL name
    return _get(path, auth, schema, tags=tags, summary=summary)(read)


# Patients and their joints.

READ_PATIENTS = TokenAuth(Action.VIEW_PATIENT, area="patients")


@_get("/patients", READ_PATIENTS, s.PatientPage, tags=["patients"], summary="List patients")
def patients(request: HttpRequest, site: str | None = _text("Site code.", 20),
             mrn: str | None = _text("Medical record number, exact.", 32),
             family_name: str | None = _text("Family name, starts with (any case)."),
             date_of_birth: dt.date | None = None, cursor: str | None = Cursor,
             limit: int = Limit) -> dict[str, Any]:
    rows = _filtered(Patient.objects.select_related("site"), site__code=site, mrn=mrn,
                     family_name__istartswith=family_name, date_of_birth=date_of_birth)
    return _listing(request, rows, cursor, limit)


patient = _read("patient", "/patients/{patient_id}", READ_PATIENTS, s.PatientOut,
                Patient.objects.select_related("site"), tags=["patients"],
                summary="Read a patient")


@operation("POST", "/patients", TokenAuth(Action.EDIT_PATIENT, area="patients", write=True),
           response={201: s.PatientOut, WRITE_ERRORS: s.Problem}, url_name="patient-register",
           tags=["patients"], summary="Register a patient")
def patient_register(request: HttpRequest, payload: s.PatientIn,
                     idempotency_key: str | None = IdempotencyKey) -> HttpResponse:
    user = _user(request)

    def write() -> tuple[int, dict[str, Any]]:
        sites = user.sites.all()
        if payload.site:
            site = sites.filter(code=payload.site).first()
            if site is None:
                raise ApiProblem(422, "Unknown site.",
                                 errors=[("site", "Not the code of one of your sites.")])
        elif len(sites) == 1:
            site = sites[0]
        else:
            raise ApiProblem(422, "Name the site.",
                             errors=[("site", "You work at several sites: give its code.")])
        data = {**payload.model_dump(), "site": site.pk,
                "date_of_birth": payload.date_of_birth.isoformat()}
        form = PatientForm(data, user=user)
        if not form.is_valid():
            raise ApiProblem(422, "The patient is not valid.", errors=field_errors(
                {name: [str(m) for m in messages] for name, messages in form.errors.items()}))
        registered = patient_save(None, **form.cleaned_data, by=user)
        access_record(request, AccessAction.VIEW, patient=registered,
                      detail="API: registered the patient")
        return 201, s.PatientOut.from_orm(registered).model_dump(mode="json")

    return once(request, idempotency_key, payload, write)


@_get("/episodes", READ_PATIENTS, s.EpisodePage, tags=["patients"], summary="List joint episodes")
def episodes(request: HttpRequest, patient_id: int | None = IdFilter,
             joint: str | None = _text("knee, hip or shoulder.", 10),
             side: str | None = _text("left or right.", 5), cursor: str | None = Cursor,
             limit: int = Limit) -> dict[str, Any]:
    rows = _filtered(JointEpisode.objects.all(), patient_id=patient_id, joint=joint, side=side)
    return _listing(request, rows, cursor, limit)


episode = _read("episode", "/episodes/{episode_id}", READ_PATIENTS, s.EpisodeOut,
                JointEpisode.objects.all(), tags=["patients"], summary="Read a joint episode")


# Consultation: candidacy decisions and consents.

READ_CONSULTATION = TokenAuth(Action.VIEW_PATIENT, area="consultation")


@_get("/decisions", READ_CONSULTATION, s.DecisionPage, tags=["consultation"],
      summary="List candidacy decisions")
def decisions(request: HttpRequest, episode_id: int | None = IdFilter,
              patient_id: int | None = IdFilter,
              kind: str | None = _text("agree, override or decline.", 10),
              cursor: str | None = Cursor, limit: int = Limit) -> dict[str, Any]:
    rows = _filtered(CandidacyDecision.objects.all(), episode_id=episode_id,
                     episode__patient_id=patient_id, kind=kind)
    return _listing(request, rows, cursor, limit)


decision = _read("decision", "/decisions/{decision_id}", READ_CONSULTATION, s.DecisionOut,
                 CandidacyDecision.objects.all(), tags=["consultation"],
                 summary="Read a candidacy decision")


@_get("/consents", READ_CONSULTATION, s.ConsentPage, tags=["consultation"],
      summary="List consents")
def consents(request: HttpRequest, episode_id: int | None = IdFilter,
             patient_id: int | None = IdFilter, withdrawn: bool | None = None,
             cursor: str | None = Cursor, limit: int = Limit) -> dict[str, Any]:
    rows = _filtered(ConsentRecord.objects.select_related("document"), episode_id=episode_id,
                     episode__patient_id=patient_id,
                     withdrawn_on__isnull=None if withdrawn is None else not withdrawn)
    return _listing(request, rows, cursor, limit)


consent = _read("consent", "/consents/{consent_id}", READ_CONSULTATION, s.ConsentOut,
                ConsentRecord.objects.select_related("document"), tags=["consultation"],
                summary="Read a consent")


# Cell bank: product units and their chain of custody.

READ_PRODUCTS = TokenAuth(Action.MANAGE_PRODUCTS, area="cellbank")


@_get("/product-units", READ_PRODUCTS, s.ProductUnitPage, tags=["cellbank"],
      summary="List product units")
def product_units(request: HttpRequest, status: str | None = _text("Unit status.", 30),
                  identifier: str | None = _text("DIN or local identifier, exact.", 24),
                  product_class: str | None = _text("Product class.", 30),
                  cursor: str | None = Cursor, limit: int = Limit) -> dict[str, Any]:
    rows = _filtered(ProductUnit.objects.select_related("site"), status=status,
                     identifier=identifier, product_class=product_class)
    return _listing(request, rows, cursor, limit)


product_unit = _read("product_unit", "/product-units/{unit_id}", READ_PRODUCTS, s.ProductUnitOut,
                     ProductUnit.objects.select_related("site"), tags=["cellbank"],
                     summary="Read a product unit")


@_get("/product-units/{unit_id}/custody-events", READ_PRODUCTS, s.CustodyEventPage,
      tags=["cellbank"], summary="List a unit's chain of custody")
def custody_events(request: HttpRequest, unit_id: int = _ident("unit_id"),
                   cursor: str | None = Cursor, limit: int = Limit) -> dict[str, Any]:
    unit = _one(request, ProductUnit.objects.all(), unit_id)
    return _listing(request, CustodyEvent.objects.filter(unit=unit), cursor, limit)


# Procedures.

READ_PROCEDURES = TokenAuth(Action.RECORD_PROCEDURE, area="procedures")


@_get("/procedures", READ_PROCEDURES, s.ProcedurePage, tags=["procedures"],
      summary="List injection procedures")
def procedures(request: HttpRequest, patient_id: int | None = IdFilter,
               performed_from: dt.date | None = None, performed_to: dt.date | None = None,
               cursor: str | None = Cursor, limit: int = Limit) -> dict[str, Any]:
    rows = _filtered(Procedure.objects.prefetch_related("joints"), patient_id=patient_id,
                     performed_on__gte=performed_from, performed_on__lte=performed_to)
    return _listing(request, rows, cursor, limit)


procedure = _read("procedure", "/procedures/{procedure_id}", READ_PROCEDURES, s.ProcedureOut,
                  Procedure.objects.prefetch_related("joints"), tags=["procedures"],
                  summary="Read an injection procedure")


# Follow-up: visits, questionnaire responses with their scores, outcome events.

READ_FOLLOWUP = TokenAuth(Action.MANAGE_FOLLOW_UP, area="followup")


@_get("/visits", READ_FOLLOWUP, s.VisitPage, tags=["followup"], summary="List scheduled visits")
def visits(request: HttpRequest, episode_id: int | None = IdFilter,
           patient_id: int | None = IdFilter,
           status: str | None = _text("pending, completed or stopped.", 10),
           timepoint: str | None = _text("baseline or a protocol visit id.", 40),
           cursor: str | None = Cursor, limit: int = Limit) -> dict[str, Any]:
    rows = _filtered(ScheduledVisit.objects.select_related("schedule"),
                     schedule__episode_id=episode_id, schedule__episode__patient_id=patient_id,
                     status=status, timepoint=timepoint)
    return _listing(request, rows, cursor, limit)


visit = _read("visit", "/visits/{visit_id}", READ_FOLLOWUP, s.VisitOut,
              ScheduledVisit.objects.select_related("schedule"), tags=["followup"],
              summary="Read a scheduled visit")


@_get("/questionnaire-responses", READ_FOLLOWUP, s.ResponsePage, tags=["followup"],
      summary="List questionnaire responses with their scores")
def responses(request: HttpRequest, episode_id: int | None = IdFilter,
              patient_id: int | None = IdFilter,
              instrument_id: str | None = _text("e.g. koos, womac.", 40),
              timepoint: str | None = _text("baseline or a protocol visit id.", 40),
              completed_from: dt.date | None = None, completed_to: dt.date | None = None,
              cursor: str | None = Cursor, limit: int = Limit) -> dict[str, Any]:
    rows = _filtered(QuestionnaireResponse.objects.all(), episode_id=episode_id,
                     episode__patient_id=patient_id, instrument_id=instrument_id,
                     timepoint=timepoint, completed_on__gte=completed_from,
                     completed_on__lte=completed_to)
    return _listing(request, rows, cursor, limit)


response = _read("response", "/questionnaire-responses/{response_id}", READ_FOLLOWUP,
                 s.ResponseOut, QuestionnaireResponse.objects.all(), tags=["followup"],
                 summary="Read a questionnaire response with its scores")


@operation("POST", "/episodes/{episode_id}/questionnaire-responses",
           TokenAuth(Action.MANAGE_FOLLOW_UP, area="followup", write=True),
           response={201: s.ResponseOut, WRITE_ERRORS: s.Problem}, url_name="response-submit",
           tags=["followup"], summary="Submit a questionnaire response (scored as the portal)")
def response_submit(request: HttpRequest, payload: s.ResponseIn,
                    episode_id: int = _ident("episode_id"),
                    idempotency_key: str | None = IdempotencyKey) -> HttpResponse:
    user = _user(request)

    def write() -> tuple[int, dict[str, Any]]:
        joint = _one(request, JointEpisode.objects.select_related("patient"), episode_id)
        chosen = None
        if payload.visit_id is not None:
            chosen = scope(ScheduledVisit.objects.select_related("schedule"), user) \
                .filter(pk=payload.visit_id).first()
            if chosen is None:
                raise ApiProblem(422, "Unknown visit.", errors=[("visit_id", "No such visit.")])
        stored = questionnaire_response_enter(
            joint, instrument_id=payload.instrument_id, answers=_as_given(payload.answers),
            completed_on=payload.completed_on, source=payload.source, visit=chosen,
            timepoint=payload.timepoint, by=user)
        access_record(request, AccessAction.VIEW, patient=joint.patient,
                      detail=f"API: entered a {stored.instrument_id} response")
        return 201, s.ResponseOut.from_orm(stored).model_dump(mode="json")

    return once(request, idempotency_key, payload, write)


def _as_given(answers: dict[str, float | None]) -> dict[str, float | int | None]:
    """Whole numbers back to integers, as the portal stores the codes."""
    return {item: int(value) if value is not None and value.is_integer() else value
            for item, value in answers.items()}


@_get("/outcome-events", READ_FOLLOWUP, s.OutcomeEventPage, tags=["followup"],
      summary="List outcome events (conversion to joint replacement)")
def outcome_events(request: HttpRequest, episode_id: int | None = IdFilter,
                   patient_id: int | None = IdFilter, cursor: str | None = Cursor,
                   limit: int = Limit) -> dict[str, Any]:
    rows = _filtered(OutcomeEvent.objects.all(), episode_id=episode_id,
                     episode__patient_id=patient_id)
    return _listing(request, rows, cursor, limit)


outcome_event = _read("outcome_event", "/outcome-events/{outcome_id}", READ_FOLLOWUP,
                      s.OutcomeEventOut, OutcomeEvent.objects.all(), tags=["followup"],
                      summary="Read an outcome event")


# Safety: adverse events.

READ_SAFETY = TokenAuth(Action.RECORD_ADVERSE_EVENT, Action.MANAGE_FOLLOW_UP, area="safety")


@_get("/adverse-events", READ_SAFETY, s.AdverseEventPage, tags=["safety"],
      summary="List adverse events")
def adverse_events(request: HttpRequest, patient_id: int | None = IdFilter,
                   episode_id: int | None = IdFilter, serious: bool | None = None,
                   onset_from: dt.date | None = None, onset_to: dt.date | None = None,
                   cursor: str | None = Cursor, limit: int = Limit) -> dict[str, Any]:
    rows = _filtered(AdverseEvent.objects.all(), patient_id=patient_id, episode_id=episode_id,
                     onset_on__gte=onset_from, onset_on__lte=onset_to)
    if serious is not None:
        rows = rows.exclude(seriousness=[]) if serious else rows.filter(seriousness=[])
    return _listing(request, rows, cursor, limit)


adverse_event = _read("adverse_event", "/adverse-events/{event_id}", READ_SAFETY,
                      s.AdverseEventOut, AdverseEvent.objects.all(), tags=["safety"],
                      summary="Read an adverse event")


# The API's names for the adverse-event form's fields.
AE_FIELDS = {"episode": "episode_id", "responsible_clinician": "responsible_clinician_id"}


@operation("POST", "/patients/{patient_id}/adverse-events",
           TokenAuth(Action.RECORD_ADVERSE_EVENT, area="safety", write=True),
           response={201: s.AdverseEventOut, WRITE_ERRORS: s.Problem},
           url_name="adverse-event-report", tags=["safety"],
           summary="Report an adverse event (alerts at once when serious)")
def adverse_event_report(request: HttpRequest, payload: s.AdverseEventIn,
                         patient_id: int = _ident("patient_id"),
                         idempotency_key: str | None = IdempotencyKey) -> HttpResponse:
    user = _user(request)

    def write() -> tuple[int, dict[str, Any]]:
        subject = _one(request, Patient.objects.select_related("site"), patient_id)
        given = payload.model_dump(mode="json")
        data = {name: given.get(api_name, "") for name, api_name in AE_FIELDS.items()}
        data.update({key: ("" if value is None else value) for key, value in given.items()
                     if key not in AE_FIELDS.values()})
        form = AdverseEventForm(data, patient=subject)
        if not form.is_valid():
            raise ApiProblem(422, "The adverse event is not valid.", errors=field_errors(
                {name: [str(m) for m in messages] for name, messages in form.errors.items()},
                rename=AE_FIELDS))
        cleaned = form.cleaned_data
        values = {field.name: cleaned[field.name] for field in fields(AdverseEventReport)}
        report = AdverseEventReport(**{**values, "seriousness": tuple(cleaned["seriousness"])})
        try:
            event = adverse_event_record(subject, report=report, by=user,
                                         base_url=portal_base_url(request))
        except ValidationError as refused:  # an impossible date (clinic.plausible)
            raise ApiProblem(422, "The adverse event is not valid.", errors=field_errors(
                refused.message_dict, rename=AE_FIELDS)) from None
        access_record(request, AccessAction.VIEW, patient=subject,
                      detail="API: reported an adverse event")
        return 201, s.AdverseEventOut.from_orm(event).model_dump(mode="json")

    return once(request, idempotency_key, payload, write)
