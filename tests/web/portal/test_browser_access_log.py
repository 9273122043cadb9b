"""A patient opens, on a phone, the list of who at the clinic looked at their record."""

import time

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect
from tests.web.browsing import shot, today  # noqa: F401  (today: the live server's clock)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_patient_reads_who_looked_at_their_record(phone, live_server, patient_a,
                                                  clinician_a):
    staff = Client()
    staff.force_login(clinician_a)
    assert staff.get(reverse("patient-detail", args=[patient_a.pk])).status_code == 200
    # The session the browser that submitted a questionnaire holds (portal.views).
    session = SessionStore()
    session["portal_patient"] = patient_a.pk
    session["portal_until"] = time.time() + 3600
    session.save()
    phone.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                                "value": session.session_key, "url": live_server.url}])
    phone.goto(f"{live_server.url}{reverse('portal:results')}")
    phone.get_by_role("link", name="Who has looked at your record").click()
    expect(phone.get_by_role("heading", name="Who has looked at your record")).to_be_visible()
    row = phone.get_by_role("listitem").filter(has_text="Clinician_A Tester")
    expect(row).to_contain_text("(Clinician, Clinic A)")
    expect(row).to_contain_text("Looked at your patient chart")
    shot(phone, "portal-access-log")
