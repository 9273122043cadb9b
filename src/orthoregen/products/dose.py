"""Cell dose and injectate volume of one administration.

Viable cells = total x viability; trial doses are fixed cell numbers, sometimes per kg; the
default maximum injectate volume per joint is a project default (`CFG`: knee 10 mL, hip 7 mL,
shoulder 10 mL; override with a reason). Sources: docs/cell-products.md#cell-dose-and-volume.
"""

from __future__ import annotations

from dataclasses import dataclass

from orthoregen.products.episode import Joint

DEFAULT_MAX_INJECTATE_ML = {Joint.KNEE: 10.0, Joint.HIP: 7.0, Joint.SHOULDER: 10.0}


@dataclass(frozen=True)
class CellDose:
    total_cells: float
    viable_cells: float | None


def cell_dose(
    concentration_cells_per_ml: float, volume_ml: float, *, viability_percent: float | None = None
) -> CellDose:
    """Return total and viable cells in `volume_ml` of suspension (viable = total x viability)."""
    if concentration_cells_per_ml < 0 or volume_ml < 0:
        raise ValueError("concentration and volume cannot be negative")
    if viability_percent is not None and not 0 <= viability_percent <= 100:
        raise ValueError(f"viability must be 0 to 100 %, got {viability_percent}")
    total = concentration_cells_per_ml * volume_ml
    viable = None if viability_percent is None else total * viability_percent / 100
    return CellDose(total_cells=total, viable_cells=viable)


def cells_per_kg(cells: float, weight_kg: float) -> float:
    """Return a dose per kg body weight, the IV convention some IA trials report."""
    if weight_kg <= 0:
        raise ValueError(f"body weight must be positive, got {weight_kg} kg")
    return cells / weight_kg


def exceeds_joint_volume(
    joint: Joint, volume_ml: float, limits_ml: dict[Joint, float] = DEFAULT_MAX_INJECTATE_ML
) -> bool:
    """Tell whether an injectate volume is above the joint's configured maximum (CFG)."""
    return volume_ml > limits_ml[joint]
