"""Errors as RFC 9457 problem details, each naming the field at fault.

Every refusal and every bad input of the API answers ``application/problem+json``: ``title``,
``status``, ``detail`` and, for bad input, ``errors``, a list of ``{"field", "detail",
"pointer"}`` (RFC 9457 section 3: extension members; the ``errors``/``pointer`` shape is the
RFC's own example, the pointer a JSON Pointer, RFC 6901, into the request body or a
``#/query/...`` or ``#/path/...`` parameter).
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from django.http import HttpResponse

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

LOG = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"

TITLES = {400: "Bad request", 401: "Not authenticated", 403: "Forbidden", 404: "Not found",
          405: "Method not allowed", 409: "Conflict", 413: "Request too large",
          422: "Invalid input", 429: "Too many requests", 500: "Server error"}


class ApiProblem(Exception):
    """A refusal or a bad input the API answers with a problem-details body."""

    def __init__(self, status: int, detail: str, *,
                 errors: Iterable[tuple[str, str]] = ()) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = list(errors)


def field_errors(problems: Mapping[str, Iterable[str]], *,
                 rename: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
    """Flatten {field: [messages]} (a form's errors) into (field, message) pairs.

    ``rename`` maps a form's field to the API's name for it; a form's non-field errors
    (``__all__``) are reported on no field ("").
    """
    rename = rename or {}
    pairs: list[tuple[str, str]] = []
    for name, messages in problems.items():
        field = "" if name == "__all__" else rename.get(name, name)
        pairs.extend((field, str(message)) for message in messages)
    return pairs


def pointer(field: str) -> str:
    """A JSON Pointer (RFC 6901) to the field: dots separate levels, ~ and / escaped."""
    if not field:
        return ""
    parts = [part.replace("~", "~0").replace("/", "~1") for part in field.split(".")]
    return "#/" + "/".join(parts)


def problem_response(status: int, detail: str, *,
                     errors: Iterable[tuple[str, str]] = (),
                     headers: Mapping[str, str] | None = None) -> HttpResponse:
    """Build the problem+json response of a status, with the fields at fault."""
    body: dict[str, Any] = {"type": "about:blank", "title": TITLES.get(status, "Error"),
                            "status": status, "detail": detail}
    listed = [{"field": field, "detail": message, "pointer": pointer(field)}
              for field, message in errors]
    if listed:
        body["errors"] = listed
    response = HttpResponse(json.dumps(body), status=status, content_type=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def ninja_field(location: Iterable[Any]) -> str:
    """Name a field from a django-ninja (pydantic) error location.

    ``("body", "payload", "family_name")`` -> ``family_name``; ``("query", "limit")`` ->
    ``limit``; ``("path", "patient_id")`` -> ``patient_id``.
    """
    parts = [str(part) for part in location]
    if parts and parts[0] == "body":
        parts = parts[2:] if len(parts) > 2 else parts[1:]
    elif parts and parts[0] in {"query", "path", "header", "cookie", "form", "file"}:
        parts = parts[1:]
    return ".".join(parts)
