"""One first invitation per patient: a baseline invitation waits for the settling delay
(ORTHOREGEN_BASELINE_SETTLE_MINUTES, 30 by default) after the patient's latest decision, so
a patient decided on for two joints gets one message naming both, with one link answered
joint by joint."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from orthoregen.web.consultation.services import decision_record
from orthoregen.web.followup.models import Message, QuestionnaireResponse, ScheduledVisit
from orthoregen.web.followup.reminders import remind_run
from orthoregen.web.followup.sms import LocmemSmsBackend

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
DECIDED = dt.date(2026, 3, 2)
NOW = dt.datetime(2026, 3, 2, 11, 0, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def decide(episode, by, capture):
    """Record a decision to treat through the consultation's service; run what commits
    (the decision's own reminder run for the patient)."""
    with capture(execute=True):
        return decision_record(episode, kind="override", reason="discussed with the patient",
                               seen_outcome="incomplete", by=by, on_date=DECIDED)


def run_at(minutes_after: int):
    return remind_run(now=NOW + dt.timedelta(minutes=minutes_after))


def link_path(message) -> str:
    link = next(word for word in message.body.split() if "/portal/q/" in word)
    return link[link.index("/portal/"):]


def test_the_default_delay_is_thirty_minutes(settings):
    assert settings.ORTHOREGEN_BASELINE_SETTLE_MINUTES == 30


def test_a_single_decision_is_invited_by_the_first_run_after_the_settling_delay(
        knee, clinician_a, django_capture_on_commit_callbacks):
    decide(knee, clinician_a, django_capture_on_commit_callbacks)
    assert mail.outbox == []  # the decision's own run holds it
    assert run_at(29)["email"] == 0 and mail.outbox == []
    assert run_at(30)["email"] == 1
    [message] = mail.outbox
    assert "your left knee (before treatment)" in message.body
    assert run_at(45)["email"] == 0 and len(mail.outbox) == 1  # a step is sent once


def test_two_decisions_one_after_another_get_one_invitation_naming_both_joints(
        knee, hip, clinician_a, django_capture_on_commit_callbacks, clock, client):
    decide(knee, clinician_a, django_capture_on_commit_callbacks)
    clock.move_to(NOW + dt.timedelta(minutes=20))
    decide(hip, clinician_a, django_capture_on_commit_callbacks)
    # The knee's delay would end at 11:30, but the hip's decision at 11:20 holds both.
    assert run_at(30)["email"] == 0 and mail.outbox == []
    assert run_at(50)["email"] == 2  # one step taken for each joint's visit...
    [message] = mail.outbox  # ...in one message
    assert "left knee and right hip" in message.subject
    assert "left knee and right hip" in message.body
    assert Message.objects.filter(step="email", status="sent").count() == 2
    assert run_at(90)["email"] == 0 and len(mail.outbox) == 1
    assert LocmemSmsBackend.outbox == []
    # The one link asks about each joint in turn, each page headed by its joint.
    path = link_path(message)
    knee_page = client.get(path).content.decode()
    assert "Your left knee" in knee_page and "Your right hip" not in knee_page
    assert client.post(path, {"step": "0", "NRS": "7"}).status_code == 302
    hip_page = client.get(f"{path}?step=1").content.decode()
    assert "Your right hip" in hip_page
    assert client.post(path, {"step": "1", "NRS": "5"}).status_code == 302
    assert client.post(path, {"step": "2"})["Location"] == "/portal/results/"
    stored = {(r.episode.joint, r.answers["NRS"]) for r in QuestionnaireResponse.objects.all()}
    assert stored == {("knee", 7), ("hip", 5)}


def test_overlapping_runs_after_the_delay_send_the_one_invitation_once(
        knee, hip, clinician_a, django_capture_on_commit_callbacks):
    decide(knee, clinician_a, django_capture_on_commit_callbacks)
    decide(hip, clinician_a, django_capture_on_commit_callbacks)
    run_at(31)
    run_at(31)  # a second run at the same moment finds both steps claimed
    assert len(mail.outbox) == 1


def test_a_joint_decided_after_the_invitation_went_out_gets_one_naming_every_joint_due(
        knee, hip, clinician_a, django_capture_on_commit_callbacks, clock):
    decide(knee, clinician_a, django_capture_on_commit_callbacks)
    run_at(30)
    clock.move_to(NOW + dt.timedelta(hours=3))
    decide(hip, clinician_a, django_capture_on_commit_callbacks)
    run_at(3 * 60 + 30)
    first, second = mail.outbox
    assert "right hip" not in first.body and "left knee and right hip" in second.body
    # The knee is not asked by a second email: its own email step was taken once.
    knee_visit = ScheduledVisit.objects.get(schedule__episode=knee, timepoint="baseline")
    assert knee_visit.messages.filter(step="email").count() == 1


def test_a_site_without_a_settling_delay_invites_at_the_decision(
        knee, clinician_a, django_capture_on_commit_callbacks, settings):
    settings.ORTHOREGEN_BASELINE_SETTLE_MINUTES = 0
    decide(knee, clinician_a, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
