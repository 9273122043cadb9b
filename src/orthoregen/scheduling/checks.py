"""Start-up checks of a follow-up protocol, for the web layer's system checks."""

from __future__ import annotations

from datetime import date, timedelta

from orthoregen.products.episode import Joint
from orthoregen.scheduling.protocol import KNOWN_INSTRUMENTS, ScheduleProtocol
from orthoregen.scheduling.schedule import build_schedule

# Month lengths repeat every four years (bar century years); a leap cycle covers every case
# of month ends and 29 February.
_LEAP_CYCLE_START = date(2024, 1, 1)
_LEAP_CYCLE_DAYS = 4 * 365 + 1


def protocol_problems(protocol: ScheduleProtocol) -> list[str]:
    """List what is wrong with a protocol; empty when every schedule it builds is usable."""
    problems = _structure_problems(protocol)
    if not problems:
        problems += _overlap_problems(protocol)
    return problems


def _structure_problems(protocol: ScheduleProtocol) -> list[str]:
    problems = []
    ids = [v.visit_id for v in protocol.visits]
    if len(set(ids)) != len(ids):
        problems.append(f"protocol {protocol.version}: visit ids repeat: {ids}")
    for visit in protocol.visits:
        if min(visit.days_before, visit.days_after, visit.months, visit.days) < 0:
            problems.append(f"visit {visit.visit_id}: offsets and window widths must be >= 0")
    joints = [s.joint for s in protocol.instrument_sets]
    for joint in Joint:
        if joints.count(joint) != 1:
            problems.append(
                f"protocol {protocol.version} has {joints.count(joint)} instrument sets for the "
                f"{joint}; expected one"
            )
    for instrument_set in protocol.instrument_sets:
        for choice in instrument_set.choices:
            unknown = sorted(set(choice.options) - KNOWN_INSTRUMENTS)
            if not choice.options or unknown:
                problems.append(
                    f"{instrument_set.joint}: instrument choice {choice.options} has unknown ids"
                )
    for spec in protocol.instructions:
        if spec.from_day < 0 or (spec.to_day is not None and spec.to_day < spec.from_day):
            problems.append(f"instruction {spec.instruction_id}: days out of order")
    return problems


def _overlap_problems(protocol: ScheduleProtocol) -> list[str]:
    problems = set()
    for offset in range(_LEAP_CYCLE_DAYS):
        day = _LEAP_CYCLE_START + timedelta(days=offset)
        visits = build_schedule(protocol, day, joint=Joint.KNEE).visits
        for before, after in zip(visits, visits[1:], strict=False):
            if before.window.latest >= after.window.earliest:
                problems.add(
                    f"windows of {before.visit_id} and {after.visit_id} overlap "
                    f"(e.g. after an administration on {day})"
                )
    return sorted(problems)
