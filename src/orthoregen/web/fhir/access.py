"""Who is calling the FHIR server, what they may do, and the access trail of every call.

One decorator, ``fhir_endpoint``, guards every view of this app: it finds the user (a
logged-in staff session, or an API bearer token through api.tokens.bearer_user), refuses
(401 without a user or with an unknown, expired or revoked token; 403 for a role that may
not, or a token whose scopes do not cover the resource's area), turns every FhirError into
an OperationOutcome, and writes one access record per call with audit.services.access_record
(so the access-trail middleware, which sees ``request.access_recorded``, writes none). A
record names a patient only when the call read one patient of the caller's sites.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.views.decorators.csrf import csrf_exempt

from orthoregen.web.accounts.permissions import REFUSAL
from orthoregen.web.accounts.roles import Action
from orthoregen.web.api.tokens import TokenRefused, bearer_user, token_allows
from orthoregen.web.audit.models import AccessAction
from orthoregen.web.audit.services import access_record

if TYPE_CHECKING:
    from orthoregen.web.accounts.models import User

FHIR_JSON = "application/fhir+json"


class FhirError(Exception):
    """A refusal or a bad request, answered with an OperationOutcome and a 4xx status."""

    def __init__(self, status: int, code: str, message: str, *,
                 expression: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.expression = status, code, message, expression


def outcome(status: int, code: str, message: str, *, expression: str | None = None,
            severity: str = "error") -> HttpResponse:
    """An OperationOutcome response (FHIR R4 OperationOutcome.issue: severity, code, text)."""
    issue: dict[str, Any] = {"severity": severity, "code": code,
                             "diagnostics": message, "details": {"text": message}}
    if expression:
        issue["expression"] = [expression]
    return fhir_response({"resourceType": "OperationOutcome", "issue": [issue]}, status=status)


def fhir_response(resource: dict[str, Any], *, status: int = 200) -> HttpResponse:
    return HttpResponse(json.dumps(resource, separators=(",", ":")), status=status,
                        content_type=FHIR_JSON)


class Call:
    """What a view learns about the call: its user, and what to write in the trail."""

    def __init__(self, request: HttpRequest, user: User, *, by_token: bool) -> None:
        self.request, self.user, self.by_token = request, user, by_token
        self.patient: Any = None  # the one patient the call read, if one
        self.action = AccessAction.VIEW
        self.detail = ""

    def require_area(self, area: str, *, write: bool = False) -> None:
        """Refuse a token whose scopes do not cover the area (a session has no scopes)."""
        token = getattr(self.request, "api_token", None)
        if self.by_token and token is not None and not token_allows(token, area=area,
                                                                     write=write):
            mode = "write" if write else "read"
            raise FhirError(403, "forbidden", f"The token's scopes do not include {area}:{mode}.")


FhirView = Callable[..., Any]


def _caller(request: HttpRequest) -> tuple[User | None, bool]:
    user = bearer_user(request)  # raises TokenRefused
    if user is not None:
        return user, True
    if request.user.is_authenticated:
        return request.user, False
    return None, False


def fhir_endpoint(action: Action) -> Callable[[FhirView], Callable[..., HttpResponse]]:
    """Guard a FHIR view (see the module docstring); the view receives a Call."""
    def decorator(view: FhirView) -> Callable[..., HttpResponse]:
        @wraps(view)
        def endpoint(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                user, by_token = _caller(request)
            except TokenRefused as refused:
                return _refused(request, 401, "login", refused.message)
            if user is None:
                return _refused(request, 401, "login",
                                "Sign in, or send an API token as Authorization: Bearer.")
            if not user.may(action):
                return _refused(request, 403, "forbidden", REFUSAL)
            if request.method not in ("GET", "HEAD") and not by_token:
                # A session is a cookie: a cross-site form could send it; a token cannot be.
                rejected = CsrfViewMiddleware(lambda r: HttpResponse()).process_view(
                    request, endpoint, args, kwargs)
                if rejected is not None:
                    return _refused(request, 403, "forbidden", "CSRF check failed.")
            call = Call(request, user, by_token=by_token)
            try:
                response = view(request, call, *args, **kwargs)
            except FhirError as error:
                if error.status in (401, 403):
                    return _refused(request, error.status, error.code, error.message)
                response = outcome(error.status, error.code, error.message,
                                   expression=error.expression)
                access_record(request, AccessAction.DENIED if error.status == 404
                              else call.action,
                              detail=f"fhir {request.method} {error.status}: {error.message}")
                return response
            patient = call.patient
            if patient is not None and not user.sites.filter(pk=patient.site_id).exists():
                patient = None
            access_record(request, call.action, patient=patient,
                          detail=f"fhir {request.method} {response.status_code} {call.detail}")
            return response

        guarded = csrf_exempt(endpoint)
        guarded.required_action = action  # type: ignore[attr-defined]
        guarded.required_actions = (action,)  # type: ignore[attr-defined]
        return guarded
    return decorator


def _refused(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    response = outcome(status, code, message)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="orthoregen FHIR"'
    # A refusal names no patient (audit/middleware.py): the caller learns nothing.
    access_record(request, AccessAction.DENIED,
                  detail=f"refused ({status}): fhir {request.method}")
    return response
