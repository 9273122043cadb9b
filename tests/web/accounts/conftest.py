"""Second-factor fixtures: MFA switched on, an enrolled authenticator and its current code.

The helpers are fixtures because test modules cannot import conftest under importlib mode.
"""

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from orthoregen.web.accounts.second_factor import recovery_codes_issue

PASSWORD = "correct-horse-battery"  # tests/web/conftest.py's


@pytest.fixture
def mfa_on(settings):
    """Require the second factor, as production does by default (ORTHOREGEN_REQUIRE_MFA)."""
    settings.ORTHOREGEN_REQUIRE_MFA = True
    return settings


def _current_code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture
def current_code():
    """Return the code an authenticator app holding a device's key shows now."""
    return _current_code


@pytest.fixture
def enrol(db):
    """Give a user a confirmed authenticator and recovery codes, as the enrol page does."""
    def enrolled(user) -> tuple[TOTPDevice, list[str]]:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
        return device, recovery_codes_issue(user)
    return enrolled


@pytest.fixture
def sign_in(client):
    """Sign in through the login form with the password, as a person does."""
    def signed_in(user, password=PASSWORD, next_page="/patients/"):
        return client.post(f"/login/?next={next_page}",
                           {"username": user.username, "password": password})
    return signed_in
