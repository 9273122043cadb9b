"""Product unit status machine: every transition is a custody event with a guard.

Sources: the status model (`CFG`), docs/cell-products.md#product-status; conditional release
pending sterility (Gram stain, endotoxin, named approver and reason),
docs/cell-products.md#conditional-release-pending-sterility; the post-thaw hold time (no
validated value is a hard stop), docs/cell-products.md#post-thaw-hold; units stay in
quarantine until the donor is eligible (21 CFR 1271.60). A hold (the flag
ON_HOLD_INVESTIGATION beside the status) keeps the unit's status. Every step towards a patient
(release, issue, thaw, administration, and the bedside check) asks `safety_problems` at that
moment and refuses a unit on hold, from a donor not eligible, without a documented release
(the release step aside) or past its expiry, naming each reason.

States: COLLECTED -> IN_PROCESS -> QUARANTINE -> RELEASED | CONDITIONALLY_RELEASED | REJECTED;
released -> ISSUED -> (THAWED) -> ADMINISTERED, or RETURNED / DISCARDED. RECALLED and EXPIRED
end a unit that has not gone into a patient; an administered unit stays ADMINISTERED and is
reached by look-back instead, so the record of what a patient received is never rewritten.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from orthoregen.products.custody import (
    Administer,
    BeginProcessing,
    ConditionalRelease,
    Discard,
    Expire,
    Issue,
    PlaceInQuarantine,
    Recall,
    RecordSterility,
    Reject,
    Release,
    Return,
    Sterility,
    Thaw,
    UnitEvent,
)
from orthoregen.products.donor import DonorEligibility
from orthoregen.products.episode import IssueTarget
from orthoregen.products.release import ReleaseOutcome


class UnitStatus(StrEnum):
    COLLECTED = "collected"
    IN_PROCESS = "in_process"
    QUARANTINE = "quarantine"
    RELEASED = "released"
    CONDITIONALLY_RELEASED = "conditionally_released"
    REJECTED = "rejected"
    ISSUED = "issued"
    THAWED = "thawed"
    ADMINISTERED = "administered"
    RETURNED = "returned"
    DISCARDED = "discarded"
    RECALLED = "recalled"
    EXPIRED = "expired"


S = UnitStatus
RELEASED_STATES = frozenset({S.RELEASED, S.CONDITIONALLY_RELEASED})
NOT_YET_IN_A_PATIENT = frozenset(
    {S.COLLECTED, S.IN_PROCESS, S.QUARANTINE, S.RELEASED, S.CONDITIONALLY_RELEASED}
    | {S.ISSUED, S.THAWED, S.RETURNED}
)


# Statuses only a release leads to: a unit in one of them has been released, unless its record
# lacks the release approver, which every release names.
PAST_RELEASE = RELEASED_STATES | {S.ISSUED, S.THAWED}


class Unsafe(StrEnum):
    """Why a unit may not take a step towards a patient at a given moment."""

    ON_HOLD = "on_hold"
    DONOR_NOT_ELIGIBLE = "donor_not_eligible"
    NOT_RELEASED = "not_released"
    EXPIRED = "expired"


@dataclass(frozen=True)
class SafetyProblem:
    kind: Unsafe
    message: str


class TransitionRefused(ValueError):
    """A status change the product status model does not allow, with the reason.

    `problems` lists every safety reason (hold, donor, release, expiry) when those refused it.
    """

    def __init__(self, message: str, problems: tuple[SafetyProblem, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems


@dataclass(frozen=True)
class UnitState:
    """What the status machine needs to know about one unit (lot, bag, vial or syringe)."""

    unit_id: str
    status: UnitStatus
    expires_at: datetime
    sterility: Sterility = Sterility.PENDING
    # None for autologous units: 21 CFR 1271.90 needs no donor eligibility determination.
    donor_eligibility: DonorEligibility | None = None
    is_cryopreserved: bool = False
    max_post_thaw_hold_minutes: int | None = None
    issued_to: IssueTarget | None = None
    thawed_at: datetime | None = None
    release_approver: str | None = None
    # Why the unit is on hold (e.g. an open product investigation of its lot); "" if it is not.
    hold_reason: str = ""

    def __post_init__(self) -> None:
        _require_aware(self.expires_at)
        # Values from the database arrive as text; the guards compare enum members.
        object.__setattr__(self, "status", UnitStatus(self.status))
        object.__setattr__(self, "sterility", Sterility(self.sterility))
        if self.donor_eligibility is not None:
            object.__setattr__(self, "donor_eligibility", DonorEligibility(self.donor_eligibility))


# Which statuses each event may leave from (docs/cell-products.md#product-status).
ALLOWED_FROM: dict[type[UnitEvent], frozenset[UnitStatus]] = {
    BeginProcessing: frozenset({S.COLLECTED}),
    PlaceInQuarantine: frozenset({S.COLLECTED, S.IN_PROCESS, S.RETURNED} | RELEASED_STATES),
    Release: frozenset({S.QUARANTINE}),
    ConditionalRelease: frozenset({S.QUARANTINE}),
    Reject: frozenset({S.QUARANTINE}),
    RecordSterility: frozenset(UnitStatus),
    Issue: RELEASED_STATES,
    Thaw: frozenset({S.ISSUED}),
    Administer: frozenset({S.ISSUED, S.THAWED}),
    Return: frozenset({S.ISSUED}),
    Discard: NOT_YET_IN_A_PATIENT | {S.REJECTED, S.RECALLED, S.EXPIRED},
    Recall: NOT_YET_IN_A_PATIENT,
    Expire: NOT_YET_IN_A_PATIENT,
}


def transition(state: UnitState, event: UnitEvent, *, at: datetime) -> UnitState:
    """Return the unit's state after `event` at `at`, or raise TransitionRefused saying why."""
    _require_aware(at)
    # 3.7: every transition records its actor; an anonymous custody event is no record.
    _need(event.actor, "every custody event needs the person who did it")
    allowed = ALLOWED_FROM[type(event)]
    if state.status not in allowed:
        raise TransitionRefused(
            f"cannot {_verb(event)} unit {state.unit_id}: it is {state.status}; "
            f"allowed only from {', '.join(sorted(allowed))}"
        )
    return _APPLY[type(event)](state, event, at)


def is_expired(state: UnitState, at: datetime) -> bool:
    """Tell whether the unit's expiry date-time has been reached (ISBT 128 DS005)."""
    _require_aware(at)
    return at >= state.expires_at


def effective_status(state: UnitState, at: datetime) -> UnitStatus:
    """Return the status to show at `at`: EXPIRED once a unit not yet given is past its expiry.

    The stored status changes only by a custody event (`Expire`), which may come later than
    the expiry itself; a screen must not say "released" or "issued" for an expired unit.
    """
    if state.status in NOT_YET_IN_A_PATIENT and is_expired(state, at):
        return S.EXPIRED
    return state.status


def safety_problems(
    state: UnitState, at: datetime, *, needs_release: bool = True
) -> tuple[SafetyProblem, ...]:
    """Return every reason the unit may not move towards a patient at `at`; () if none.

    A hold (an open investigation of the lot), a donor not eligible (21 CFR 1271.60: quarantine
    until the donor is eligible), no documented release (21 CFR 1271.265(c): a responsible
    person documents that release criteria are met) and expiry at that moment (ICCBBA ST-001
    DS005). `needs_release` is False for the release step itself. Every step towards a patient
    (release, issue, thaw, bedside check, administration) asks this same question.
    """
    problems = []
    if state.hold_reason:
        problems.append(SafetyProblem(Unsafe.ON_HOLD, f"it is on hold: {state.hold_reason}"))
    eligibility = state.donor_eligibility
    if eligibility is not None and eligibility is not DonorEligibility.ELIGIBLE:
        problems.append(
            SafetyProblem(
                Unsafe.DONOR_NOT_ELIGIBLE,
                f"its donor is {eligibility}; units stay in quarantine until the donor is "
                "eligible (21 CFR 1271.60)",
            )
        )
    if needs_release and not is_released(state):
        problems.append(SafetyProblem(Unsafe.NOT_RELEASED, _not_released_message(state)))
    if is_expired(state, at):
        problems.append(
            SafetyProblem(Unsafe.EXPIRED, f"it expired at {state.expires_at.isoformat()}")
        )
    return tuple(problems)


def is_released(state: UnitState) -> bool:
    """Tell whether the unit has a documented release: a released status and its approver."""
    return state.status in PAST_RELEASE and bool(state.release_approver)


def _not_released_message(state: UnitState) -> str:
    if state.status in PAST_RELEASE:
        return f"it is {state.status} but no release approver is on record"
    return f"it is {state.status}, not released"


def hold_time_exceeded_by(state: UnitState, at: datetime) -> timedelta | None:
    """Return how far past its validated post-thaw hold a thawed unit is, else None."""
    if state.thawed_at is None or state.max_post_thaw_hold_minutes is None:
        return None
    over = at - state.thawed_at - timedelta(minutes=state.max_post_thaw_hold_minutes)
    return over if over > timedelta(0) else None


def _begin(state: UnitState, event: BeginProcessing, at: datetime) -> UnitState:
    return replace(state, status=S.IN_PROCESS)


def _quarantine(state: UnitState, event: PlaceInQuarantine, at: datetime) -> UnitState:
    _need(event.reason, "placing a unit in quarantine needs a reason")
    return replace(state, status=S.QUARANTINE, release_approver=None)


def _release(state: UnitState, event: Release, at: datetime) -> UnitState:
    _need(event.approver, "a release needs a named approver")
    _refuse_if_unsafe(state, at, "release", needs_release=False)
    if event.evaluation is not ReleaseOutcome.FULL:
        raise TransitionRefused(
            f"cannot release unit {state.unit_id}: its QC evaluation against the release "
            f"specification is {event.evaluation}, not full"
        )
    if state.sterility is not Sterility.NEGATIVE:
        raise TransitionRefused(
            f"cannot release unit {state.unit_id}: sterility is {state.sterility}; "
            "release it conditionally pending sterility (with approver and reason) instead"
            if state.sterility is Sterility.PENDING
            else f"cannot release unit {state.unit_id}: sterility culture is positive"
        )
    return replace(state, status=S.RELEASED, release_approver=event.approver)


def _conditional_release(state: UnitState, event: ConditionalRelease, at: datetime) -> UnitState:
    _need(event.approver, "a conditional release needs a named approver")
    _need(event.reason, "a conditional release needs the reason it cannot wait for sterility")
    _refuse_if_unsafe(state, at, "release", needs_release=False)
    if state.sterility is not Sterility.PENDING:
        raise TransitionRefused(
            f"cannot release unit {state.unit_id} pending sterility: sterility is already "
            f"{state.sterility}"
        )
    if event.evaluation is not ReleaseOutcome.CONDITIONAL_PENDING_STERILITY:
        raise TransitionRefused(
            f"cannot release unit {state.unit_id} pending sterility: its QC evaluation is "
            f"{event.evaluation}; every other test must pass, with a negative Gram stain and "
            "a passing endotoxin result"
        )
    return replace(state, status=S.CONDITIONALLY_RELEASED, release_approver=event.approver)


def _reject(state: UnitState, event: Reject, at: datetime) -> UnitState:
    _need(event.reason, "a rejection needs a reason")
    return replace(state, status=S.REJECTED)


def _record_sterility(state: UnitState, event: RecordSterility, at: datetime) -> UnitState:
    # Labs repeat cultures (a confirmatory re-culture, a second bottle): every final result is
    # recorded and the latest decides the unit's sterility. A positive stops the unit as the
    # first would; a negative after a positive changes the sterility only, as nothing leads
    # back from rejected or recalled: a unit stopped once is not released by a later culture.
    if event.result is Sterility.PENDING:
        raise TransitionRefused("a sterility result is negative or positive, not pending")
    if event.result is Sterility.NEGATIVE:
        promoted = S.RELEASED if state.status is S.CONDITIONALLY_RELEASED else state.status
        return replace(state, sterility=Sterility.NEGATIVE, status=promoted)
    # Positive culture (docs/cell-products.md#sterility): stop any unit not yet in a patient;
    # an administered one keeps its
    # status and the service opens an investigation linked to the administration.
    if state.status in {S.COLLECTED, S.IN_PROCESS, S.QUARANTINE}:
        status = S.REJECTED
    elif state.status in NOT_YET_IN_A_PATIENT:
        status = S.RECALLED
    else:
        status = state.status
    return replace(state, sterility=Sterility.POSITIVE, status=status)


def _issue(state: UnitState, event: Issue, at: datetime) -> UnitState:
    # A re-opened donor determination stops units already released
    # (docs/cell-products.md#eligibility-states).
    _refuse_if_unsafe(state, at, "issue")
    return replace(state, status=S.ISSUED, issued_to=event.target)


def _thaw(state: UnitState, event: Thaw, at: datetime) -> UnitState:
    if not state.is_cryopreserved:
        raise TransitionRefused(
            f"unit {state.unit_id} is fresh, not cryopreserved: nothing to thaw"
        )
    if state.max_post_thaw_hold_minutes is None:
        raise TransitionRefused(
            f"unit {state.unit_id} has no validated post-thaw hold time: it cannot be made "
            "ready for administration"
        )
    # The donor may have been re-opened, or the lot held, since the unit was issued.
    _refuse_if_unsafe(state, at, "thaw")
    return replace(state, status=S.THAWED, thawed_at=at)


def _administer(state: UnitState, event: Administer, at: datetime) -> UnitState:
    assert state.issued_to is not None  # every ISSUED or THAWED state came through _issue
    if event.target != state.issued_to:
        raise TransitionRefused(
            f"unit {state.unit_id} was issued to {state.issued_to.describe()}, "
            f"not to {event.target.describe()}"
        )
    _refuse_if_unsafe(state, at, "administer")
    if state.is_cryopreserved and state.status is not S.THAWED:
        raise TransitionRefused(f"unit {state.unit_id} is cryopreserved and not yet thawed")
    over = hold_time_exceeded_by(state, at)
    if over is not None:
        raise TransitionRefused(
            f"unit {state.unit_id} is past its post-thaw hold time of "
            f"{state.max_post_thaw_hold_minutes} min by {_minutes(over)} min"
        )
    return replace(state, status=S.ADMINISTERED)


def _return(state: UnitState, event: Return, at: datetime) -> UnitState:
    _need(event.reason, "a return needs a reason")
    return replace(state, status=S.RETURNED, issued_to=None)


def _discard(state: UnitState, event: Discard, at: datetime) -> UnitState:
    _need(event.reason, "a discard needs a reason")
    return replace(state, status=S.DISCARDED)


def _recall(state: UnitState, event: Recall, at: datetime) -> UnitState:
    _need(event.reason, "a recall needs a reason")
    return replace(state, status=S.RECALLED)


def _expire(state: UnitState, event: Expire, at: datetime) -> UnitState:
    if not is_expired(state, at):
        raise TransitionRefused(
            f"unit {state.unit_id} does not expire until {state.expires_at.isoformat()}"
        )
    return replace(state, status=S.EXPIRED)


_APPLY: dict[type[UnitEvent], Callable[[UnitState, Any, datetime], UnitState]] = {
    BeginProcessing: _begin,
    PlaceInQuarantine: _quarantine,
    Release: _release,
    ConditionalRelease: _conditional_release,
    Reject: _reject,
    RecordSterility: _record_sterility,
    Issue: _issue,
    Thaw: _thaw,
    Administer: _administer,
    Return: _return,
    Discard: _discard,
    Recall: _recall,
    Expire: _expire,
}

_VERBS = {
    BeginProcessing: "begin processing",
    PlaceInQuarantine: "quarantine",
    Release: "release",
    ConditionalRelease: "conditionally release",
    Reject: "reject",
    RecordSterility: "record sterility of",
    Issue: "issue",
    Thaw: "thaw",
    Administer: "administer",
    Return: "return",
    Discard: "discard",
    Recall: "recall",
    Expire: "expire",
}


def _verb(event: UnitEvent) -> str:
    return _VERBS[type(event)]


def _refuse_if_unsafe(
    state: UnitState, at: datetime, action: str, *, needs_release: bool = True
) -> None:
    problems = safety_problems(state, at, needs_release=needs_release)
    if problems:
        reasons = "; ".join(problem.message for problem in problems)
        raise TransitionRefused(f"cannot {action} unit {state.unit_id}: {reasons}", problems)


def _need(text: str, message: str) -> None:
    if not text.strip():
        raise TransitionRefused(message)


def _require_aware(at: datetime) -> None:
    if at.tzinfo is None:
        raise ValueError("times must carry a time zone; a naive time is ambiguous across zones")


def _minutes(delta: timedelta) -> int:
    return -(-int(delta.total_seconds()) // 60)
