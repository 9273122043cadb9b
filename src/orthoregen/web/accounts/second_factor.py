"""The staff second factor: an authenticator app and one-time recovery codes.

An authenticator app holds a time-based one-time password key (TOTP, RFC 6238; OWASP ASVS
4.0.3 section 2.8, NIST SP 800-63B section 5.1.4); ten recovery codes, each good once, stand
in for a lost phone (look-up secrets: ASVS 2.6, SP 800-63B 5.1.2). Both are django-otp
devices, which slow guessing by doubling the wait after each wrong code. The requirement is
HIPAA's person or entity authentication, 45 CFR 164.312(d).
"""

from __future__ import annotations

import base64
import datetime as dt
import io
from typing import TYPE_CHECKING, Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django_otp import devices_for_user
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from orthoregen.web.accounts.models import User

RECOVERY_CODE_COUNT = 10
AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"


def is_second_factor_required(user: User | AnonymousUser) -> bool:
    """Say whether this signed-in user must pass a second factor (ORTHOREGEN_REQUIRE_MFA)."""
    return bool(settings.ORTHOREGEN_REQUIRE_MFA and user.is_authenticated)


def is_enrolled(user: User) -> bool:
    """Say whether the user has confirmed an authenticator app."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()


def authenticator_pending(user: User) -> TOTPDevice:
    """Return the user's unconfirmed authenticator, made once so the QR code stays the same."""
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME,
                                               confirmed=False)


@transaction.atomic
def authenticator_confirm(*, user: User, code: str) -> tuple[TOTPDevice, list[str]] | None:
    """Confirm the pending authenticator with a code it shows; return it and recovery codes.

    Returns None, changing nothing but the device's wrong-code count, when the code is wrong.
    """
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False) \
        .select_for_update().order_by("pk").first()
    if device is None or not device.verify_token(code):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    return device, recovery_codes_issue(user)


@transaction.atomic
def recovery_codes_issue(user: User) -> list[str]:
    """Replace the user's recovery codes with a fresh set and return them, to show once."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_NAME)
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def code_normalise(code: str) -> str:
    """Return a typed code without the spaces or hyphens people add when copying it."""
    return "".join(code.split()).replace("-", "").lower()


def _devices_for(user: User, code: str) -> Any:  # django_otp is untyped
    # Six digits come from the app; anything else can only be a recovery code. Trying one
    # kind only keeps a typo in one from counting against the other's wrong-code wait.
    model = TOTPDevice if code.isdigit() else StaticDevice
    return model.objects.devices_for_user(user, confirmed=True).order_by("pk")


@transaction.atomic
def second_factor_verify(*, user: User, code: str) -> Device | None:
    """Return the user's device that accepts the code (a recovery code is then used up)."""
    code = code_normalise(code)
    for device in _devices_for(user, code).select_for_update():
        if device.verify_token(code):
            return device
    return None


def second_factor_wait_until(*, user: User, code: str) -> dt.datetime | None:
    """Return when the user may next try a code of this kind, if wrong codes made them wait."""
    for device in _devices_for(user, code_normalise(code)):
        allowed, detail = device.verify_is_allowed()
        if not allowed and detail and "locked_until" in detail:
            return detail["locked_until"]
    return None


@transaction.atomic
def second_factor_reset(user: User) -> int:
    """Remove the user's authenticator and recovery codes; they enrol again at next sign-in."""
    removed = 0
    for device in devices_for_user(user, confirmed=None):
        device.delete()
        removed += 1
    return removed


def key_text(device: TOTPDevice) -> str:
    """Return the key as people type it into an app: base32 in groups of four."""
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i:i + 4] for i in range(0, len(key), 4))


def qr_code_data_uri(text: str) -> str:
    """Return an SVG QR code of ``text`` as a data: URI, drawn here: no image is fetched."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    svg = io.BytesIO()
    image.save(svg)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.getvalue()).decode()
