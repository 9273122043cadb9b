"""orthoregen remind after a run died between claiming a step and sending it: the claim is
taken back once its lease is over and the step sent again, once (at least once delivery)."""

import datetime as dt
import logging
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from orthoregen.web.followup import reminders
from orthoregen.web.followup.models import Message, ReviewTask
from orthoregen.web.followup.reminders import CLAIM_LEASE, MAX_ATTEMPTS, remind_run
from orthoregen.web.followup.services import visit_complete, withdrawal_record
from orthoregen.web.followup.sms import LocmemSmsBackend

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture(autouse=True)
def contactable(patient_a):
    patient_a.email, patient_a.phone = "ada@example.org", "+44 7700 900001"
    patient_a.save()
    LocmemSmsBackend.outbox = []


@pytest.fixture
def sms():
    return LocmemSmsBackend()


@pytest.fixture
def opens(visit_a):
    """10:00 London on the day the 3-month window opens: the email is due."""
    return dt.datetime.combine(visit_a.earliest, dt.time(10), LONDON)


def killed(*args, **kwargs):
    # Not a known send failure (OSError, SmsError): like a process killed mid-send, it
    # leaves the claim behind.
    raise RuntimeError("killed mid-send")


def crash_while_sending(monkeypatch, now, sms):
    monkeypatch.setattr(reminders, "send_mail", killed)
    with pytest.raises(RuntimeError):
        remind_run(now=now, sms=sms)
    monkeypatch.undo()
    claim = Message.objects.get()
    assert (claim.status, claim.attempts, mail.outbox) == ("sending", 1, [])
    return claim


def test_the_lease_is_thirty_minutes():
    assert CLAIM_LEASE == dt.timedelta(minutes=30) and MAX_ATTEMPTS == 3


def test_an_interrupted_email_is_not_sent_again_within_the_lease(opens, sms, monkeypatch):
    crash_while_sending(monkeypatch, opens, sms)
    # A claim this young may belong to a run that is still sending: leave it alone.
    assert remind_run(now=opens + CLAIM_LEASE - MINUTE, sms=sms) == {}
    assert mail.outbox == [] and Message.objects.get().status == "sending"


def test_an_interrupted_email_is_sent_once_after_the_lease(opens, visit_a, sms, monkeypatch,
                                                           caplog, as_user, coordinator_a):
    crash_while_sending(monkeypatch, opens, sms)
    retried_at = opens + CLAIM_LEASE
    with time_machine.travel(retried_at, tick=False), caplog.at_level(logging.WARNING):
        assert remind_run(sms=sms) == {"email": 1}  # `orthoregen remind` run by cron
    assert [m.to for m in mail.outbox] == [["ada@example.org"]]
    message = Message.objects.get()
    assert (message.status, message.attempts, message.sent_at) == ("sent", 2, retried_at)
    assert "attempt 2" in message.detail and "retrying" in caplog.text
    schedule_page = as_user(coordinator_a).get(
        f"/followup/episodes/{visit_a.schedule.episode_id}/").content.decode()
    assert "(sent, attempt 2)" in schedule_page
    for later in (retried_at + MINUTE, retried_at + 2 * CLAIM_LEASE):
        with time_machine.travel(later, tick=False):
            assert remind_run(sms=sms) == {}
    assert len(mail.outbox) == 1
    # The text's week counts from the email that went out, not from the lost claim.
    assert remind_run(now=retried_at + dt.timedelta(days=7) - MINUTE, sms=sms) == {}
    assert remind_run(now=retried_at + dt.timedelta(days=7), sms=sms) == {"sms": 1}


@pytest.mark.parametrize("stopped_by", ["completed", "withdrawn"])
def test_an_interrupted_step_is_never_retried_for_a_visit_that_is_done_or_withdrawn(
        opens, visit_a, patient_a, coordinator_a, sms, monkeypatch, stopped_by):
    crash_while_sending(monkeypatch, opens, sms)
    if stopped_by == "completed":
        visit_complete(visit_a, completed_on=visit_a.earliest)
    else:
        withdrawal_record(patient_a, withdrawn_on=visit_a.earliest, reason="moved away",
                          by=coordinator_a)
    for later in (opens + CLAIM_LEASE, opens + dt.timedelta(days=8)):
        assert remind_run(now=later, sms=sms) == {}
    assert mail.outbox == [] and LocmemSmsBackend.outbox == []
    assert list(Message.objects.values_list("step", "attempts")) == [("email", 1)]


def test_an_interrupted_step_is_not_retried_once_the_window_has_closed(visit_a, sms,
                                                                       monkeypatch):
    last_evening = dt.datetime.combine(visit_a.latest, dt.time(23, 45), LONDON)
    crash_while_sending(monkeypatch, last_evening, sms)  # first run after a long outage
    # Past midnight the visit is missed: it goes to the worklist, no late link is sent.
    assert remind_run(now=last_evening + CLAIM_LEASE, sms=sms) == {}
    assert mail.outbox == [] and Message.objects.get().attempts == 1


def test_a_step_that_dies_every_time_is_given_up_and_the_chain_moves_on(
        opens, sms, monkeypatch, caplog):
    monkeypatch.setattr(reminders, "send_mail", killed)
    for attempt in range(MAX_ATTEMPTS):
        with pytest.raises(RuntimeError):
            remind_run(now=opens + attempt * CLAIM_LEASE, sms=sms)
    assert Message.objects.get().attempts == MAX_ATTEMPTS
    with caplog.at_level(logging.ERROR):
        assert remind_run(now=opens + MAX_ATTEMPTS * CLAIM_LEASE, sms=sms) == {}
    message = Message.objects.get()
    assert message.status == "failed" and "gave up after 3" in message.detail
    assert "gave up" in caplog.text
    last_claim = opens + (MAX_ATTEMPTS - 1) * CLAIM_LEASE
    assert remind_run(now=last_claim + dt.timedelta(days=7), sms=sms) == {"sms": 1}


def test_a_call_task_interrupted_before_its_claim_is_marked_is_created_once(
        opens, visit_a, sms, monkeypatch):
    remind_run(now=opens, sms=sms)
    remind_run(now=opens + dt.timedelta(days=7), sms=sms)
    call_due = opens + dt.timedelta(days=14)
    monkeypatch.setattr(reminders, "_record_done", killed)
    with pytest.raises(RuntimeError):
        remind_run(now=call_due, sms=sms)
    monkeypatch.undo()
    assert not ReviewTask.objects.exists()  # rolled back with the failed mark
    assert remind_run(now=call_due + CLAIM_LEASE, sms=sms) == {"call_task": 1}
    assert remind_run(now=call_due + 2 * CLAIM_LEASE, sms=sms) == {}
    assert ReviewTask.objects.filter(visit=visit_a).count() == 1
    assert Message.objects.get(step="call_task").attempts == 2
