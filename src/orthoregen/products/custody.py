"""Custody events: each change of a unit's status, with who did it and where.

The time of the event is passed to `status.transition` beside the event. Every transition
records its actor, time, location and reason, and custody events are an append-only audit
trail: records kept to meet FDA requirements are electronic records under 21 CFR Part 11
(docs/cell-products.md#chain-of-custody).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from orthoregen.products.episode import IssueTarget
from orthoregen.products.release import ReleaseOutcome


class Sterility(StrEnum):
    PENDING = "pending"
    NEGATIVE = "negative"
    POSITIVE = "positive"


@dataclass(frozen=True, kw_only=True)
class UnitEvent:
    actor: str
    location: str = ""


@dataclass(frozen=True, kw_only=True)
class BeginProcessing(UnitEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class PlaceInQuarantine(UnitEvent):
    reason: str


@dataclass(frozen=True, kw_only=True)
class ReleaseEvent(UnitEvent):
    """What every release records: its named approver and the unit's release evaluation.

    `evaluation` is release.evaluate_release's outcome for this unit (stored as text).
    """

    approver: str
    evaluation: ReleaseOutcome

    def __post_init__(self) -> None:
        object.__setattr__(self, "evaluation", ReleaseOutcome(self.evaluation))


@dataclass(frozen=True, kw_only=True)
class Release(ReleaseEvent):
    """Full release."""


@dataclass(frozen=True, kw_only=True)
class ConditionalRelease(ReleaseEvent):
    """Release pending sterility: named approver, reason, and a conditional evaluation.

    See docs/cell-products.md#conditional-release-pending-sterility.
    """

    reason: str


@dataclass(frozen=True, kw_only=True)
class Reject(UnitEvent):
    reason: str


@dataclass(frozen=True, kw_only=True)
class RecordSterility(UnitEvent):
    result: Sterility

    def __post_init__(self) -> None:
        object.__setattr__(self, "result", Sterility(self.result))


@dataclass(frozen=True, kw_only=True)
class Issue(UnitEvent):
    target: IssueTarget


@dataclass(frozen=True, kw_only=True)
class Thaw(UnitEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class Administer(UnitEvent):
    target: IssueTarget


@dataclass(frozen=True, kw_only=True)
class Return(UnitEvent):
    reason: str


@dataclass(frozen=True, kw_only=True)
class Discard(UnitEvent):
    reason: str


@dataclass(frozen=True, kw_only=True)
class Recall(UnitEvent):
    reason: str


@dataclass(frozen=True, kw_only=True)
class Expire(UnitEvent):
    pass
