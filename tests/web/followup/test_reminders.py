"""orthoregen remind: each escalation step once, none after completion or withdrawal,
resumable after a crash, nothing sent twice when run twice (retries of a run that died
mid-send: test_reminder_retries.py)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from orthoregen.web.followup import reminders
from orthoregen.web.followup.models import Message, ReviewTask, SiteFollowUpSettings
from orthoregen.web.followup.reminders import remind_run
from orthoregen.web.followup.services import schedule_create, visit_complete, withdrawal_record
from orthoregen.web.followup.sms import LocmemSmsBackend

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), LONDON)


@pytest.fixture(autouse=True)
def contactable(patient_a):
    patient_a.email, patient_a.phone = "ada@example.org", "+44 7700 900001"
    patient_a.save()
    LocmemSmsBackend.outbox = []


@pytest.fixture
def sms():
    return LocmemSmsBackend()


def steps(visit) -> list[str]:
    return list(Message.objects.filter(visit=visit).order_by("sent_at")
                .values_list("step", flat=True))


def test_email_when_the_window_opens_then_sms_then_a_call_task(visit_a, sms):
    opens = visit_a.earliest  # 2026-04-01; default delays 0 / 7 / 7 days from 09:00
    assert remind_run(now=at(opens, 8), sms=sms) == {}  # before 09:00 local: nothing yet
    assert remind_run(now=at(opens), sms=sms) == {"email": 1}
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ada@example.org"]
    assert "/portal/q/" in mail.outbox[0].body and "3 months" in mail.outbox[0].body
    assert remind_run(now=at(opens + dt.timedelta(days=6)), sms=sms) == {}
    assert remind_run(now=at(opens + dt.timedelta(days=7)), sms=sms) == {"sms": 1}
    assert LocmemSmsBackend.outbox[0][0] == "+44 7700 900001"
    assert remind_run(now=at(opens + dt.timedelta(days=14)), sms=sms) == {"call_task": 1}
    assert ReviewTask.objects.get(visit=visit_a).kind == "call_patient"
    assert remind_run(now=at(opens + dt.timedelta(days=20)), sms=sms) == {}
    assert steps(visit_a) == ["email", "sms", "call_task"]
    assert len(mail.outbox) == 1 and len(LocmemSmsBackend.outbox) == 1
    assert set(Message.objects.values_list("status", flat=True)) == {"sent", "task_created"}


def test_running_twice_sends_nothing_twice(visit_a, sms):
    now = at(visit_a.earliest + dt.timedelta(days=20))
    first = remind_run(now=now, sms=sms)
    second = remind_run(now=now, sms=sms)
    # After an outage the planner takes one step per run, never two at once.
    assert first == {"email": 1} and second == {}
    assert len(mail.outbox) == 1 and Message.objects.count() == 1


def test_completed_visit_stops_the_chain(visit_a, sms):
    remind_run(now=at(visit_a.earliest), sms=sms)
    visit_complete(visit_a, completed_on=visit_a.earliest + dt.timedelta(days=2))
    assert remind_run(now=at(visit_a.earliest + dt.timedelta(days=7)), sms=sms) == {}
    assert remind_run(now=at(visit_a.earliest + dt.timedelta(days=14)), sms=sms) == {}
    assert steps(visit_a) == ["email"] and LocmemSmsBackend.outbox == []


def test_withdrawn_patient_gets_nothing(visit_a, patient_a, coordinator_a, sms):
    remind_run(now=at(visit_a.earliest), sms=sms)
    withdrawal_record(patient_a, withdrawn_on=visit_a.earliest + dt.timedelta(days=1),
                      reason="moved away", by=coordinator_a)
    assert remind_run(now=at(visit_a.earliest + dt.timedelta(days=8)), sms=sms) == {}
    visit_a.refresh_from_db()
    assert visit_a.status == "stopped" and steps(visit_a) == ["email"]


def test_no_email_address_skips_the_email_step(visit_a, patient_a, sms):
    patient_a.email = ""
    patient_a.save()
    # The planner counts the text's delay from the window opening when there is no email.
    assert remind_run(now=at(visit_a.earliest), sms=sms) == {}
    assert remind_run(now=at(visit_a.earliest + dt.timedelta(days=7)), sms=sms) == {"sms": 1}
    assert mail.outbox == []


def test_site_delays_are_configurable(visit_a, site_a, sms):
    SiteFollowUpSettings.objects.create(site=site_a, email_delay_days=2, sms_delay_days=3,
                                        call_delay_days=4)
    assert remind_run(now=at(visit_a.earliest + dt.timedelta(days=1)), sms=sms) == {}
    assert remind_run(now=at(visit_a.earliest + dt.timedelta(days=2)), sms=sms) == {"email": 1}
    assert remind_run(now=at(visit_a.earliest + dt.timedelta(days=5)), sms=sms) == {"sms": 1}
    assert remind_run(now=at(visit_a.earliest + dt.timedelta(days=9)), sms=sms) == {
        "call_task": 1}


def test_resumes_after_a_crash_mid_run_without_repeating(visit_a, patient_b, sms, monkeypatch):
    patient_b.email = "bo@example.org"
    patient_b.save()
    other = schedule_create(patient_b.episodes.get(), administered_on=dt.date(2026, 1, 15))
    other_visit = other.visits.get(timepoint="month_3", kind="visit")
    real_claim = reminders._claim_step
    calls = []

    def crash_after_first_visit(visit_id, now):
        calls.append(visit_id)
        if len(calls) == 2:
            raise RuntimeError("power cut")
        return real_claim(visit_id, now)

    monkeypatch.setattr(reminders, "_claim_step", crash_after_first_visit)
    now = at(visit_a.earliest)
    with pytest.raises(RuntimeError):
        remind_run(now=now, sms=sms)
    assert Message.objects.count() == 1 and len(mail.outbox) == 1
    monkeypatch.setattr(reminders, "_claim_step", real_claim)
    assert remind_run(now=now, sms=sms) == {"email": 1}
    assert remind_run(now=now, sms=sms) == {}
    assert sorted(m.to[0] for m in mail.outbox) == ["ada@example.org", "bo@example.org"]
    assert {m.visit_id for m in Message.objects.all()} == {visit_a.pk, other_visit.pk}


def test_a_known_send_failure_gives_the_step_back(visit_a, sms, monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("SMTP server unreachable")

    monkeypatch.setattr(reminders, "send_mail", refuse)
    assert remind_run(now=at(visit_a.earliest), sms=sms) == {}
    assert Message.objects.count() == 0
    monkeypatch.undo()
    assert remind_run(now=at(visit_a.earliest), sms=sms) == {"email": 1}


def test_the_link_in_the_email_opens_the_questionnaire(visit_a, client, sms):
    now = at(visit_a.earliest)
    with time_machine.travel(now, tick=False):
        remind_run(now=now, sms=sms)
        link = next(line for line in mail.outbox[0].body.splitlines() if "/portal/q/" in line)
        response = client.get(link.strip().split("127.0.0.1:8000", 1)[1])
    assert response.status_code == 200
    assert "Step 1 of" in response.content.decode()


def test_the_remind_command_run_twice_sends_nothing_twice(visit_a, capsys):
    import argparse

    from orthoregen.web.followup import commands

    parser = argparse.ArgumentParser()
    commands.register(parser.add_subparsers())
    args = parser.parse_args(["remind", "--now", "2026-04-01T10:00:00+01:00"])
    assert args.handler(args) == 0
    assert args.handler(args) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == ["orthoregen remind: 1 step(s) taken (1 email).",
                   "orthoregen remind: 0 step(s) taken (nothing due)."]
    assert len(mail.outbox) == 1


def test_the_remind_command_refuses_a_time_without_zone():
    import argparse

    from orthoregen.web.followup import commands

    parser = argparse.ArgumentParser()
    commands.register(parser.add_subparsers())
    with pytest.raises(SystemExit):
        parser.parse_args(["remind", "--now", "2026-04-01T10:00"])


def test_text_message_backends(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from orthoregen.web.followup.sms import TwilioSmsBackend, sms_backend

    assert isinstance(sms_backend(), LocmemSmsBackend)  # test mode never reaches a provider
    monkeypatch.setenv("ORTHOREGEN_SMS_BACKEND", "orthoregen.web.followup.sms.ConsoleSmsBackend")
    assert type(sms_backend()).__name__ == "ConsoleSmsBackend"
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ImproperlyConfigured, match="TWILIO_ACCOUNT_SID"):
        TwilioSmsBackend()
