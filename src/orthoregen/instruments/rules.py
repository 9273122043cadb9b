"""Scoring rules shared by the instruments, each written for one response and for a batch.

`score_one` takes the subscale's item values in definition order (None = not answered)
and returns the value or a reason it cannot be scored. `score_many` takes a float block
(rows = responses, columns = the same items, NaN = not answered) and returns one value
per row, NaN where unscorable. Both perform the same floating-point operations in the
same order, so a batch equals the loop exactly; tests/instruments check that they do.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from orthoregen.instruments.definitions import Rule

Values = Sequence[float | None]
# A conversion of one item's value to points, applied to a float or a numpy column alike.
Points = Callable[[Any], Any]


def shortfall(answered: int, total: int, needed: int) -> str:
    """Say how many items were answered against how many the rule needs."""
    noun = "item" if total == 1 else "items"
    return f"{answered} of {total} {noun} answered, {needed} needed"


def every_item(values: Values) -> tuple[list[float], str | None]:
    """Return the answered values, with the reason there is no score unless all are answered."""
    answered = [value for value in values if value is not None]
    if len(answered) < len(values):
        return answered, shortfall(len(answered), len(values), len(values))
    return answered, None


def answered_and_total(block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return, per row, the number of answered items and the sum of their codes.

    Column by column, left to right like Python's `sum`: fast on the column-major
    chunks `score_batch` passes, and the same additions in the same order.
    """
    answered = np.zeros(len(block), dtype=np.int64)
    total = np.zeros(len(block))
    for column in block.T:
        missing = np.isnan(column)
        answered += ~missing
        total += np.where(missing, 0.0, column)
    return answered, total


def half_up(value: float) -> float:
    """Round a non-negative value to a whole number, halves upwards (not half-even)."""
    return float(math.floor(value + 0.5))


@dataclass(frozen=True, kw_only=True)
class MeanTransformed:
    """Transform the mean of the answered items to 0–100, 100 = no problems (KOOS, HOOS)."""

    min_answered: int
    source: str
    item_max: float = 4.0

    @property
    def formula(self) -> str:
        return f"100 − (mean of answered items / {self.item_max:g}) × 100"

    @property
    def missing_rule(self) -> str:
        return f"scored when at least {self.min_answered} items are answered ({self.source})"

    def score_one(self, values: Values) -> tuple[float | None, str | None]:
        answered = [value for value in values if value is not None]
        if len(answered) < self.min_answered:
            return None, shortfall(len(answered), len(values), self.min_answered)
        return 100 - sum(answered) / len(answered) / self.item_max * 100, None

    def score_many(self, block: np.ndarray) -> np.ndarray:
        answered, total = answered_and_total(block)
        with np.errstate(divide="ignore", invalid="ignore"):
            result: np.ndarray = 100 - total / answered / self.item_max * 100
        result[answered < self.min_answered] = np.nan
        return result


@dataclass(frozen=True, kw_only=True)
class MeanImputedSum:
    """Sum the items, replacing up to `max_missing` unanswered items by the mean of the others.

    WOMAC 3.1 and the Oxford scores (docs/instruments.md#womac-31 and
    docs/instruments.md#oxford-knee-hip-and-shoulder-scores). With `round_imputed` the
    substituted mean is first rounded to a whole code (an open question:
    docs/instruments.md#oxford-imputation-and-item-order).
    """

    max_missing: int
    source: str
    round_imputed: bool = False

    @property
    def formula(self) -> str:
        return "sum of item codes"

    @property
    def missing_rule(self) -> str:
        if self.max_missing == 0:
            return f"every item must be answered ({self.source})"
        rounding = ", rounded to a whole code" if self.round_imputed else ", unrounded"
        return (
            f"up to {self.max_missing} unanswered items are replaced by the mean of the "
            f"answered items{rounding}; more missing gives no score ({self.source})"
        )

    def score_one(self, values: Values) -> tuple[float | None, str | None]:
        answered = [value for value in values if value is not None]
        missing = len(values) - len(answered)
        if missing > self.max_missing or not answered:
            needed = max(len(values) - self.max_missing, 1)
            return None, shortfall(len(answered), len(values), needed)
        total = float(sum(answered))
        if missing == 0:
            return total, None
        mean = total / len(answered)
        if self.round_imputed:
            mean = half_up(mean)
        return total + mean * missing, None

    def score_many(self, block: np.ndarray) -> np.ndarray:
        answered, total = answered_and_total(block)
        missing = block.shape[1] - answered
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = total / answered
        if self.round_imputed:
            mean = np.floor(mean + 0.5)
        result = np.where(missing == 0, total, total + mean * missing)
        result[(missing > self.max_missing) | (answered == 0)] = np.nan
        return result


@dataclass(frozen=True, kw_only=True)
class TableLookup:
    """Look the raw sum up in a published conversion table (KOOS/HOOS JR and PS)."""

    table: tuple[float, ...]
    source: str
    max_missing: int = 0

    @property
    def formula(self) -> str:
        return f"raw sum 0–{len(self.table) - 1} looked up in the conversion table ({self.source})"

    @property
    def missing_rule(self) -> str:
        if self.max_missing == 0:
            return "every item must be answered; no imputation"
        return (
            f"local rule: up to {self.max_missing} unanswered items; the raw sum is prorated "
            "(mean of answered items × number of items, halves rounded up) before look-up"
        )

    def score_one(self, values: Values) -> tuple[float | None, str | None]:
        answered = [value for value in values if value is not None]
        missing = len(values) - len(answered)
        if missing > self.max_missing or not answered:
            return None, shortfall(len(answered), len(values), len(values) - self.max_missing)
        raw = float(sum(answered))
        if missing:
            raw = half_up(raw / len(answered) * len(values))
        return self.table[int(raw)], None

    def score_many(self, block: np.ndarray) -> np.ndarray:
        answered, total = answered_and_total(block)
        missing = block.shape[1] - answered
        with np.errstate(divide="ignore", invalid="ignore"):
            prorated = np.floor(total / answered * block.shape[1] + 0.5)
        raw = np.where(missing == 0, total, prorated)
        scorable = (missing <= self.max_missing) & (answered > 0)
        result = np.full(len(block), np.nan)
        result[scorable] = np.asarray(self.table)[raw[scorable].astype(np.intp)]
        return result


@dataclass(frozen=True)
class Single:
    """Report the one item's value as it was recorded (VAS, NRS, SANE, degrees)."""

    @property
    def formula(self) -> str:
        return "the recorded value"

    @property
    def missing_rule(self) -> str:
        return "no score when not answered"

    def score_one(self, values: Values) -> tuple[float | None, str | None]:
        (value,) = values
        if value is None:
            return None, shortfall(0, 1, 1)
        return float(value), None

    def score_many(self, block: np.ndarray) -> np.ndarray:
        return block[:, 0].astype(float, copy=True)


@dataclass(frozen=True, kw_only=True)
class Reversed:
    """Turn a higher-is-worse value into points: (maximum − value) × factor (ASES pain)."""

    maximum: float
    factor: float

    @property
    def formula(self) -> str:
        return f"({self.maximum:g} − value) × {self.factor:g}"

    @property
    def missing_rule(self) -> str:
        return "no score when not answered"

    def score_one(self, values: Values) -> tuple[float | None, str | None]:
        (value,) = values
        if value is None:
            return None, shortfall(0, 1, 1)
        return (self.maximum - value) * self.factor, None

    def score_many(self, block: np.ndarray) -> np.ndarray:
        return (self.maximum - block[:, 0]) * self.factor


@dataclass(frozen=True, kw_only=True)
class PointsSum:
    """Add each item's points (its code, or a measurement converted), × multiply / divide.

    Every item is required; `cap` is the published maximum (e.g. Harris ROM 5 points).
    """

    points: tuple[Points | None, ...]
    description: str
    multiply: float = 1.0
    divide: float = 1.0
    cap: float | None = None

    @property
    def formula(self) -> str:
        return self.description

    @property
    def missing_rule(self) -> str:
        return "every item is required"

    def score_one(self, values: Values) -> tuple[float | None, str | None]:
        answered, reason = every_item(values)
        if reason is not None:
            return None, reason
        total = 0.0
        for convert, value in zip(self.points, answered, strict=True):
            total = total + float(convert(value) if convert else value)
        total = total * self.multiply / self.divide
        return (min(total, self.cap) if self.cap is not None else total), None

    def score_many(self, block: np.ndarray) -> np.ndarray:
        total = np.zeros(len(block))
        for column, convert in enumerate(self.points):
            values = block[:, column]
            total = total + (convert(values) if convert else values)
        total = total * self.multiply / self.divide
        if self.cap is not None:
            total = np.minimum(total, self.cap)
        total[np.isnan(block).any(axis=1)] = np.nan
        return total


@dataclass(frozen=True, kw_only=True)
class AllBelow:
    """Award `points` only when every measurement is below its limit (Harris deformity)."""

    limits: tuple[float, ...]
    points: float
    description: str

    @property
    def formula(self) -> str:
        return self.description

    @property
    def missing_rule(self) -> str:
        return "every measurement is required"

    def score_one(self, values: Values) -> tuple[float | None, str | None]:
        answered, reason = every_item(values)
        if reason is not None:
            return None, reason
        met = all(value < limit for value, limit in zip(answered, self.limits, strict=True))
        return (self.points if met else 0.0), None

    def score_many(self, block: np.ndarray) -> np.ndarray:
        met = np.all(block < np.asarray(self.limits), axis=1)
        result = np.where(met, self.points, 0.0)
        result[np.isnan(block).any(axis=1)] = np.nan
        return result


@dataclass(frozen=True, kw_only=True)
class Converted:
    """Convert another rule's value; when it cannot be scored, its reason is passed on.

    Subclasses say how one value is converted (`convert`) and how a batch is (`score_many`).
    """

    inner: Rule
    description: str

    @property
    def formula(self) -> str:
        return self.description

    @property
    def missing_rule(self) -> str:
        return self.inner.missing_rule

    def convert(self, value: float) -> float:
        raise NotImplementedError

    def score_one(self, values: Values) -> tuple[float | None, str | None]:
        value, reason = self.inner.score_one(values)
        if value is None:
            return None, reason
        return self.convert(value), None


@dataclass(frozen=True, kw_only=True)
class Rescaled(Converted):
    """Multiply another rule's value by multiply/divide (WOMAC 0–100, mHHS × 1.1)."""

    multiply: float
    divide: float

    def convert(self, value: float) -> float:
        return value * self.multiply / self.divide

    def score_many(self, block: np.ndarray) -> np.ndarray:
        return self.inner.score_many(block) * self.multiply / self.divide


@dataclass(frozen=True)
class Parts:
    """Add the values of consecutive parts, each scored by its own rule (totals).

    `parts` holds (name, number of items, rule) in item order; the total exists only
    when every part does (e.g. WOMAC total, docs/instruments.md#womac-31).
    """

    parts: tuple[tuple[str, int, Rule], ...]

    @property
    def formula(self) -> str:
        return " + ".join(name for name, _, _ in self.parts)

    @property
    def missing_rule(self) -> str:
        return "scored only when every part is scored: " + ", ".join(
            f"{name}: {rule.missing_rule}" for name, _, rule in self.parts
        )

    def score_one(self, values: Values) -> tuple[float | None, str | None]:
        total, problems, start = 0.0, [], 0
        for name, count, rule in self.parts:
            value, reason = rule.score_one(values[start : start + count])
            start += count
            if value is None:
                problems.append(f"{name} not scored ({reason})")
            else:
                total = total + value
        if problems:
            return None, "; ".join(problems)
        return total, None

    def score_many(self, block: np.ndarray) -> np.ndarray:
        total, start = np.zeros(len(block)), 0
        for _, count, rule in self.parts:
            total = total + rule.score_many(block[:, start : start + count])
            start += count
        return total


@dataclass(frozen=True, kw_only=True)
class Banded(Converted):
    """Convert another rule's value to points: one point per cut-off reached (Harris ROM)."""

    cutoffs: tuple[float, ...]

    def convert(self, value: float) -> float:
        return float(sum(value >= cutoff for cutoff in self.cutoffs))

    def score_many(self, block: np.ndarray) -> np.ndarray:
        inner = self.inner.score_many(block)
        points = np.zeros(len(block))
        for cutoff in self.cutoffs:
            points = points + (inner >= cutoff)
        points[np.isnan(inner)] = np.nan
        return points


@dataclass(frozen=True, kw_only=True)
class TableConverted(Converted):
    """Look another rule's whole-number value up in a published table (PROMIS raw → T)."""

    table: tuple[float, ...]
    lowest: int  # the raw value of the table's first entry

    def convert(self, value: float) -> float:
        return self.table[int(value) - self.lowest]

    def score_many(self, block: np.ndarray) -> np.ndarray:
        inner = self.inner.score_many(block)
        result = np.full(len(block), np.nan)
        scored = ~np.isnan(inner)
        result[scored] = np.asarray(self.table)[inner[scored].astype(np.intp) - self.lowest]
        return result
