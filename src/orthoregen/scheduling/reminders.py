"""Plan the next reminder of a follow-up visit: email, then text message, then a call task.

Pure and deterministic: the same window, contact history and time give the same answer, so
the `orthoregen remind` command can be re-run after a crash and never repeats a step that is
in the history. Escalation follows the product's reminder plan
(docs/follow-up.md#reminders); the delays are the clinic's configuration. Conventions chosen
here, since the sources are silent:
- each step's delay counts from the step before it (from the window opening for the first),
  so a patient is never sent two steps at once after an outage;
- a day is a calendar day in the clinic's zone, so a text due a week after a 09:00 email is
  due at 09:00 local time even across a clock change;
- escalation never goes backwards: once a later step is done, earlier ones are not sent;
- nothing is sent once the visit is completed, the patient has withdrawn, or the window has
  closed (the visit is then missed and appears on the worklist instead).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from orthoregen.scheduling.schedule import Window


class ReminderStep(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    CALL_TASK = "call_task"


@dataclass(frozen=True)
class StepDelay:
    step: ReminderStep
    days_after_previous: int


@dataclass(frozen=True)
class EscalationPolicy:
    steps: tuple[StepDelay, ...] = (
        StepDelay(ReminderStep.EMAIL, 0),
        StepDelay(ReminderStep.SMS, 7),
        StepDelay(ReminderStep.CALL_TASK, 7),
    )
    # Local time on the opening day from which the first step is due: no invitation at 00:05.
    send_from: time = time(9, 0)


DEFAULT_POLICY = EscalationPolicy()


@dataclass(frozen=True)
class ContactAttempt:
    step: ReminderStep
    done_at: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "step", ReminderStep(self.step))
        if self.done_at.tzinfo is None:
            raise ValueError("a contact attempt's time must carry a time zone")


@dataclass(frozen=True)
class ReminderDecision:
    """The step to take now (if any), else the next step and when it falls due."""

    due_now: ReminderStep | None
    next_step: ReminderStep | None
    next_due_at: datetime | None
    reason: str


def plan_reminder(
    window: Window,
    *,
    history: Iterable[ContactAttempt],
    now: datetime,
    clinic_zone: ZoneInfo,
    completed: bool = False,
    withdrawn: bool = False,
    unavailable: frozenset[ReminderStep] = frozenset(),
    policy: EscalationPolicy = DEFAULT_POLICY,
) -> ReminderDecision:
    """Return the reminder step due at `now` for one visit window, never one already done."""
    if now.tzinfo is None:
        raise ValueError("now must carry a time zone")
    if withdrawn:
        return _stop("patient has withdrawn from follow-up")
    if completed:
        return _stop("visit is completed")
    closes = datetime.combine(window.latest + timedelta(days=1), time(0), clinic_zone)
    if now >= closes:
        return _stop("window has closed: the visit is missed")
    steps = [s for s in policy.steps if s.step not in unavailable]
    previous_at = datetime.combine(window.earliest, policy.send_from, clinic_zone)
    pending = steps
    done = _first_done(history)
    for index, delay in enumerate(steps):
        if delay.step in done:
            previous_at, pending = done[delay.step], steps[index + 1 :]
    if not pending:
        return _stop("every escalation step is done")
    step = pending[0].step
    # Wall-clock arithmetic in the clinic's zone (see module docstring).
    due_at = previous_at.astimezone(clinic_zone) + timedelta(days=pending[0].days_after_previous)
    if due_at >= closes:
        return _stop(f"{step} would fall due after the window closes")
    if now >= due_at:
        return ReminderDecision(step, None, None, f"{step} due since {due_at.isoformat()}")
    return ReminderDecision(None, step, due_at, f"{step} falls due at {due_at.isoformat()}")


def _first_done(history: Iterable[ContactAttempt]) -> dict[ReminderStep, datetime]:
    done: dict[ReminderStep, datetime] = {}
    for attempt in sorted(history, key=lambda a: a.done_at):
        done.setdefault(attempt.step, attempt.done_at)
    return done


def _stop(reason: str) -> ReminderDecision:
    return ReminderDecision(None, None, None, reason)
