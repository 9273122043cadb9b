"""The recipient's weight for the cell lab's endotoxin limit: the patient's latest weight measured
on or before the administration, across the intakes of all joints, dated by the intake that
measured it (not by one that carried it forward), and none when older than 90 days
(USP <85>, docs/cell-products.md#endotoxin: the weight recorded at administration)."""

import datetime as dt

import pytest

from orthoregen.web.clinic.models import JointEpisode
from orthoregen.web.consultation.models import Intake
from orthoregen.web.consultation.services import (
    RECIPIENT_WEIGHT_VALID_DAYS,
    WeightReading,
    recipient_weight_kg,
)

GIVEN_ON = dt.date(2026, 3, 1)


def episode_of(patient, joint="hip", side="right"):
    scale = {"knee": "kellgren_lawrence", "hip": "tonnis", "shoulder": "samilson_prieto"}[joint]
    return JointEpisode.objects.create(patient=patient, joint=joint, side=side,
                                       diagnosis_code="M16.11", grade_scale=scale, grade=2)


def intake(episode, recorded_on, weight_kg, **extra):
    return Intake.objects.create(episode=episode, recorded_on=recorded_on, weight_kg=weight_kg,
                                 **extra)


def test_none_without_an_intake(patient_a):
    assert recipient_weight_kg(patient_a, GIVEN_ON) is None


def test_the_latest_weight_on_or_before_the_day_across_every_joint(patient_a):
    intake(patient_a.episodes.get(), dt.date(2026, 1, 10), 80.0)
    intake(episode_of(patient_a), dt.date(2026, 2, 20), 78.5)
    # Measured after the administration: not the weight at administration.
    intake(episode_of(patient_a, "shoulder", "left"), dt.date(2026, 3, 2), 75.0)
    assert recipient_weight_kg(patient_a, GIVEN_ON) == WeightReading(78.5, dt.date(2026, 2, 20))


def test_an_intake_without_a_weight_does_not_hide_an_earlier_one(patient_a):
    intake(patient_a.episodes.get(), dt.date(2026, 1, 10), 64.0)
    intake(episode_of(patient_a), dt.date(2026, 2, 20), None)
    assert recipient_weight_kg(patient_a, GIVEN_ON) == WeightReading(64.0, dt.date(2026, 1, 10))


@pytest.mark.parametrize("days_before, valid", [(0, True), (RECIPIENT_WEIGHT_VALID_DAYS, True),
                                                (RECIPIENT_WEIGHT_VALID_DAYS + 1, False)])
def test_a_weight_older_than_the_validity_is_not_the_weight_at_administration(
        patient_a, days_before, valid):
    measured_on = GIVEN_ON - dt.timedelta(days=days_before)
    intake(patient_a.episodes.get(), measured_on, 64.0)
    expected = WeightReading(64.0, measured_on) if valid else None
    assert recipient_weight_kg(patient_a, GIVEN_ON) == expected


def test_a_carried_forward_weight_keeps_the_date_it_was_measured(patient_a):
    original = intake(patient_a.episodes.get(), dt.date(2025, 10, 1), 64.0)
    intake(episode_of(patient_a), dt.date(2026, 2, 20), 64.0, carried_forward_from=original)
    # The copy is recent, the measurement is not: 151 days before the administration.
    assert recipient_weight_kg(patient_a, GIVEN_ON) is None
    assert recipient_weight_kg(patient_a, dt.date(2025, 12, 1)) == \
        WeightReading(64.0, dt.date(2025, 10, 1))


def test_a_carried_forward_chain_goes_back_to_the_first_measurement(patient_a):
    first = intake(patient_a.episodes.get(), dt.date(2026, 1, 5), 64.0)
    second = intake(episode_of(patient_a), dt.date(2026, 2, 1), 64.0, carried_forward_from=first)
    intake(episode_of(patient_a, "shoulder", "left"), dt.date(2026, 2, 25), 64.0,
           carried_forward_from=second)
    assert recipient_weight_kg(patient_a, GIVEN_ON) == WeightReading(64.0, dt.date(2026, 1, 5))


def test_a_weight_changed_on_the_carried_forward_intake_is_a_new_measurement(patient_a):
    original = intake(patient_a.episodes.get(), dt.date(2025, 10, 1), 64.0)
    intake(episode_of(patient_a), dt.date(2026, 2, 20), 61.0, carried_forward_from=original)
    assert recipient_weight_kg(patient_a, GIVEN_ON) == WeightReading(61.0, dt.date(2026, 2, 20))


def test_a_source_weighed_again_later_does_not_make_the_copy_a_new_measurement(patient_a):
    original = intake(patient_a.episodes.get(), dt.date(2025, 10, 1), 64.0)
    intake(episode_of(patient_a), dt.date(2026, 2, 20), 64.0, carried_forward_from=original)
    original.weight_kg = 66.0  # corrected on the old intake, still dated 1 Oct 2025
    original.save()
    assert recipient_weight_kg(patient_a, GIVEN_ON) is None


def test_another_patients_weight_is_never_used(patient_a, patient_b, site_a, kit_other):
    neighbour = kit_other(site_a)
    intake(neighbour.episodes.get(), dt.date(2026, 2, 28), 50.0)
    intake(patient_b.episodes.get(), dt.date(2026, 2, 28), 52.0)
    assert recipient_weight_kg(patient_a, GIVEN_ON) is None


def test_a_source_of_another_patient_lends_no_date(patient_a, site_a, kit_other):
    # The form only offers the same patient's intakes; a row pointing elsewhere (an import,
    # a merge) must not make this patient's old weight look fresh.
    foreign = intake(kit_other(site_a).episodes.get(), dt.date(2026, 2, 28), 64.0)
    intake(patient_a.episodes.get(), dt.date(2025, 10, 1), 64.0, carried_forward_from=foreign)
    assert recipient_weight_kg(patient_a, GIVEN_ON) is None


def test_intakes_carried_from_each_other_do_not_loop(patient_a):
    knee = intake(patient_a.episodes.get(), dt.date(2026, 2, 1), 64.0)
    hip = intake(episode_of(patient_a), dt.date(2026, 2, 10), 64.0, carried_forward_from=knee)
    Intake.objects.filter(pk=knee.pk).update(carried_forward_from=hip)
    assert recipient_weight_kg(patient_a, GIVEN_ON).weight_kg == 64.0


@pytest.fixture
def kit_other():
    """Return a maker of another patient with a knee episode at a site."""
    from orthoregen.web.clinic.models import Patient

    def make(site):
        patient = Patient.objects.create(site=site, mrn="A-0099", family_name="Neighbour",
                                         given_name="Cy", date_of_birth=dt.date(1961, 2, 3),
                                         sex="male")
        JointEpisode.objects.create(patient=patient, joint="knee", side="right",
                                    diagnosis_code="M17.11",
                                    grade_scale="kellgren_lawrence", grade=2)
        return patient

    return make
