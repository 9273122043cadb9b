"""Build the follow-up schedule of one treated joint from a protocol and the administration date.

Month arithmetic follows python-dateutil's relativedelta: a month added to the 31st lands on
the last day of a shorter month, and 29 February plus 12 months is 28 February. Dates are
calendar dates in the clinic's time zone; an administration time is converted to that zone
before its date is taken, since the UTC date of an evening injection is the next day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from orthoregen.products.episode import Joint
from orthoregen.scheduling.protocol import InstrumentChoice, ScheduleProtocol, VisitSpec


@dataclass(frozen=True)
class Window:
    """The dates a visit may happen on, both ends included."""

    earliest: date
    target: date
    latest: date

    def __post_init__(self) -> None:
        if not self.earliest <= self.target <= self.latest:
            raise ValueError(f"window {self.earliest}..{self.latest} must contain {self.target}")

    def contains(self, day: date) -> bool:
        return self.earliest <= day <= self.latest


@dataclass(frozen=True)
class Visit:
    visit_id: str
    label: str
    window: Window
    instruments: tuple[InstrumentChoice, ...]
    imaging: tuple[str, ...]


@dataclass(frozen=True)
class ScheduledInstruction:
    instruction_id: str
    text: str
    starts_on: date
    ends_on: date | None


@dataclass(frozen=True)
class Schedule:
    protocol_version: str
    joint: Joint
    administered_on: date
    instructions: tuple[ScheduledInstruction, ...]
    visits: tuple[Visit, ...]


class VisitStatus(StrEnum):
    UPCOMING = "upcoming"
    OPEN = "open"
    OVERDUE = "overdue"
    MISSED = "missed"
    COMPLETED = "completed"


def build_schedule(
    protocol: ScheduleProtocol,
    administered_on: date | datetime,
    *,
    joint: Joint,
    clinic_zone: ZoneInfo | None = None,
) -> Schedule:
    """Return the visits, windows, instruments and instructions after one administration."""
    day = clinic_date(administered_on, clinic_zone)
    instructions = tuple(
        ScheduledInstruction(
            spec.instruction_id,
            spec.text,
            day + timedelta(days=spec.from_day),
            None if spec.to_day is None else day + timedelta(days=spec.to_day),
        )
        for spec in protocol.instructions
    )
    instruments = protocol.instruments_for(joint)
    visits = tuple(_visit(spec, day, instruments) for spec in protocol.visits)
    return Schedule(protocol.version, joint, day, instructions, visits)


def clinic_date(moment: date | datetime, clinic_zone: ZoneInfo | None) -> date:
    """Return the calendar date of `moment` in the clinic's zone (a date is taken as given)."""
    if not isinstance(moment, datetime):
        return moment
    if moment.tzinfo is None or clinic_zone is None:
        raise ValueError(
            "an administration time needs its time zone and the clinic's zone; pass a date "
            "if only the day is known"
        )
    return moment.astimezone(clinic_zone).date()


def target_date(spec: VisitSpec, administered_on: date) -> date:
    """Return the visit's target: `months` calendar months then `days` days after the day."""
    month_later: date = administered_on + relativedelta(months=spec.months)
    return month_later + timedelta(days=spec.days)


def visit_on(schedule: Schedule, day: date) -> Visit | None:
    """Return the visit whose window holds `day` (the time point a response counts for)."""
    # Windows never overlap (checks.protocol_problems), so at most one matches.
    return next((v for v in schedule.visits if v.window.contains(day)), None)


def visit_status(window: Window, completed_on: date | None, today: date) -> VisitStatus:
    """Classify a visit on `today`: upcoming, open (to target), overdue (past target), missed."""
    if completed_on is not None:
        return VisitStatus.COMPLETED
    if today < window.earliest:
        return VisitStatus.UPCOMING
    if today <= window.target:
        return VisitStatus.OPEN
    if today <= window.latest:
        return VisitStatus.OVERDUE
    return VisitStatus.MISSED


def _visit(spec: VisitSpec, day: date, instruments: tuple[InstrumentChoice, ...]) -> Visit:
    target = target_date(spec, day)
    window = Window(
        target - timedelta(days=spec.days_before), target, target + timedelta(days=spec.days_after)
    )
    return Visit(spec.visit_id, spec.label, window, instruments, spec.imaging)
