"""Start-up checks of a follow-up protocol, for the web layer's system checks."""

from __future__ import annotations

from datetime import date, timedelta

from orthoregen.instruments import get_instrument
from orthoregen.instruments.definitions import CompletedBy
from orthoregen.products.episode import Joint
from orthoregen.scheduling.protocol import (
    KNOWN_INSTRUMENTS,
    InstrumentChoice,
    ReportedBy,
    ScheduleProtocol,
)
from orthoregen.scheduling.schedule import target_date

# Month lengths repeat every four years (bar century years); a leap cycle covers every case
# of month ends and 29 February.
_LEAP_CYCLE_START = date(2024, 1, 1)
_LEAP_CYCLE_DAYS = 4 * 365 + 1


def protocol_problems(protocol: ScheduleProtocol) -> list[str]:
    """List what is wrong with a protocol; empty when every schedule it builds is usable."""
    return visit_problems(protocol) + instrument_set_problems(protocol)


def visit_problems(protocol: ScheduleProtocol) -> list[str]:
    """List what is wrong with the visits and instructions: ids, negative days, overlaps."""
    problems = _structure_problems(protocol)
    if not problems:
        problems += _overlap_problems(protocol)
    return problems


def instrument_set_problems(protocol: ScheduleProtocol) -> list[str]:
    """List what is wrong with the instruments asked per joint (one set each, fit for it)."""
    problems = []
    joints = [s.joint for s in protocol.instrument_sets]
    for joint in Joint:
        if joints.count(joint) != 1:
            problems.append(
                f"protocol {protocol.version} has {joints.count(joint)} instrument sets for the "
                f"{joint}; expected one"
            )
    for instrument_set in protocol.instrument_sets:
        for choice in instrument_set.choices:
            problems += _choice_problems(instrument_set.joint, choice)
    return problems


def _structure_problems(protocol: ScheduleProtocol) -> list[str]:
    problems = []
    ids = [v.visit_id for v in protocol.visits]
    if len(set(ids)) != len(ids):
        problems.append(f"protocol {protocol.version}: visit ids repeat: {ids}")
    if protocol.baseline.visit_id in ids:
        problems.append(f"protocol {protocol.version}: visit id {protocol.baseline.visit_id!r} "
                        "is the baseline's; give the visit another id")
    if protocol.baseline.days_before_injection < 1:
        problems.append("baseline: days_before_injection must be at least 1")
    for visit in protocol.visits:
        if min(visit.days_before, visit.days_after, visit.months, visit.days) < 0:
            problems.append(f"visit {visit.visit_id}: offsets and window widths must be >= 0")
    for spec in protocol.instructions:
        if spec.from_day < 0 or (spec.to_day is not None and spec.to_day < spec.from_day):
            problems.append(f"instruction {spec.instruction_id}: days out of order")
    return problems


def _choice_problems(joint: Joint, choice: InstrumentChoice) -> list[str]:
    unknown = sorted(set(choice.options) - KNOWN_INSTRUMENTS)
    if not choice.options or unknown:
        return [f"{joint}: instrument choice {list(choice.options)} has unknown ids {unknown}"]
    problems = []
    for option in choice.options:
        instrument = get_instrument(option)
        if joint.value not in instrument.joints:
            problems.append(
                f"{joint}: {option} is not an instrument for the {joint} "
                f"(it is for the {', '.join(instrument.joints)})"
            )
        # A clinician's examination form sent through a patient's link would come back
        # filled in by the patient.
        if choice.reported_by is ReportedBy.PATIENT and (
            instrument.completed_by is CompletedBy.CLINICIAN
        ):
            problems.append(
                f"{joint}: {option} is completed by a clinician, but the choice is "
                "reported_by patient"
            )
    return problems


def _overlap_problems(protocol: ScheduleProtocol) -> list[str]:
    # Windows are computed here as build_schedule does, without its instrument lookup, so a
    # protocol missing a joint's instruments still has its windows checked. Each pair is
    # reported once, with the first administration date on which its windows overlap.
    first_overlap: dict[tuple[str, str], date] = {}
    for offset in range(_LEAP_CYCLE_DAYS):
        day = _LEAP_CYCLE_START + timedelta(days=offset)
        for before, after in zip(protocol.visits, protocol.visits[1:], strict=False):
            latest = target_date(before, day) + timedelta(days=before.days_after)
            earliest = target_date(after, day) - timedelta(days=after.days_before)
            if latest >= earliest:
                first_overlap.setdefault((before.visit_id, after.visit_id), day)
    return [
        f"windows of {before} and {after} overlap (e.g. after an administration on {day})"
        for (before, after), day in first_overlap.items()
    ]
