"""Totals made of parts: each part a subscale of consecutive items, the total their sum.

The Constant–Murley score, the Harris Hip Score and the ASES score are printed this way
(pain, function or ADL, motion … each with its own maximum, and a total of 100), so one
builder makes every part's subscale and the total from the same item counts, and the total
cannot cover other items than its parts do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from orthoregen.instruments.definitions import Rule, Subscale
from orthoregen.instruments.rules import Parts


@dataclass(frozen=True, kw_only=True)
class Part:
    """One part of a total: its next `item_count` items, rule and published maximum."""

    id: str
    name: str
    item_count: int
    rule: Rule
    maximum: float
    decimals: int = 0  # for display only; these forms print whole points unless a part says so


def part_subscales(
    parts: tuple[Part, ...],
    item_ids: Sequence[str],
    *,
    total_name: str,
    total_decimals: int = 0,
) -> tuple[Subscale, ...]:
    """Return a subscale per part, in item order, then the total (every part scored), 0 = worst.

    The total's maximum is the sum of the parts' maxima (100 on the forms this serves).
    """
    if sum(part.item_count for part in parts) != len(item_ids):
        raise ValueError(f"{total_name}: the parts do not cover the {len(item_ids)} items")
    subscales, start = [], 0
    for part in parts:
        subscales.append(
            Subscale(
                id=part.id,
                name=part.name,
                items=tuple(item_ids[start : start + part.item_count]),
                rule=part.rule,
                minimum=0,
                maximum=part.maximum,
                higher_is_better=True,
                decimals=part.decimals,
            )
        )
        start += part.item_count
    total = Subscale(
        id="total",
        name=total_name,
        items=tuple(item_ids),
        rule=Parts(tuple((part.name, part.item_count, part.rule) for part in parts)),
        minimum=0,
        maximum=sum(part.maximum for part in parts),
        higher_is_better=True,
        decimals=total_decimals,
    )
    return (*subscales, total)
