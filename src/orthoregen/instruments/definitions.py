"""Instruments as data: items, response codes, subscales, thresholds, licences and options.

Item ids, response codes and scoring rules are facts and live here; item wording is
licensed expression and lives in text packs (docs/instruments.md#licences-and-item-wording).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Protocol

import numpy as np


class CompletedBy(StrEnum):
    PATIENT = "patient"
    CLINICIAN = "clinician"
    PATIENT_AND_CLINICIAN = "patient and clinician"


class Evidence(StrEnum):
    """How well a rule or a value is supported ([V], [S], [U]; docs/README.md#evidence-levels)."""

    VERIFIED = "V"
    SECONDARY = "S"
    UNVERIFIED = "U"


class ThresholdKind(StrEnum):
    MCII = "MCII"  # minimal clinically important improvement
    MCID = "MCID"  # minimal clinically important difference
    MIC = "MIC"  # minimal important change (within person)
    MID = "MID"  # minimal important difference between groups
    PASS = "PASS"  # patient acceptable symptom state
    MDC95 = "MDC95"  # minimal detectable change, 95 % confidence
    MDC90 = "MDC90"
    MDC = "MDC"  # confidence level not recorded by the source we have
    SCB = "SCB"  # substantial clinical benefit
    MODERATE_IMPROVEMENT = "moderate improvement"


class ThresholdBasis(StrEnum):
    """Whether a threshold is in the subscale's own units or a percentage of the baseline."""

    ABSOLUTE = "absolute"
    PERCENTAGE = "percentage"  # change as % of the baseline value (unit "%")


@dataclass(frozen=True, kw_only=True)
class Threshold:
    """A published reference value for one subscale, with where it came from and for whom.

    `subscale` is None when the source does not say which subscale it refers to.
    Improvement thresholds (MCII, MCID, MIC, SCB …) carry the sign of an improvement on
    that subscale's scale (VAS MCII −19.9 mm); MDC and MID values are magnitudes. A
    percentage threshold has `basis` PERCENTAGE and unit "%" (the two must agree, since
    readers such as the registry dashboard skip "%" values).
    """

    subscale: str | None
    kind: ThresholdKind
    value: float
    unit: str
    joint: str | None
    population: str
    source: str
    evidence: Evidence
    basis: ThresholdBasis = ThresholdBasis.ABSOLUTE
    note: str = ""

    def __post_init__(self) -> None:
        if (self.unit == "%") != (self.basis is ThresholdBasis.PERCENTAGE):
            raise ValueError(f"threshold {self.kind} {self.value} {self.unit}: basis {self.basis}")


@dataclass(frozen=True, kw_only=True)
class Study:
    """One publication's cohort: the source, population, joint and evidence level that all
    the thresholds it reports share, so each threshold names only what is its own.
    """

    source: str
    population: str
    joint: str | None
    evidence: Evidence = Evidence.VERIFIED

    def threshold(
        self,
        subscale: str | None,
        kind: ThresholdKind,
        value: float,
        *,
        unit: str = "points",
        note: str = "",
    ) -> Threshold:
        """Return one reported value; a unit of "%" is a change as a percentage of baseline."""
        return Threshold(
            subscale=subscale,
            kind=kind,
            value=value,
            unit=unit,
            joint=self.joint,
            population=self.population,
            source=self.source,
            evidence=self.evidence,
            basis=ThresholdBasis.PERCENTAGE if unit == "%" else ThresholdBasis.ABSOLUTE,
            note=note,
        )


@dataclass(frozen=True, kw_only=True)
class Licence:
    owner: str
    terms: str
    ships_wording: bool  # may the item wording be distributed with this open-source code?


@dataclass(frozen=True, kw_only=True)
class Scale:
    """A measured value accepted anywhere from `minimum` to `maximum` in `unit`."""

    minimum: float
    maximum: float
    unit: str
    whole_numbers: bool = True


@dataclass(frozen=True, kw_only=True)
class Item:
    """One question or measurement; `options` are the labelled codes (anchors for a scale).

    Without a `scale` only the option codes are accepted. `higher_is_better` orders the
    codes (None when the order carries no better/worse meaning).
    """

    id: str
    topic: str
    options: tuple[float, ...]
    scale: Scale | None = None
    higher_is_better: bool | None = False

    def accepts(self, value: float) -> bool:
        """Return whether a numeric code is one this item allows."""
        if self.scale is None:
            return value in self.options
        if not self.scale.minimum <= value <= self.scale.maximum:
            return False
        return not self.scale.whole_numbers or float(value).is_integer()

    def allowed(self) -> str:
        """Describe the accepted codes, for error messages."""
        if self.scale is None:
            return "one of " + ", ".join(format_code(code) for code in self.options)
        kind = "a whole number" if self.scale.whole_numbers else "a number"
        low, high = format_code(self.scale.minimum), format_code(self.scale.maximum)
        return f"{kind} from {low} to {high} {self.scale.unit}".rstrip()


def format_code(code: float) -> str:
    """Write a response code the way a person would (3, not 3.0)."""
    number = float(code)
    return str(int(number)) if number.is_integer() else repr(number)


class Rule(Protocol):
    """A subscale's scoring rule, written twice: per response and vectorised per batch."""

    @property
    def formula(self) -> str: ...

    @property
    def missing_rule(self) -> str: ...

    def score_one(self, values: Sequence[float | None]) -> tuple[float | None, str | None]: ...

    def score_many(self, block: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True, kw_only=True)
class Subscale:
    """A reported score: its items (in definition order), rule, range and direction."""

    id: str
    name: str
    items: tuple[str, ...]
    rule: Rule
    minimum: float
    maximum: float
    higher_is_better: bool
    decimals: int = 1  # for display only; full precision is kept
    loinc: str | None = None


@dataclass(frozen=True, kw_only=True)
class OptionSpec:
    """A scoring choice the sources leave open, with its default.

    See docs/instruments.md#open-questions.
    """

    name: str
    choices: tuple[str, ...]
    default: str
    description: str


@dataclass(frozen=True, kw_only=True)
class Instrument:
    id: str
    name: str
    version: str
    joints: tuple[str, ...]
    completed_by: CompletedBy
    recall_period: str
    licence: Licence
    items: tuple[Item, ...]
    subscales: tuple[Subscale, ...]
    references: tuple[str, ...]
    thresholds: tuple[Threshold, ...] = ()
    loinc_panel: str | None = None
    options: tuple[tuple[str, str], ...] = ()  # the option values this definition was built with
    notes: tuple[str, ...] = ()
    item_index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index = {item.id: position for position, item in enumerate(self.items)}
        object.__setattr__(self, "item_index", index)
        for subscale in self.subscales:
            unknown = [item_id for item_id in subscale.items if item_id not in index]
            if unknown:
                raise ValueError(f"{self.id} {subscale.id}: undefined items {unknown}")

    def item(self, item_id: str) -> Item:
        """Return the item with this id."""
        return self.items[self.item_index[item_id]]

    def subscale(self, subscale_id: str) -> Subscale:
        """Return the subscale with this id."""
        for subscale in self.subscales:
            if subscale.id == subscale_id:
                return subscale
        raise KeyError(subscale_id)


@dataclass(frozen=True)
class Recipe:
    """How to build an instrument from its options (so open items stay configurable)."""

    build: Callable[..., Instrument]
    options: tuple[OptionSpec, ...] = ()


def codes(low: int, high: int) -> tuple[float, ...]:
    """Return the whole-number codes from low to high inclusive."""
    return tuple(float(code) for code in range(low, high + 1))


def round_half_away(value: float, decimals: int = 0) -> float:
    """Round half away from zero, as the instruments' guides do (Python's round goes half-even).

    The decimal written form is used, so 2.675 rounds to 2.68 as a person reading it expects.
    """
    if math.isnan(value) or math.isinf(value):
        return value
    quantum = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))
