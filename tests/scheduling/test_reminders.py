from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orthoregen.scheduling import Window
from orthoregen.scheduling.reminders import (
    ContactAttempt,
    EscalationPolicy,
    ReminderStep,
    StepDelay,
    plan_reminder,
)

BERLIN = ZoneInfo("Europe/Berlin")
E, S, C = ReminderStep.EMAIL, ReminderStep.SMS, ReminderStep.CALL_TASK
# A 3-month window, 4-week wide either side (dates chosen to cross the 29 March 2026 clock
# change in Europe/Berlin: CET -> CEST).
WINDOW = Window(date(2026, 3, 1), date(2026, 3, 15), date(2026, 4, 30))
OPENS = datetime(2026, 3, 1, 9, 0, tzinfo=BERLIN)


def plan(now, history=(), **kwargs):
    return plan_reminder(WINDOW, history=history, now=now, clinic_zone=BERLIN, **kwargs)


def test_nothing_before_the_window_opens_but_the_email_date_is_known():
    decision = plan(OPENS - timedelta(minutes=1))
    assert (decision.due_now, decision.next_step, decision.next_due_at) == (None, E, OPENS)


def test_email_is_due_when_the_window_opens():
    assert plan(OPENS).due_now is E


def test_sms_follows_the_email_after_its_delay_and_never_repeats_the_email():
    history = [ContactAttempt(E, OPENS + timedelta(hours=1))]
    assert plan(OPENS + timedelta(days=3), history).due_now is None
    assert plan(OPENS + timedelta(days=7, hours=1), history).due_now is S


def test_call_task_follows_the_sms():
    history = [ContactAttempt(E, OPENS), ContactAttempt(S, OPENS + timedelta(days=7))]
    assert plan(OPENS + timedelta(days=14), history).due_now is C


def test_all_steps_done_means_nothing_more():
    history = [
        ContactAttempt(step, OPENS + timedelta(days=i * 7)) for i, step in enumerate([E, S, C])
    ]
    decision = plan(OPENS + timedelta(days=40), history)
    assert (decision.due_now, decision.next_step) == (None, None)
    assert "every escalation step is done" in decision.reason


@pytest.mark.parametrize(
    ("flags", "reason"), [({"completed": True}, "completed"), ({"withdrawn": True}, "withdrawn")]
)
def test_nothing_after_completion_or_withdrawal(flags, reason):
    decision = plan(OPENS + timedelta(days=8), [ContactAttempt(E, OPENS)], **flags)
    assert (decision.due_now, decision.next_step) == (None, None)
    assert reason in decision.reason


def test_nothing_after_the_window_closes():
    decision = plan(datetime(2026, 5, 1, 0, 0, tzinfo=BERLIN))
    assert decision.due_now is None and "missed" in decision.reason


def test_a_step_that_would_fall_after_the_window_closes_is_not_planned():
    short = Window(date(2026, 3, 1), date(2026, 3, 3), date(2026, 3, 5))
    decision = plan_reminder(
        short, history=[ContactAttempt(E, OPENS)], now=OPENS, clinic_zone=BERLIN
    )
    assert decision.next_step is None and "after the window closes" in decision.reason


def test_after_an_outage_only_one_step_is_due_at_a_time():
    # Nothing was sent for three weeks: the email goes now, the SMS a week after it.
    late = OPENS + timedelta(days=21)
    assert plan(late).due_now is E
    assert plan(late, [ContactAttempt(E, late)]).next_due_at == late + timedelta(days=7)


def test_escalation_never_goes_back_to_a_skipped_step():
    # The coordinator called before the SMS went out: no SMS afterwards.
    history = [ContactAttempt(E, OPENS), ContactAttempt(C, OPENS + timedelta(days=2))]
    assert plan(OPENS + timedelta(days=10), history).due_now is None


def test_unavailable_channel_is_skipped():
    history = [ContactAttempt(E, OPENS)]
    decision = plan(OPENS + timedelta(days=7), history, unavailable=frozenset({S}))
    assert decision.due_now is C


def test_delay_is_counted_in_local_days_across_the_clock_change():
    # Email on 25 March 09:00 CET (08:00 UTC); a week later is 1 April 09:00 CEST (07:00 UTC).
    sent = datetime(2026, 3, 25, 9, 0, tzinfo=BERLIN)
    decision = plan(sent + timedelta(hours=1), [ContactAttempt(E, sent.astimezone(UTC))])
    assert decision.next_due_at.astimezone(UTC) == datetime(2026, 4, 1, 7, 0, tzinfo=UTC)


def test_configured_delays_are_used():
    policy = EscalationPolicy(steps=(StepDelay(E, 2), StepDelay(C, 1)), send_from=time(10, 0))
    decision = plan(OPENS, policy=policy)
    assert decision.next_due_at == datetime(2026, 3, 3, 10, 0, tzinfo=BERLIN)


@given(
    st.lists(st.tuples(st.sampled_from([E, S, C]), st.integers(0, 60 * 24 * 60)), max_size=4),
    st.integers(-5 * 24 * 60, 70 * 24 * 60),
)
def test_a_planned_step_is_never_one_already_done_and_replanning_is_stable(done, minutes):
    history = [ContactAttempt(step, OPENS + timedelta(minutes=m)) for step, m in done]
    now = OPENS + timedelta(minutes=minutes)
    decision = plan(now, history)
    assert decision.due_now not in {a.step for a in history}
    assert plan(now, list(reversed(history))) == decision
    if decision.due_now is not None:
        # Recording the step (as the remind command does) leaves nothing due at once.
        again = plan(now, [*history, ContactAttempt(decision.due_now, now)])
        assert again.due_now is None


def test_naive_now_is_refused():
    with pytest.raises(ValueError, match="time zone"):
        plan(datetime(2026, 3, 2, 9, 0))


def test_history_read_from_the_database_as_text_counts_as_done():
    history = [ContactAttempt("email", OPENS)]
    assert plan(OPENS + timedelta(days=1), history).next_step is S


def test_a_naive_contact_time_is_refused():
    with pytest.raises(ValueError, match="time zone"):
        ContactAttempt(E, datetime(2026, 3, 1, 9, 0))
