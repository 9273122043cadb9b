"""Dividing a unit into parts that keep its DIN, each with the next division code.

Sources: ICCBBA ST-001 v6.2.2 section 2.4.3 (division codes of the Product Code, see
`product_code.divide`) and section 7.3.1 (the DIN, the Product Description Code and the
division code together identify a product, so a part keeps the DIN of the whole and differs by
its division code); docs/cell-products.md#lineage-and-look-back (a split is an edge of the
lineage graph, from the whole to each part).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from orthoregen.products.product_code import DivisionRefused, ProductCode, divide
from orthoregen.products.status import UnitState, UnitStatus

# Divided in the lab before a unit goes towards a patient: an issued unit is already at the
# bedside, and a rejected, recalled or expired one is not made into new units.
DIVISIBLE = frozenset(
    {UnitStatus.QUARANTINE, UnitStatus.RELEASED, UnitStatus.CONDITIONALLY_RELEASED}
)


@dataclass(frozen=True)
class Part:
    """One part of a divided unit: its Product Code and its state."""

    product_code: ProductCode
    state: UnitState


def divide_unit(state: UnitState, product_code: ProductCode, count: int) -> tuple[Part, ...]:
    """Return the `count` parts of a unit, each with the whole's DIN and safety state.

    A part keeps the status, expiry, donor eligibility, sterility, release approver and hold of
    the whole, so what was found or decided about the whole holds for every part. Its
    `unit_id` is the whole's (without the whole's own Product Code, if it ends with it)
    followed by the part's Product Code. The caller discards the whole (custody.Discard,
    reason "divided"), as it no longer exists as one unit.
    """
    if state.status not in DIVISIBLE:
        raise DivisionRefused(
            f"unit {state.unit_id} is {state.status}: only a unit in quarantine or released "
            "is divided"
        )
    base = state.unit_id.removesuffix(f" {product_code.code}")
    return tuple(
        Part(code, replace(state, unit_id=f"{base} {code.code}"))
        for code in divide(product_code, count)
    )
