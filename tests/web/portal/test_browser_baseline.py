"""A new two-joint patient: one baseline invitation after the decisions, one link, each page naming
the joint, on a 390x844 phone in headless Chromium (screenshots in
/tmp/orthoregen-screenshots/baseline_*.png)."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect
from tests.web.browsing import log_in, shot, today  # noqa: F401  (today: the live server's clock)

from orthoregen.scheduling.reminders import EscalationPolicy
from orthoregen.web.clinic.models import JointEpisode
from orthoregen.web.consultation.services import decision_record
from orthoregen.web.followup.models import QuestionnaireResponse, ScheduledVisit
from orthoregen.web.followup.reminders import remind_run

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _after_settling(zone_name: str) -> dt.datetime:
    """31 minutes from now, moved on to the clinic's first sending hour if that is earlier in
    the clinic's day (no invitation goes out before it: a run just after midnight failed CI)."""
    zone = ZoneInfo(zone_name)
    later = (timezone.now() + dt.timedelta(minutes=31)).astimezone(zone)
    first_send = dt.datetime.combine(later.date(), EscalationPolicy().send_from, zone)
    return max(later, first_send)


def test_a_new_two_joint_patient_answers_both_baselines_through_one_link(
        phone, live_server, patient_a, clinician_a):
    patient_a.email = "ada@example.org"
    patient_a.save()
    knee = patient_a.episodes.get()
    hip = JointEpisode.objects.create(patient=patient_a, joint="hip", side="right",
                                      diagnosis_code="M16.11",
                                      grade_scale="kellgren_lawrence", grade=2)
    # The decisions at the consultation (override: the test intake is incomplete).
    day = timezone.localdate()
    for episode in (knee, hip):
        decision_record(episode, kind="override", reason="discussed with the patient",
                        seen_outcome="incomplete", by=clinician_a, on_date=day)
    assert ScheduledVisit.objects.filter(timepoint="baseline").count() == 2
    # Held for the settling delay (30 minutes), then one invitation naming both joints.
    assert mail.outbox == []
    remind_run(now=_after_settling(patient_a.site.time_zone))
    [message] = mail.outbox
    assert "left knee and right hip" in message.subject
    link = re.search(r"https?://\S+/portal/q/\S+/", message.body).group(0)
    path = link[link.index("/portal/"):]

    phone.goto(f"{live_server.url}{path}")
    expect(phone.get_by_text("questions about your left knee and right hip")).to_be_visible()
    expect(phone.locator("#joint-heading")).to_contain_text("Your left knee")
    expect(phone.get_by_role("progressbar", name="Step 1 of 3")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "baseline_1_knee")
    phone.get_by_role("radio", name="7", exact=True).check()
    phone.get_by_role("button", name="Save and continue").click()

    expect(phone.locator("#joint-heading")).to_contain_text("Your right hip")
    expect(phone.get_by_text("Answer about your right hip only")).to_be_visible()
    shot(phone, "baseline_2_hip")
    phone.get_by_role("radio", name="5", exact=True).check()
    phone.get_by_role("button", name="Save and continue").click()

    expect(phone.get_by_role("heading", name="Check and send")).to_be_visible()
    shot(phone, "baseline_3_send")
    phone.get_by_role("button", name="Send my answers").click()

    expect(phone.get_by_role("heading", name="Your left knee", exact=True)).to_be_visible()
    expect(phone.get_by_role("heading", name="Your right hip", exact=True)).to_be_visible()
    shot(phone, "baseline_4_results")
    stored = {(r.episode.joint, r.timepoint, r.answers["NRS"])
              for r in QuestionnaireResponse.objects.all()}
    assert stored == {("knee", "baseline", 7), ("hip", "baseline", 5)}
    assert all(r.completed_on <= day + dt.timedelta(days=1)
               for r in QuestionnaireResponse.objects.all())


def test_a_coordinator_hands_the_tablet_to_the_patient_and_cannot_come_back(
        new_page, live_server, patient_a, clinician_a, coordinator_a):
    knee = patient_a.episodes.get()
    decision_record(knee, kind="override", reason="discussed with the patient",
                    seen_outcome="incomplete", by=clinician_a, on_date=timezone.localdate())
    # A clinic tablet in portrait (iPad Air, 820x1180 CSS px).
    tablet = new_page(width=820, height=1180, has_touch=True)
    log_in(tablet, live_server, "coordinator_a", start=f"/followup/episodes/{knee.pk}/")
    tablet.get_by_role("button", name="Open on this tablet for the patient").click()
    expect(tablet.locator("#joint-heading")).to_contain_text("Your left knee")
    assert "/portal/tablet/" in tablet.url and "/q/" not in tablet.url  # no link shown
    expect(tablet.get_by_role("button", name="Save and finish later")).to_have_count(0)
    shot(tablet, "baseline_5_tablet")
    tablet.go_back()  # the staff page asks for a password again
    expect(tablet.get_by_label("Password")).to_be_visible()
    tablet.goto(f"{live_server.url}/portal/tablet/")
    tablet.get_by_role("radio", name="4", exact=True).check()
    tablet.get_by_role("button", name="Save and continue").click()
    tablet.get_by_role("button", name="Send my answers").click()
    expect(tablet.get_by_text("hand the tablet back")).to_be_visible()
    shot(tablet, "baseline_6_tablet_ended")
    assert QuestionnaireResponse.objects.get().source == "tablet"
