"""An endotoxin result of a lot already given is judged against each recipient's own limit:
USP <85> K = 5 EU/kg times the weight recorded at the consultation intake within 90 days
before the injection, else the assumed 70 kg; each listed recipient says which weight was
used (docs/cell-products.md#endotoxin). The `given` lot's halves hold 2.5 mL each, one given to
Aardvark (patient_a), one to Bunting."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from orthoregen.web.cellbank import services
from orthoregen.web.cellbank.models import InvestigationRecipient, ProductInvestigation
from orthoregen.web.clinic.models import JointEpisode
from orthoregen.web.consultation.models import BodyMeasurement


def weighed(episode, weight_kg, days_ago, carried_forward_from=None):
    """Record the weight of `episode`'s patient, measured `days_ago` before today.

    Weight is the patient's (consultation.BodyMeasurement): another joint's intake that
    kept it unchanged (`carried_forward_from`) records no new measurement.
    """
    if carried_forward_from is not None:
        return carried_forward_from
    measured_on = timezone.localdate() - dt.timedelta(days=days_ago)
    return BodyMeasurement.objects.create(patient=episode.patient, measured_on=measured_on,
                                          weight_kg=weight_kg)


def iso(days_ago: int) -> str:
    return f"{timezone.localdate() - dt.timedelta(days=days_ago):%Y-%m-%d}"


def endotoxin(given, lab, eu_per_ml):
    services.qc_record(given.halves[0], by=lab, test="endotoxin_eu_per_ml", value=eu_per_ml)


def listed(given) -> dict[str, str]:
    """Return the detail of each recipient under review by family name."""
    return {r.administration.procedure_joint.episode.patient.family_name: r.detail
            for r in InvestigationRecipient.objects.select_related(
                "administration__procedure_joint__episode__patient")}


def test_a_50_kg_recipient_given_300_eu_is_listed(given, lab_a):
    # 120 EU/mL x 2.5 mL = 300 EU: under 350 EU for 70 kg, over 250 EU for 50 kg.
    weighed(given.episodes[0], 50.0, days_ago=10)
    endotoxin(given, lab_a, 120.0)
    assert listed(given) == {"Aardvark": (
        f"given unit {given.halves[0].identifier}: 300 EU in 2.5 mL; limit 250 EU for 50 kg "
        f"(recorded 50 kg on {iso(10)})")}


def test_a_100_kg_recipient_given_400_eu_is_within_their_own_limit(given, lab_a):
    # 160 EU/mL x 2.5 mL = 400 EU: over 350 EU for an assumed 70 kg, under 500 EU for 100 kg.
    weighed(given.episodes[0], 100.0, days_ago=30)
    endotoxin(given, lab_a, 160.0)
    assert listed(given) == {"Bunting": (
        f"given unit {given.halves[1].identifier}: 400 EU in 2.5 mL; limit 350 EU for 70 kg "
        "(no weight within 90 days: 70 kg assumed)")}


@pytest.mark.parametrize("days_ago, eu_per_ml, expected", [
    (90, 120.0, "limit 250 EU for 50 kg (recorded 50 kg on {date})"),
    (91, 200.0, "limit 350 EU for 70 kg (no weight within 90 days: 70 kg assumed)"),
])
def test_a_weight_older_than_90_days_falls_back_to_70_kg_and_says_so(
        given, lab_a, days_ago, eu_per_ml, expected):
    weighed(given.episodes[0], 50.0, days_ago=days_ago)
    endotoxin(given, lab_a, eu_per_ml)
    assert listed(given)["Aardvark"].endswith(expected.format(date=iso(days_ago)))


def test_a_stale_50_kg_weight_does_not_list_a_recipient_given_300_eu(given, lab_a):
    weighed(given.episodes[0], 50.0, days_ago=91)
    endotoxin(given, lab_a, 120.0)
    assert not ProductInvestigation.objects.exists()


def test_a_carried_forward_weight_is_dated_by_its_first_measurement(given, lab_a, patient_a):
    original = weighed(given.episodes[0], 50.0, days_ago=40)
    hip = JointEpisode.objects.create(patient=patient_a, joint="hip", side="right",
                                      diagnosis_code="M16.11", grade_scale="tonnis", grade=2)
    weighed(hip, 50.0, days_ago=5, carried_forward_from=original)
    endotoxin(given, lab_a, 120.0)
    assert listed(given)["Aardvark"].endswith(f"(recorded 50 kg on {iso(40)})")


def test_a_carried_forward_weight_first_measured_long_ago_is_stale(given, lab_a, patient_a):
    original = weighed(given.episodes[0], 50.0, days_ago=120)
    hip = JointEpisode.objects.create(patient=patient_a, joint="hip", side="right",
                                      diagnosis_code="M16.11", grade_scale="tonnis", grade=2)
    weighed(hip, 50.0, days_ago=5, carried_forward_from=original)
    endotoxin(given, lab_a, 200.0)
    assert listed(given)["Aardvark"].endswith("(no weight within 90 days: 70 kg assumed)")


def test_another_patients_weight_is_never_used(given, lab_a, patient_b):
    # Bunting weighs 50 kg; Aardvark has no weight, nor does the site B patient lend one.
    weighed(given.episodes[1], 50.0, days_ago=3)
    weighed(patient_b.episodes.get(), 50.0, days_ago=3)
    endotoxin(given, lab_a, 120.0)
    assert list(listed(given)) == ["Bunting"]


def test_the_page_says_which_weight_each_recipient_was_judged_with(as_user, given, lab_a):
    weighed(given.episodes[0], 64.0, days_ago=7)
    endotoxin(given, lab_a, 140.0)  # 350 EU: over 320 EU for 64 kg, at 350 EU for 70 kg
    investigation = ProductInvestigation.objects.get()
    url = reverse("cellbank:investigation-detail", args=[investigation.pk])
    text = as_user(lab_a).get(url).content.decode()
    assert f"350 EU in 2.5 mL; limit 320 EU for 64 kg (recorded 64 kg on {iso(7)})" in text
    assert "Bunting" not in text  # 350 EU is within 350 EU for the assumed 70 kg
