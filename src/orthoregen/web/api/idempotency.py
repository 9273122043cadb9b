"""Idempotency-Key on writes: a retried call stores once and gets the first answer again.

The key is the client's (the IETF HTTPAPI draft "The Idempotency-Key HTTP Header Field"):
the first call with a key stores the response under (user, key) with a hash of the request,
in the same transaction as the write; a retry with the same key and the same request gets
the stored response back (with ``Idempotent-Replayed: true``); the same key with another
request is refused with 422. Two calls racing with one key: the second's insert fails on the
unique constraint, its transaction (its write included) rolls back, and it answers 409.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.http import HttpResponse

from orthoregen.web.api.models import IdempotentResponse
from orthoregen.web.api.problems import ApiProblem

if TYPE_CHECKING:
    from django.http import HttpRequest
    from ninja import Schema

HEADER = "Idempotency-Key"


def request_hash(request: HttpRequest, payload: Schema) -> str:
    """Hash what the call asks: its method, path and body (canonical, not byte for byte)."""
    body = json.dumps(payload.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def once(request: HttpRequest, key: str | None, payload: Schema,
         write: Callable[[], tuple[int, dict[str, Any]]]) -> HttpResponse:
    """Run ``write`` (returning status and JSON body) once per key; replay it on a retry."""
    if not key:
        status, body = write()
        return _json(status, body)
    user = request.user
    assert user.is_authenticated, "TokenAuth ran first"  # for the type checker
    digest = request_hash(request, payload)
    stored = IdempotentResponse.objects.filter(user=user, key=key).first()
    if stored is not None:
        if stored.request_hash != digest:
            raise ApiProblem(422, "This Idempotency-Key was used for another request.",
                             errors=[(HEADER, "Use a new key for a new request.")])
        replay = HttpResponse(bytes(stored.body), status=stored.status,
                              content_type=stored.content_type)
        replay["Idempotent-Replayed"] = "true"
        return replay
    status, body = write()
    response = _json(status, body)
    try:
        with transaction.atomic():
            IdempotentResponse.objects.create(
                user=user, key=key, request_hash=digest, status=status,
                body=response.content, content_type=response["Content-Type"])
    except IntegrityError:
        raise ApiProblem(409, "Another call with this Idempotency-Key is in progress; "
                              "retry it to get its answer.") from None
    return response


def _json(status: int, body: dict[str, Any]) -> HttpResponse:
    return HttpResponse(json.dumps(body, cls=DjangoJSONEncoder), status=status,
                        content_type="application/json")
