"""The baseline time point of a joint: its window before treatment and when an answer counts.

A baseline is asked for from the candidacy decision that allows treatment (or from the end of
a deferral) until the day of injection; the injection day is not known when it is asked, so
the window first runs `days_before_injection` days from its opening and is cut to the day of
injection once the administration is recorded. An answer counts as the baseline when it was
given on or before the day of injection and no more than `days_before_injection` days before
it (docs/follow-up.md#baseline): an answer from after the injection measures the treated
joint, and a very old one no longer describes the joint that was treated.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

from orthoregen.scheduling.protocol import BaselineSpec
from orthoregen.scheduling.schedule import Window


class BaselineProblem(StrEnum):
    """Why a treated joint has no baseline that counts."""

    MISSING = "missing"
    AFTER_INJECTION = "after_injection"
    TOO_EARLY = "too_early"


PROBLEM_TEXT = {
    BaselineProblem.MISSING: "no baseline questionnaire",
    BaselineProblem.AFTER_INJECTION: "baseline answered after the injection",
    BaselineProblem.TOO_EARLY: "baseline answered too long before the injection",
}


def baseline_window(spec: BaselineSpec, opens_on: date) -> Window:
    """Return the window of a baseline asked from `opens_on`, the injection day not yet known.

    Its target is its last day: the baseline is due until treatment, not overdue after the
    decision.
    """
    closes = opens_on + timedelta(days=spec.days_before_injection)
    return Window(opens_on, closes, closes)


def baseline_window_treated(opened_on: date, administered_on: date) -> Window:
    """Return a baseline window cut at the day of injection (it never reaches past it)."""
    earliest = min(opened_on, administered_on)
    return Window(earliest, administered_on, administered_on)


def baseline_problem(spec: BaselineSpec, administered_on: date,
                     answered_on: date | None) -> BaselineProblem | None:
    """Say why an answer of `answered_on` is not the baseline of an injection, or None if it is.

    `answered_on` None means no baseline answer at all.
    """
    if answered_on is None:
        return BaselineProblem.MISSING
    if answered_on > administered_on:
        return BaselineProblem.AFTER_INJECTION
    if answered_on < administered_on - timedelta(days=spec.days_before_injection):
        return BaselineProblem.TOO_EARLY
    return None

