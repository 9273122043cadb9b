"""Text-message backends: a small interface, a console and a memory backend, one provider.

Choose with the ORTHOREGEN_SMS_BACKEND setting or environment variable (a dotted path);
the default is the console backend (the demo), and the memory backend in test mode.
"""

from __future__ import annotations

import base64
import json
import os
import sys
import urllib.parse
import urllib.request
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string


class SmsError(Exception):
    """The provider did not accept the message."""


class SmsBackend(Protocol):
    def send(self, to: str, body: str) -> str:
        """Send one message and return the provider's id for it."""
        ...


class ConsoleSmsBackend:
    """Write messages to standard output, as Django's console email backend does."""

    def send(self, to: str, body: str) -> str:
        sys.stdout.write(f"SMS to {to}: {body}\n")
        return "console"


class LocmemSmsBackend:
    """Keep messages in memory (tests read `outbox`)."""

    outbox: list[tuple[str, str]] = []

    def send(self, to: str, body: str) -> str:
        LocmemSmsBackend.outbox.append((to, body))
        return f"locmem-{len(LocmemSmsBackend.outbox)}"


class TwilioSmsBackend:
    """Send through Twilio's REST API (Messages resource, 2010-04-01) with urllib.

    Needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM in the environment. Never
    used by the tests.
    """

    API = "https://api.twilio.com/2010-04-01/Accounts/{sid}/Messages.json"

    def __init__(self) -> None:
        try:
            self.sid = os.environ["TWILIO_ACCOUNT_SID"]
            self.token = os.environ["TWILIO_AUTH_TOKEN"]
            self.sender = os.environ["TWILIO_FROM"]
        except KeyError as missing:
            raise ImproperlyConfigured(f"TwilioSmsBackend needs {missing.args[0]}") from None

    def send(self, to: str, body: str) -> str:
        data = urllib.parse.urlencode({"To": to, "From": self.sender, "Body": body}).encode()
        request = urllib.request.Request(self.API.format(sid=self.sid), data=data, method="POST")
        credentials = base64.b64encode(f"{self.sid}:{self.token}".encode()).decode()
        request.add_header("Authorization", f"Basic {credentials}")
        try:
            with urllib.request.urlopen(request, timeout=20) as reply:
                return json.load(reply).get("sid", "")
        except (OSError, ValueError) as error:
            raise SmsError(f"Twilio refused or was unreachable: {error}") from error


def sms_backend() -> SmsBackend:
    """Return the configured text-message backend."""
    default = ("orthoregen.web.followup.sms.LocmemSmsBackend" if settings.MODE == "test"
               else "orthoregen.web.followup.sms.ConsoleSmsBackend")
    path = getattr(settings, "ORTHOREGEN_SMS_BACKEND", None) \
        or os.environ.get("ORTHOREGEN_SMS_BACKEND") or default
    return import_string(path)()
