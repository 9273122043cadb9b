"""What a person sees when the server fails: a calm page with a reference, never a bare 500.

Django calls `server_error` for any exception no view handled. The page carries a short
reference that is also written to the log beside the traceback, so a clinic's report
("reference 3f9c2a71b0d4") leads an administrator straight to the cause. When the cause is
the database being unreachable, the page says the system is briefly unavailable (503, with
Retry-After) instead: nothing the person did was wrong, and trying again later will work.

The pages are rendered without a request context: the context processors read the
signed-in user and the database, which may be what failed.
"""

from __future__ import annotations

import logging
import secrets
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader

logger = logging.getLogger("orthoregen.errors")

# Database errors that mean "cannot reach or use the server", not a bug in a query.
UNAVAILABLE = (OperationalError, InterfaceError)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: log the failure under a new reference and show that reference."""
    error = sys.exc_info()[1]
    reference = secrets.token_hex(6)
    if isinstance(error, UNAVAILABLE):
        logger.error("database unavailable (reference %s) on %s %s: %s", reference,
                     request.method, request.path, error)
        page = loader.get_template("503.html").render({"reference": reference})
        response = HttpResponse(page, status=503)
        response["Retry-After"] = "60"
    else:
        logger.error("server error (reference %s) on %s %s", reference, request.method,
                     request.path, exc_info=sys.exc_info() if error else None)
        page = loader.get_template("500.html").render({"reference": reference})
        response = HttpResponse(page, status=500)
    response["Cache-Control"] = "no-store"
    return response
