"""The weight a recipient's endotoxin limit is computed with (docs/cell-products.md#endotoxin).

USP <85> limits the endotoxin of a dose to K x body weight (K = 5 EU/kg for any route but
intrathecal), using the weight recorded at administration. The consultation intake records
weight; `consultation.services.recipient_weight_kg` is its public reading. Without a weight
measured within its validity before the day, the release specification's assumed weight
(70 kg) is used, and the text says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from orthoregen.products.release import EndotoxinPerDose
from orthoregen.web.cellbank.models import ProductUnit
from orthoregen.web.cellbank.services.core import CellbankRefused
from orthoregen.web.cellbank.services.release import endotoxin_over_limit, release_spec_for
from orthoregen.web.clinic.models import Patient
from orthoregen.web.consultation.services import (
    RECIPIENT_WEIGHT_VALID_DAYS,
    recipient_weight_kg,
)


@dataclass(frozen=True)
class RecipientWeight:
    """A recorded weight and the day it was measured, or neither (the assumed weight is used)."""

    weight_kg: float | None = None
    measured_on: date | None = None

    def basis(self, assumed_kg: float) -> str:
        """Say which weight the limit used, e.g. "recorded 64 kg on 2026-03-01"."""
        if self.weight_kg is None:
            days = weight_valid_days()
            where = f"within {days} days" if days else "recorded where the cell lab can read it"
            return f"no weight {where}: {assumed_kg:g} kg assumed"
        return f"recorded {self.weight_kg:g} kg on {self.measured_on:%Y-%m-%d}"


def weight_valid_days() -> int:
    """Return how old a recorded weight may be on the day of administration, in days."""
    return RECIPIENT_WEIGHT_VALID_DAYS


def recipient_weight(patient: Patient, on: date) -> RecipientWeight:
    """Return the patient's weight at administration on `on`, as the consultation records it.

    `patient` is one the caller already reached within its site (an administration's or an
    issued unit's); only that patient's intakes are read.
    """
    reading = recipient_weight_kg(patient, on)
    return RecipientWeight() if reading is None else \
        RecipientWeight(reading.weight_kg, reading.measured_on)


def endotoxin_over_recipient_limit(eu_per_ml: float, unit: ProductUnit, *, on: date,
                                   volume_ml: float | None, weight: RecipientWeight) -> str:
    """Return the dose, the limit and the weight it used if the dose is over that recipient's
    limit (5 EU/kg x `weight`, or the assumed weight without one), else ""."""
    detail = endotoxin_over_limit(eu_per_ml, unit, on=on, volume_ml=volume_ml,
                                  weight_kg=weight.weight_kg)
    return f"{detail} ({weight.basis(_assumed_weight_kg(unit, on))})" if detail else ""


def _assumed_weight_kg(unit: ProductUnit, on: date) -> float:
    # The specification that judged the dose holds the weight it assumes (project default
    # 70 kg, docs/cell-products.md#endotoxin).
    try:
        spec = release_spec_for(unit, on)
    except CellbankRefused:
        spec = None
    limits = [c for c in spec.criteria if isinstance(c, EndotoxinPerDose)] if spec else []
    return limits[0].assumed_weight_kg if limits else EndotoxinPerDose.assumed_weight_kg
