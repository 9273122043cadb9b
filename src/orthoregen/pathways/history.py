"""Check kinds over dated history: washouts after injections and NSAIDs, surgery, trials.

A failing time-limited check gives ``passes_from``, the first day on which it would pass,
so that the engine can say "defer until" instead of "not suitable".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import ClassVar, TypeVar

from orthoregen.pathways.checks import (
    Check,
    Finding,
    failed,
    missing,
    non_negative,
    not_before,
    passed,
    register,
)
from orthoregen.pathways.facts import (
    CandidacyFacts,
    InjectionAgent,
    JointScope,
    PriorInjection,
    PriorSurgery,
    SurgeryKind,
)
from orthoregen.pathways.intervals import add_months

E = TypeVar("E", PriorInjection, PriorSurgery)


def in_target_joint(
    event: PriorInjection | PriorSurgery, facts: CandidacyFacts
) -> bool | None:
    """Say whether an event was in the assessed joint and side (None: side not recorded)."""
    if event.joint is not facts.joint:
        return False
    if event.side is None:
        return None
    return event.side is facts.side


def relevant_events(
    events: Sequence[E],
    facts: CandidacyFacts,
    path: str,
    *,
    include: Callable[[E], bool],
    scope: JointScope = JointScope.THIS_JOINT,
) -> tuple[list[tuple[int, E]], tuple[str, ...]]:
    """Return the events that count (with their index) and the paths of unknown sides.

    With ``this_joint`` an event in the same joint with no side recorded blocks the
    verdict: it may have been this knee, so the rule asks for the side rather than guessing.
    With ``any_joint`` every event of the patient counts, whatever its joint and side.
    """
    counted: list[tuple[int, E]] = []
    unknown: list[str] = []
    for index, event in enumerate(events):
        if not include(event):
            continue
        if scope is JointScope.ANY_JOINT:
            counted.append((index, event))
            continue
        target = in_target_joint(event, facts)
        if target is None:
            unknown.append(f"{path}[{index}].side")
        elif target:
            counted.append((index, event))
    return counted, tuple(unknown)


def _since_last(
    counted: list[tuple[int, E]],
    unknown_sides: tuple[str, ...],
    path: str,
    date_field: str,
    passes_from: Callable[[date], date],
    on_date: date,
) -> Finding:
    """Pass when the latest counted event is far enough back; ask for unknown sides and dates."""
    undated = tuple(
        f"{path}[{index}].{date_field}" for index, event in counted
        if getattr(event, date_field) is None
    )
    if unknown_sides or undated:
        return missing(*unknown_sides, *undated)
    if not counted:
        return passed(**{path: []})
    last: date = max(getattr(event, date_field) for _, event in counted)
    used = {f"last_{date_field}": last, path: [event for _, event in counted]}
    return not_before(passes_from(last), on_date, used)


@register
@dataclass(frozen=True, kw_only=True)
class InjectionWashout(Check):
    """Pass when at least ``days`` have passed since the last injection of ``agents``.

    ``joint_scope`` says which injections count: ``this_joint`` only those into the assessed
    joint and side, ``any_joint`` those into any of the patient's joints (systemic exposure,
    docs/candidacy.md#washouts). A failure's data names the injections that counted (agent,
    joint, side, date), so the reason shown says which injection defers which joint.
    """

    kind: ClassVar[str] = "injection_washout"
    agents: tuple[InjectionAgent, ...]
    joint_scope: JointScope
    days: int

    def __post_init__(self) -> None:
        non_negative(days=self.days)
        if not self.agents:
            raise ValueError("agents must name at least one injection agent")

    def evaluate(self, facts: CandidacyFacts, on_date: date) -> Finding:
        history = facts.prior_injections
        if history is None:
            return missing("prior_injections")
        counted, unknown_sides = relevant_events(
            history, facts, "prior_injections",
            include=lambda shot: shot.agent in self.agents,
            scope=JointScope(self.joint_scope),
        )
        return _since_last(counted, unknown_sides, "prior_injections", "given_on",
                           lambda last: last + timedelta(days=self.days), on_date)


@register
@dataclass(frozen=True)
class NsaidWashout(Check):
    """Pass when at least ``days`` have passed since the last NSAID dose."""

    kind: ClassVar[str] = "nsaid_washout"
    days: int

    def __post_init__(self) -> None:
        non_negative(days=self.days)

    def evaluate(self, facts: CandidacyFacts, on_date: date) -> Finding:
        meds = facts.medications
        if meds.nsaid is None:
            return missing("medications.nsaid")
        if not meds.nsaid:
            return passed(medications__nsaid=False)
        if meds.nsaid_last_dose_on is None:
            return missing("medications.nsaid_last_dose_on", medications__nsaid=True)
        last = {"medications.nsaid_last_dose_on": meds.nsaid_last_dose_on}
        return not_before(meds.nsaid_last_dose_on + timedelta(days=self.days), on_date, last)


@register
@dataclass(frozen=True)
class NoRecentSurgeryOnTarget(Check):
    """Pass when no surgery on the assessed joint and side lies within ``months``."""

    kind: ClassVar[str] = "no_recent_surgery_on_target"
    months: int

    def __post_init__(self) -> None:
        non_negative(months=self.months)

    def evaluate(self, facts: CandidacyFacts, on_date: date) -> Finding:
        history = facts.prior_surgeries
        if history is None:
            return missing("prior_surgeries")
        counted, unknown_sides = relevant_events(
            history, facts, "prior_surgeries", include=lambda op: True
        )
        return _since_last(counted, unknown_sides, "prior_surgeries", "performed_on",
                           lambda last: add_months(last, self.months), on_date)


@register
@dataclass(frozen=True)
class NoArthroplastyOfTarget(Check):
    """Fail when the assessed joint and side has been replaced; its date does not matter."""

    kind: ClassVar[str] = "no_arthroplasty_of_target"

    def evaluate(self, facts: CandidacyFacts, on_date: date) -> Finding:
        history = facts.prior_surgeries
        if history is None:
            return missing("prior_surgeries")
        counted, unknown_sides = relevant_events(
            history, facts, "prior_surgeries",
            include=lambda op: op.kind is SurgeryKind.ARTHROPLASTY,
        )
        if counted:
            return failed(prior_surgeries=[op for _, op in counted])
        if unknown_sides:
            return missing(*unknown_sides)
        return passed(prior_surgeries=[])


@register
@dataclass(frozen=True)
class NoOtherTrialWithin(Check):
    """Fail while enrolled in another trial or within ``days`` of its investigational product."""

    kind: ClassVar[str] = "no_other_trial_within"
    days: int

    def __post_init__(self) -> None:
        non_negative(days=self.days)

    def evaluate(self, facts: CandidacyFacts, on_date: date) -> Finding:
        trial = facts.other_trial
        if trial is None:
            return missing("other_trial")
        if trial.enrolled_now:
            return failed(other_trial__enrolled_now=True)
        last = trial.last_investigational_product_on
        if last is None:
            return passed(other_trial__enrolled_now=False)
        used = {"other_trial.last_investigational_product_on": last}
        return not_before(last + timedelta(days=self.days), on_date, used)

