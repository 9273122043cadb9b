"""Staff sessions end after 15 idle minutes or 8 hours, and signing out takes a posted form.

OWASP ASVS 4.0.3 3.3.2 (idle and absolute timeouts) and 4.2.2 (no state change on a GET;
the portal's done page: tests/web/portal/test_done.py); HIPAA 45 CFR 164.312(a)(2)(iii),
automatic logoff.
"""

import datetime as dt

import pytest
import time_machine

from orthoregen.web.accounts.middleware import LAST_SEEN_AT, SIGNED_IN_AT

START = dt.datetime(2026, 4, 1, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def limits_on(settings):
    """Enforce the session limits, as every mode but test does."""
    settings.ORTHOREGEN_ENFORCE_SESSION_LIMITS = True
    return settings


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def test_the_defaults_are_fifteen_minutes_idle_and_eight_hours(settings):
    assert settings.ORTHOREGEN_SESSION_IDLE_MINUTES == 15
    assert settings.SESSION_COOKIE_AGE == 8 * 60 * 60


def test_fifteen_idle_minutes_sign_out(limits_on, clock, as_user, clinician_a, patient_a):
    client = as_user(clinician_a)
    assert client.get("/patients/").status_code == 200
    clock.shift(dt.timedelta(minutes=14))
    assert client.get("/patients/").status_code == 200
    clock.shift(dt.timedelta(minutes=15, seconds=1))
    response = client.get("/patients/")
    assert response["Location"] == "/login/?next=/patients/"
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"]).content.decode()
    assert "signed out after 15 minutes without activity" in page


def test_activity_keeps_a_session_until_eight_hours_from_sign_in(limits_on, clock, as_user,
                                                                 clinician_a, patient_a):
    client = as_user(clinician_a)
    for _ in range(8 * 6):  # a page every ten minutes for eight hours
        assert client.get("/patients/").status_code == 200
        clock.shift(dt.timedelta(minutes=10))
    clock.shift(dt.timedelta(seconds=1))
    response = client.get("/patients/", follow=True)
    assert response.redirect_chain[0][0] == "/login/?next=/patients/"
    assert "signed in more than 8 hours ago" in response.content.decode()


def test_the_idle_limit_follows_its_setting(limits_on, clock, as_user, clinician_a):
    limits_on.ORTHOREGEN_SESSION_IDLE_MINUTES = 5
    client = as_user(clinician_a)
    client.get("/patients/")
    clock.shift(dt.timedelta(minutes=5, seconds=1))
    assert client.get("/patients/")["Location"].startswith("/login/")


def test_activity_is_written_at_most_once_a_minute(limits_on, clock, as_user, clinician_a):
    client = as_user(clinician_a)
    client.get("/patients/")
    first = client.session[LAST_SEEN_AT]
    assert client.session[SIGNED_IN_AT] == first == START.timestamp()
    clock.shift(dt.timedelta(seconds=30))
    client.get("/patients/")
    assert client.session[LAST_SEEN_AT] == first
    clock.shift(dt.timedelta(seconds=30))
    client.get("/patients/")
    assert client.session[LAST_SEEN_AT] == first + 60


def test_a_post_after_the_idle_limit_goes_to_sign_in_then_home(limits_on, clock, as_user,
                                                               clinician_a):
    client = as_user(clinician_a)
    client.get("/patients/")
    clock.shift(dt.timedelta(minutes=20))
    assert client.post("/logout/")["Location"] == "/login/?next=/"


def test_signing_in_starts_the_clock(limits_on, clock, client, clinician_a):
    client.post("/login/", {"username": "clinician_a", "password": "correct-horse-battery"})
    assert client.session[SIGNED_IN_AT] == START.timestamp()


def test_sign_out_is_post_only(as_user, clinician_a):
    client = as_user(clinician_a)
    assert client.get("/logout/").status_code == 405
    assert "_auth_user_id" in client.session
    page = client.get("/patients/").content.decode()
    assert '<form method="post" action="/logout/">' in page
