"""Check kinds: typed predicates over candidacy facts, with thresholds as parameters.

A rule names one check object (``MinimumAge(years=18)``) rather than an operator string,
so a clinic changes a threshold by changing a typed parameter, and a typo fails when the
protocol is loaded, not on a clinic day. Every check returns a ``Finding`` that says
whether it passed, failed or lacked data, which data it read, and, for time-limited
failures such as a washout, the first date on which it would pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, ClassVar, TypeVar

from orthoregen.pathways.facts import CandidacyFacts
from orthoregen.pathways.snapshot import to_jsonable
from orthoregen.vocabulary import GRADE_RANGE, SCALES_BY_JOINT, GradeScale, Joint


class RuleStatus(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_APPLICABLE = "not_applicable"
    MISSING = "missing"


@dataclass(frozen=True)
class Finding:
    """Say what one check concluded and from which facts (paths as in ``facts_to_dict``)."""

    status: RuleStatus
    data_used: tuple[tuple[str, Any], ...] = ()
    missing: tuple[str, ...] = ()
    passes_from: date | None = None


def data(**values: Any) -> tuple[tuple[str, Any], ...]:
    """Return fact values as (path, JSON-ready value) pairs; ``__`` in a name stands for a dot."""
    return tuple((name.replace("__", "."), to_jsonable(value)) for name, value in values.items())


def passed(**values: Any) -> Finding:
    return Finding(RuleStatus.PASSED, data(**values))


def failed(**values: Any) -> Finding:
    return Finding(RuleStatus.FAILED, data(**values))


def failed_until(passes_from: date, /, **values: Any) -> Finding:
    """Fail a time-limited check that will pass from ``passes_from``."""
    return Finding(RuleStatus.FAILED, data(**values), passes_from=passes_from)


def missing(*paths: str, **values: Any) -> Finding:
    return Finding(RuleStatus.MISSING, data(**values), missing=paths)


def not_applicable(**values: Any) -> Finding:
    return Finding(RuleStatus.NOT_APPLICABLE, data(**values))


def at_least(value: float | None, limit: float, path: str) -> Finding:
    """Pass when a known ``value`` is at least ``limit``."""
    if value is None:
        return missing(path)
    finding = passed if value >= limit else failed
    return finding(**{path: value})


def at_most(value: float | None, limit: float, path: str) -> Finding:
    """Pass when a known ``value`` is at most ``limit``."""
    if value is None:
        return missing(path)
    finding = passed if value <= limit else failed
    return finding(**{path: value})


def not_before(start: date, on_date: date, path_values: dict[str, Any]) -> Finding:
    """Pass when ``on_date`` has reached ``start``; otherwise fail until ``start``."""
    if on_date >= start:
        return passed(**path_values)
    return failed_until(start, **path_values)


class Check:
    """Base of every check kind; subclasses are frozen dataclasses with typed parameters."""

    kind: ClassVar[str]

    def evaluate(self, facts: CandidacyFacts, on_date: date) -> Finding:
        raise NotImplementedError

    def validate_for(self, joints: frozenset[Joint]) -> None:
        """Raise ValueError when the check cannot apply to a rule scoped to ``joints``."""


CHECK_KINDS: dict[str, type[Check]] = {}


C = TypeVar("C", bound=type[Check])


def register(cls: C) -> C:
    """Add a check kind to the registry that protocols are read against."""
    if cls.kind in CHECK_KINDS:
        raise ValueError(f"check kind {cls.kind!r} registered twice")
    CHECK_KINDS[cls.kind] = cls
    return cls


def non_negative(**values: float) -> None:
    """Raise ValueError for a negative threshold (days, months, degrees, limits)."""
    for name, value in values.items():
        if value < 0:
            raise ValueError(f"{name} cannot be negative, got {value}")


@register
@dataclass(frozen=True)
class MinimumAge(Check):
    kind: ClassVar[str] = "minimum_age"
    years: int

    def __post_init__(self) -> None:
        non_negative(years=self.years)

    def evaluate(self, facts: CandidacyFacts, on_date: date) -> Finding:
        return at_least(facts.age_years, self.years, "age_years")


@register
@dataclass(frozen=True)
class MaximumAge(Check):
    kind: ClassVar[str] = "maximum_age"
    years: int

    def __post_init__(self) -> None:
        non_negative(years=self.years)

    def evaluate(self, facts: CandidacyFacts, on_date: date) -> Finding:
        return at_most(facts.age_years, self.years, "age_years")


@register
@dataclass(frozen=True)
class MaximumBmi(Check):
    kind: ClassVar[str] = "maximum_bmi"
    kg_m2: float

    def __post_init__(self) -> None:
        non_negative(kg_m2=self.kg_m2)

    def evaluate(self, facts: CandidacyFacts, on_date: date) -> Finding:
        return at_most(facts.bmi_kg_m2, self.kg_m2, "bmi_kg_m2")


@register
@dataclass(frozen=True)
class MinimumSymptomDuration(Check):
    kind: ClassVar[str] = "minimum_symptom_duration"
    months: int

    def __post_init__(self) -> None:
        non_negative(months=self.months)

    def evaluate(self, facts: CandidacyFacts, on_date: date) -> Finding:
        return at_least(facts.symptom_duration_months, self.months, "symptom_duration_months")


@register
@dataclass(frozen=True)
class MinimumFailedConservativeCare(Check):
    """Count distinct documented non-operative treatments that failed."""

    kind: ClassVar[str] = "minimum_failed_conservative_care"
    treatments: int

    def __post_init__(self) -> None:
        non_negative(treatments=self.treatments)

    def evaluate(self, facts: CandidacyFacts, on_date: date) -> Finding:
        tried = facts.failed_conservative_care
        if tried is None:
            return missing("failed_conservative_care")
        finding = passed if len(set(tried)) >= self.treatments else failed
        return finding(failed_conservative_care=tried)


@register
@dataclass(frozen=True, kw_only=True)
class RadiographicGradeWithin(Check):
    """Pass when the grade on ``scale`` lies in ``lowest``..``highest``; other scales: n/a."""

    kind: ClassVar[str] = "radiographic_grade_within"
    scale: GradeScale
    lowest: int
    highest: int

    def __post_init__(self) -> None:
        bottom, top = GRADE_RANGE[self.scale]
        if not bottom <= self.lowest <= self.highest <= top:
            raise ValueError(f"grade range {self.lowest}-{self.highest} is not within "
                             f"{bottom}-{top}")

    def validate_for(self, joints: frozenset[Joint]) -> None:
        wrong = sorted(joint for joint in joints if self.scale not in SCALES_BY_JOINT[joint])
        if wrong:
            raise ValueError(f"the {self.scale} scale is not used for {', '.join(wrong)}")

    def evaluate(self, facts: CandidacyFacts, on_date: date) -> Finding:
        grade = facts.radiograph
        if grade is None:
            return missing("radiograph")
        if grade.scale != self.scale:
            return not_applicable(radiograph__scale=grade.scale)
        within = self.lowest <= grade.grade <= self.highest
        finding = passed if within else failed
        return finding(radiograph__scale=grade.scale, radiograph__grade=grade.grade)


@register
@dataclass(frozen=True)
class MaximumMalalignment(Check):
    kind: ClassVar[str] = "maximum_malalignment"
    degrees: float

    def __post_init__(self) -> None:
        non_negative(degrees=self.degrees)

    def evaluate(self, facts: CandidacyFacts, on_date: date) -> Finding:
        return at_most(
            facts.examination.varus_valgus_degrees, self.degrees, "examination.varus_valgus_degrees"
        )


@register
@dataclass(frozen=True)
class BaselinePainRecorded(Check):
    """Pass when a baseline pain score is recorded; there is no threshold to meet."""

    kind: ClassVar[str] = "baseline_pain_recorded"

    def evaluate(self, facts: CandidacyFacts, on_date: date) -> Finding:
        if facts.baseline_pain is None:
            return missing("baseline_pain")
        return passed(baseline_pain=facts.baseline_pain)
