"""The recipient's weight for the cell lab's endotoxin limit: the patient's latest weight measured
on or before the administration (the patient's dated measurements, whichever joint's intake
page recorded them), and none when older than 90 days (USP <85>,
docs/cell-products.md#endotoxin: the weight recorded at administration)."""

import datetime as dt

import pytest
from django.utils import timezone

from orthoregen.web.clinic.models import Patient
from orthoregen.web.consultation.models import BodyMeasurement
from orthoregen.web.consultation.services import (
    RECIPIENT_WEIGHT_VALID_DAYS,
    WeightReading,
    recipient_weight_kg,
)

GIVEN_ON = dt.date(2026, 3, 1)


def weighed(patient, measured_on, weight_kg, **extra):
    return BodyMeasurement.objects.create(patient=patient, measured_on=measured_on,
                                          weight_kg=weight_kg, **extra)


def test_none_without_a_measurement(patient_a):
    assert recipient_weight_kg(patient_a, GIVEN_ON) is None


def test_the_latest_weight_on_or_before_the_day(patient_a):
    weighed(patient_a, dt.date(2026, 1, 10), 80.0)
    weighed(patient_a, dt.date(2026, 2, 20), 78.5)
    # Measured after the administration: not the weight at administration.
    weighed(patient_a, dt.date(2026, 3, 2), 75.0)
    assert recipient_weight_kg(patient_a, GIVEN_ON) == WeightReading(78.5, dt.date(2026, 2, 20))


def test_a_height_alone_does_not_hide_an_earlier_weight(patient_a):
    weighed(patient_a, dt.date(2026, 1, 10), 64.0)
    BodyMeasurement.objects.create(patient=patient_a, measured_on=dt.date(2026, 2, 20),
                                   height_cm=165)
    assert recipient_weight_kg(patient_a, GIVEN_ON) == WeightReading(64.0, dt.date(2026, 1, 10))


def test_a_weight_removed_as_entered_in_error_is_not_read(patient_a):
    weighed(patient_a, dt.date(2026, 1, 10), 64.0)
    weighed(patient_a, dt.date(2026, 2, 20), 640.0 / 10 * 10, removed_at=timezone.now(),
            removal_reason="typed 640 for 64")
    assert recipient_weight_kg(patient_a, GIVEN_ON) == WeightReading(64.0, dt.date(2026, 1, 10))


@pytest.mark.parametrize("days_before, valid", [(0, True), (RECIPIENT_WEIGHT_VALID_DAYS, True),
                                                (RECIPIENT_WEIGHT_VALID_DAYS + 1, False)])
def test_a_weight_older_than_the_validity_is_not_the_weight_at_administration(
        patient_a, days_before, valid):
    measured_on = GIVEN_ON - dt.timedelta(days=days_before)
    weighed(patient_a, measured_on, 64.0)
    expected = WeightReading(64.0, measured_on) if valid else None
    assert recipient_weight_kg(patient_a, GIVEN_ON) == expected


def test_another_patients_weight_is_never_used(patient_a, site_a):
    other = Patient.objects.create(site=site_a, mrn="A-0099", family_name="Neighbour",
                                   given_name="Cy", date_of_birth=dt.date(1961, 2, 3),
                                   sex="male")
    weighed(other, dt.date(2026, 2, 28), 99.0)
    weighed(patient_a, dt.date(2025, 10, 1), 64.0)
    assert recipient_weight_kg(patient_a, GIVEN_ON) is None
    assert recipient_weight_kg(other, GIVEN_ON) == WeightReading(99.0, dt.date(2026, 2, 28))
