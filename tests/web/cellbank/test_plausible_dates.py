"""The cell lab and the procedure room refuse what cannot be true, in the service and so on
every page: a harvest or procedure before the patient's birth or after today, a harvest volume
of none or of litres, a unit expiring before it was collected, viability over 100 %."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from tests.web.cellbank.conftest import DIN_A, receive, typed

from orthoregen.web.cellbank import services
from orthoregen.web.cellbank.models import Harvest, Procedure, ProductUnit
from orthoregen.web.procedures import services as procedures

pytestmark = pytest.mark.django_db

AWARE = dt.UTC


def harvest(patient, clinician, **changes):
    values = {"source": "bone_marrow", "body_site": "Posterior iliac crest", "side": "right",
              "volume_ml": 60, "harvested_at": timezone.now(), "operator": clinician,
              "by": clinician}
    return services.harvest_record(patient, **{**values, **changes})


@pytest.mark.parametrize(("changes", "words"), [
    ({"harvested_at": dt.datetime(1960, 5, 16, 9, 0, tzinfo=AWARE)},
     "before the patient was born (17 May 1960)"),
    ({"harvested_at": timezone.now() + dt.timedelta(days=2)}, "in the future"),
    ({"volume_ml": 0}, "more than 0 and at most 1000 mL"),
    ({"volume_ml": 6000}, "more than 0 and at most 1000 mL"),
])
def test_an_impossible_harvest_is_refused(patient_a, clinician_a, changes, words):
    with pytest.raises(services.CellbankRefused, match=words.replace("(", r"\(").replace(
            ")", r"\)")):
        harvest(patient_a, clinician_a, **changes)
    assert not Harvest.objects.exists()


def test_the_harvest_form_shows_a_harvest_before_birth(as_user, clinician_a, patient_a, knee_a):
    response = as_user(clinician_a).post(
        reverse("cellbank:harvest-create", args=[patient_a.pk]),
        {"episode": knee_a.pk, "source": "bone_marrow", "body_site": "Iliac crest",
         "side": "right", "volume_ml": "60", "harvested_at": "2026-13-40 09:00"})
    assert response.status_code == 200  # a date that is no date: the form's own refusal
    response = as_user(clinician_a).post(
        reverse("cellbank:harvest-create", args=[patient_a.pk]),
        {"episode": knee_a.pk, "source": "bone_marrow", "body_site": "Iliac crest",
         "side": "right", "volume_ml": "60", "harvested_at": "1950-01-02 09:00"})
    assert response.status_code == 200
    assert "before the patient was born" in " ".join(response.context["form"].non_field_errors())
    assert not Harvest.objects.exists()


@pytest.mark.parametrize(("extra", "words"), [
    ({"collected_at": timezone.now() + dt.timedelta(days=3)}, "in the future"),
    ({"viability_pct": 120.0}, "from 0 to 100"),
    ({"cell_count": -1.0}, "cannot be negative"),
    ({"volume_ml": 0.0}, "more than 0 mL"),
])
def test_a_unit_received_with_an_impossible_value_is_refused(site_a, lab_a, donor_a, extra,
                                                             words):
    values = {"cell_count": 50e6, "viability_pct": 91.0, "volume_ml": 5.0,
              "concentration_per_ml": 10e6}
    now = timezone.now()
    with pytest.raises(services.CellbankRefused, match=words):
        services.unit_receive(
            site=site_a, by=lab_a, identifier_text=typed(DIN_A), product_class="umbilical_cord_msc",
            donor=donor_a, collected_at=extra.pop("collected_at", now - dt.timedelta(days=1)),
            expires_at=now + dt.timedelta(days=30), storage="2-8 °C", **{**values, **extra})
    assert not ProductUnit.objects.exists()


def test_a_unit_expiring_before_its_collection_is_refused(site_a, lab_a, donor_a):
    now = timezone.now()
    with pytest.raises(services.CellbankRefused, match="The expiry .* must be after the "
                                                       "collection"):
        services.unit_receive(
            site=site_a, by=lab_a, identifier_text=typed(DIN_A), product_class="umbilical_cord_msc",
            donor=donor_a, collected_at=now - dt.timedelta(hours=1),
            expires_at=now - dt.timedelta(hours=2), storage="2-8 °C",
            at=now - dt.timedelta(hours=3))
    assert not ProductUnit.objects.exists()
    assert receive(site_a, lab_a, DIN_A, donor_a).pk  # the usual unit is received


def test_a_procedure_before_birth_or_after_today_is_refused(cleared_knee, clinician_a,
                                                            patient_a):
    for day, words in [(dt.date(1960, 5, 16), "before the patient was born"),
                       (timezone.localdate() + dt.timedelta(days=1), "in the future")]:
        with pytest.raises(procedures.CellbankRefused, match=words):
            procedures.procedure_start(patient_a, [cleared_knee], by=clinician_a,
                                       performed_on=day, time_out_completed=True)
    assert not Procedure.objects.exists()


def test_the_procedure_page_refuses_a_date_before_birth(as_user, clinician_a, patient_a,
                                                        cleared_knee):
    response = as_user(clinician_a).post(
        reverse("procedures:start", args=[patient_a.pk]),
        {"episodes": [cleared_knee.pk], "performed_on": "1950-01-01",
         "time_out_completed": "on"})
    assert response.status_code in (200, 400)
    assert "before the patient was born" in response.content.decode()
    assert not Procedure.objects.exists()
