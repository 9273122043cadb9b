"""EQ-5D-5L: five dimensions, a country value set for the index, and the EQ VAS.

docs/instruments.md#eq-5d-5l. Each dimension is coded 1 (no problems) … 5 (extreme problems /
unable); the profile is written as five digits (MO SC UA PD AD, e.g. 21232). The index is
1 − the value set's decrement for each dimension's level (both value sets here have no
constant and no interaction term). The EQ VAS is the patient's own rating of their health
today, 0 (worst imaginable) to 100 (best imaginable). The wording is licensed by the EuroQol
Research Foundation and is not shipped; each site registers and holds its own licence.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from orthoregen.instruments.definitions import (
    CompletedBy,
    Instrument,
    Item,
    Licence,
    OptionSpec,
    Recipe,
    Scale,
    Subscale,
    codes,
    format_code,
)
from orthoregen.instruments.rules import Single, Values, every_item

LICENCE = Licence(
    owner="EuroQol Research Foundation",
    terms=(
        "registration required for every use; a licence per site, with fees for commercial "
        "use; wording only from EuroQol-provided versions"
    ),
    ships_wording=False,
)
DIMENSIONS = (
    ("MO", "mobility"),
    ("SC", "self-care"),
    ("UA", "usual activities"),
    ("PD", "pain/discomfort"),
    ("AD", "anxiety/depression"),
)


@dataclass(frozen=True, kw_only=True)
class ValueSet:
    """A value set's decrement for levels 2–5 of each dimension, in MO SC UA PD AD order."""

    name: str
    source: str
    decrements: tuple[tuple[float, float, float, float], ...]


# Devlin NJ, Shah KK, Feng Y, Mulhern B, van Hout B. Valuing health-related quality of life:
# an EQ-5D-5L value set for England. Health Econ 2018;27(1):7-22, doi:10.1002/hec.3564.
# The coefficient table was not opened here: these agree entry for entry in three public
# implementations, and give the abstract's range, 55555 = -0.285 and 11211 = 0.950 [S].
ENGLAND = ValueSet(
    name="England (Devlin 2018)",
    source="Devlin NJ et al., Health Econ 2018;27(1):7–22, doi:10.1002/hec.3564",
    decrements=(
        (0.058, 0.076, 0.207, 0.274),
        (0.050, 0.080, 0.164, 0.203),
        (0.050, 0.063, 0.162, 0.184),
        (0.063, 0.084, 0.276, 0.335),
        (0.078, 0.104, 0.285, 0.289),
    ),
)
# Pickard AS, Law EH, Jiang R, et al. United States valuation of EQ-5D-5L health states using
# an international protocol. Value Health 2019;22(8):931-41, doi:10.1016/j.jval.2019.02.009.
# From one public implementation and its tests (55555 = -0.573); the paper was not opened [S].
US = ValueSet(
    name="United States (Pickard 2019)",
    source="Pickard AS et al., Value Health 2019;22(8):931–41, doi:10.1016/j.jval.2019.02.009",
    decrements=(
        (0.096, 0.122, 0.237, 0.322),
        (0.089, 0.107, 0.220, 0.261),
        (0.068, 0.101, 0.255, 0.255),
        (0.060, 0.098, 0.318, 0.414),
        (0.057, 0.123, 0.299, 0.321),
    ),
)
VALUE_SETS = {"england_devlin_2018": ENGLAND, "us_pickard_2019": US}


@dataclass(frozen=True, kw_only=True)
class ValueSetIndex:
    """1 − the decrement of each dimension's level; every dimension is required."""

    value_set: ValueSet

    @property
    def formula(self) -> str:
        return f"1 − sum of the {self.value_set.name} decrements of the five levels"

    @property
    def missing_rule(self) -> str:
        return "every dimension must be answered; no imputation"

    @property
    def lowest(self) -> float:
        """Return the index of 55555 (each dimension's largest decrement is at level 5)."""
        return 1 - sum(max(levels) for levels in self.value_set.decrements)

    def score_one(self, values: Values) -> tuple[float | None, str | None]:
        answered, reason = every_item(values)
        if reason is not None:
            return None, reason
        total = 0.0
        for levels, level in zip(self.value_set.decrements, answered, strict=True):
            total = total + _decrement(levels, int(level))
        return 1 - total, None

    def score_many(self, block: np.ndarray) -> np.ndarray:
        total = np.zeros(len(block))
        for column, levels in enumerate(self.value_set.decrements):
            table = np.asarray((0.0, *levels, np.nan))  # level 1 … 5; NaN for not answered
            level = np.nan_to_num(block[:, column], nan=6.0).astype(np.intp)
            total = total + table[level - 1]
        result: np.ndarray = 1 - total
        return result


def _decrement(levels: tuple[float, float, float, float], level: int) -> float:
    return 0.0 if level == 1 else levels[level - 2]


def health_state(responses: Mapping[str, object]) -> str | None:
    """Write the five-digit profile (MO SC UA PD AD, e.g. "21232"); None if any is missing."""
    digits = []
    for dimension, _ in DIMENSIONS:
        value = responses.get(dimension)
        if not isinstance(value, numbers.Real) or isinstance(value, bool) or value != value:
            return None  # missing, not a number, or NaN
        digits.append(format_code(float(value)))
    return "".join(digits)


def index_of(state: str, value_set: str = "england_devlin_2018") -> float:
    """Return the index of a five-digit health state such as "21232" under a value set."""
    if len(state) != 5 or any(digit not in "12345" for digit in state):
        raise ValueError(f"{state!r} is not an EQ-5D-5L health state (five digits 1–5)")
    rule = ValueSetIndex(value_set=VALUE_SETS[value_set])
    value, _ = rule.score_one([float(digit) for digit in state])
    assert value is not None
    return value


def _items() -> tuple[Item, ...]:
    dimensions: Sequence[Item] = [
        Item(id=item_id, topic=topic, options=codes(1, 5), higher_is_better=False)
        for item_id, topic in DIMENSIONS
    ]
    vas = Item(
        id="VAS",
        topic="own health today, 0 worst imaginable to 100 best imaginable",
        options=(0.0, 100.0),
        scale=Scale(minimum=0, maximum=100, unit="points"),
        higher_is_better=True,
    )
    return (*dimensions, vas)


def build_eq5d5l(value_set: str) -> Instrument:
    """Build the EQ-5D-5L with the chosen country value set for its index."""
    chosen = VALUE_SETS[value_set]
    index_rule = ValueSetIndex(value_set=chosen)
    subscales = (
        Subscale(
            id="index",
            name=f"EQ-5D-5L index, {chosen.name}",
            items=tuple(item_id for item_id, _ in DIMENSIONS),
            rule=index_rule,
            minimum=index_rule.lowest,  # the same additions as the score of 55555
            maximum=1,
            higher_is_better=True,
            decimals=3,
        ),
        Subscale(
            id="vas",
            name="EQ VAS",
            items=("VAS",),
            rule=Single(),
            minimum=0,
            maximum=100,
            higher_is_better=True,
            decimals=0,
        ),
    )
    return Instrument(
        id="eq5d5l",
        name="EQ-5D-5L",
        version=f"EQ-5D-5L; value set {chosen.name}",
        joints=("knee", "hip", "shoulder"),
        completed_by=CompletedBy.PATIENT,
        recall_period="today",
        licence=LICENCE,
        items=_items(),
        subscales=subscales,
        references=(
            "Herdman M et al., Qual Life Res 2011;20:1727–36 (the EQ-5D-5L)",
            chosen.source,
            "docs/instruments.md#eq-5d-5l",
        ),
        notes=(
            "The profile (e.g. 21232) is the primary result; eq5d.health_state writes it.",
            "Use the value set of the site's country and always report which was used.",
        ),
    )


RECIPES = {
    "eq5d5l": Recipe(
        build_eq5d5l,
        (
            OptionSpec(
                name="value_set",
                choices=tuple(VALUE_SETS),
                default="england_devlin_2018",
                description=(
                    "the country value set for the index: England (Devlin 2018) or the "
                    "United States (Pickard 2019) (docs/instruments.md#eq-5d-5l)"
                ),
            ),
        ),
    ),
}
