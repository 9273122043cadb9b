"""Headless Chromium on the demo clinic: "patients like you" and the reference bands.

Builds the demo clinic (web/demo.py, synthetic patients at two sites, facts refreshed), then
opens the consultation page of a knee patient with many earlier patients like them, of a
patient with a rare profile, and the dashboard. Screenshots go to /tmp/orthoregen-screenshots
(expect-*.png; tests/web/browsing.py). Skips without Chromium, as every browser test does.
"""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from tests.web.browsing import log_in, shot

from orthoregen.analytics.patients_like_you import PatientsLikeYou
from orthoregen.web import demo
from orthoregen.web.accounts.models import User
from orthoregen.web.clinic.models import JointEpisode
from orthoregen.web.registry.patients_like import patients_like_read

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def charts_drawn(page, selector: str) -> int:
    return page.locator(selector).evaluate_all(
        # Wait for each image to decode: visible is not yet drawn on a loaded machine.
        "async imgs => { await Promise.all(imgs.map(i => i.decode().catch(() => null)));"
        " return imgs.filter(i => i.complete && i.naturalWidth > 0"
        " && i.getBoundingClientRect().width > 0).length; }")


def reads(user):
    """Return (episode, read) for every riverside episode with an intake, largest n first."""
    today = timezone.localdate()
    found = [(e, patients_like_read(e, user=user, today=today))
             for e in JointEpisode.objects.filter(patient__site__code="riverside",
                                                  intake__isnull=False)
             .select_related("patient")]
    found = [(e, r) for e, r in found if r.result is not None]
    return sorted(found, key=lambda pair: -pair[1].result.n)


def test_patients_like_you_and_reference_bands_on_the_demo_clinic(new_page, live_server,
                                                                  monkeypatch):
    monkeypatch.setattr(demo, "PATIENTS", {"riverside": 200, "northgate": 40})
    demo.demo_create(as_of=timezone.localdate() - dt.timedelta(days=1))
    clinician = User.objects.get(username="clinician")
    found = reads(clinician)
    knee = next(e for e, r in found if e.joint == "knee" and isinstance(r.result,
                                                                        PatientsLikeYou))
    rare = next(e for e, r in reversed(found) if not isinstance(r.result, PatientsLikeYou))

    page = new_page()
    log_in(page, live_server, "clinician", demo.DEMO_PASSWORD, start="/login/")

    page.goto(f"{live_server.url}/consultation/episodes/{knee.pk}/#patients-like-you")
    section = page.locator("#patients-like-you")
    expect(section.get_by_role("heading", name="Patients like you")).to_be_visible()
    expect(section).to_contain_text("not a prediction for this patient")
    expect(section).to_contain_text("n=")
    assert charts_drawn(page, "#patients-like-you img.chart") == 1
    assert "predicted" not in section.inner_text().lower()
    shot(page, "expect-knee")
    page.emulate_media(media="print")
    # The printable view: the clinician's decision section is not printed.
    expect(page.locator("#decision")).to_be_hidden()
    shot(page, "expect-knee-print")
    page.emulate_media(media="screen")

    page.goto(f"{live_server.url}/consultation/episodes/{rare.pk}/")
    section = page.locator("#patients-like-you")
    expect(section).to_contain_text("Too few earlier patients like this one")
    assert charts_drawn(page, "#patients-like-you img.chart") == 0
    shot(page, "expect-rare")

    page.goto(f"{live_server.url}/registry/")
    bands = page.locator("#reference-bands")
    expect(bands.get_by_role("heading", name="Published reference bands")).to_be_visible()
    expect(bands).to_contain_text("doi:10.1177/1947603520906597")
    assert charts_drawn(page, "#reference-bands img.chart") == 1
    shot(page, "expect-dashboard")

    page.goto(f"{live_server.url}/registry/fitness/")
    expect(page.get_by_role("heading", name="Registry fitness for use")).to_be_visible()
    shot(page, "expect-fitness")
