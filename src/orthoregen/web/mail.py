"""Outgoing mail for every stage: the email connection and the address links start with."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import get_connection

if TYPE_CHECKING:
    from django.core.mail.backends.base import BaseEmailBackend
    from django.http import HttpRequest

SMTP = "django.core.mail.backends.smtp.EmailBackend"
CONSOLE = "django.core.mail.backends.console.EmailBackend"
# Django's SMTP backend waits forever by default (EMAIL_TIMEOUT unset). A send must end well
# within reminders.CLAIM_LEASE, or a run stuck on a silent server would still hold a claim
# that the next run takes back, and the patient would get the reminder twice.
SEND_TIMEOUT_SECONDS = 60


def mail_connection() -> BaseEmailBackend:
    """Return the email connection; the demo never tries SMTP unless one is configured."""
    timeout = getattr(settings, "EMAIL_TIMEOUT", None) or SEND_TIMEOUT_SECONDS
    if settings.MODE == "demo" and settings.EMAIL_BACKEND == SMTP:
        return get_connection(CONSOLE, timeout=timeout)
    return get_connection(timeout=timeout)


def portal_base_url(request: HttpRequest | None = None) -> str:
    """Return the public address patients open links on (ORTHOREGEN_PORTAL_URL).

    Without that setting a page uses the address the staff member is on; the command line,
    which has no request, falls back to the demo's address.
    """
    configured = (getattr(settings, "ORTHOREGEN_PORTAL_URL", None)
                  or os.environ.get("ORTHOREGEN_PORTAL_URL"))
    if configured:
        return configured.rstrip("/")
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return "http://127.0.0.1:8000"
