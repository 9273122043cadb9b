"""The email connection follow-up uses: Django's configured backend, console in the demo."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import get_connection

SMTP = "django.core.mail.backends.smtp.EmailBackend"
CONSOLE = "django.core.mail.backends.console.EmailBackend"


def mail_connection():
    """Return the email connection; the demo never tries SMTP unless one is configured."""
    if settings.MODE == "demo" and settings.EMAIL_BACKEND == SMTP:
        return get_connection(CONSOLE)
    return get_connection()
