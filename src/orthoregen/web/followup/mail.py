"""The email connection follow-up uses: Django's configured backend, console in the demo."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import get_connection

SMTP = "django.core.mail.backends.smtp.EmailBackend"
CONSOLE = "django.core.mail.backends.console.EmailBackend"
# Django's SMTP backend waits forever by default (EMAIL_TIMEOUT unset). A send must end well
# within reminders.CLAIM_LEASE, or a run stuck on a silent server would still hold a claim
# that the next run takes back, and the patient would get the reminder twice.
SEND_TIMEOUT_SECONDS = 60


def mail_connection():
    """Return the email connection; the demo never tries SMTP unless one is configured."""
    timeout = getattr(settings, "EMAIL_TIMEOUT", None) or SEND_TIMEOUT_SECONDS
    if settings.MODE == "demo" and settings.EMAIL_BACKEND == SMTP:
        return get_connection(CONSOLE, timeout=timeout)
    return get_connection(timeout=timeout)
