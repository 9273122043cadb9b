"""The patient's height, weight and body-mass index on a date, from dated BodyMeasurements.

Height and weight belong to the patient and are measured on a date, not per joint: every
joint's assessment, the intake pages and the cell lab's per-kg limits read the latest
measurement on or before the date they are about. Height and weight may be measured on
different days (a height is rarely measured twice), so each is the latest of its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from orthoregen.web.consultation.models import BodyMeasurement


@dataclass(frozen=True)
class Body:
    """The latest height and weight on a date, with the date the weight was measured."""

    height_cm: float | None = None
    weight_kg: float | None = None
    weight_measured_on: dt.date | None = None

    @property
    def bmi_kg_m2(self) -> float | None:
        """Return the body-mass index in kg/m² (weight / height²), or None when unmeasured."""
        if not self.height_cm or not self.weight_kg:
            return None
        return round(self.weight_kg / (self.height_cm / 100) ** 2, 1)


def body_from_rows(rows: Iterable[BodyMeasurement], on_date: dt.date) -> Body:
    """Return the latest height and weight among ``rows`` measured on or before ``on_date``.

    ``rows`` are current (not removed) measurements of one patient, in memory or not.
    """
    height = weight = None
    for row in sorted(rows, key=lambda r: (r.measured_on, r.pk or 0)):
        if row.measured_on > on_date:
            continue
        if row.height_cm is not None:
            height = row
        if row.weight_kg is not None:
            weight = row
    return Body(height_cm=height.height_cm if height else None,
                weight_kg=weight.weight_kg if weight else None,
                weight_measured_on=weight.measured_on if weight else None)


def body_on(patient_id: int, on_date: dt.date) -> Body:
    """Return the patient's latest height and weight measured on or before ``on_date``.

    ``patient_id`` must come from the caller's own site scoping (accounts.access).
    """
    return body_from_rows(BodyMeasurement.objects.current().filter(patient_id=patient_id),
                          on_date)


def bmi_of_patients(patient_ids: Iterable[int], on_date: dt.date) -> dict[int, float]:
    """Return the BMI on ``on_date`` of each of ``patient_ids`` that has one (one query)."""
    rows: dict[int, list[BodyMeasurement]] = {}
    for row in BodyMeasurement.objects.current().filter(patient_id__in=list(patient_ids)):
        rows.setdefault(row.patient_id, []).append(row)
    bmi = {pk: body_from_rows(mine, on_date).bmi_kg_m2 for pk, mine in rows.items()}
    return {pk: value for pk, value in bmi.items() if value is not None}
