"""Loading a synthetic cohort: all rows or none, recorded in the audit trail."""

import datetime as dt

import pytest

from orthoregen.web.audit.models import AccessAction, AccessRecord
from orthoregen.web.clinic.models import Encounter, JointEpisode, Patient
from orthoregen.web.synthetic import SynthError
from orthoregen.web.synthetic.clinic import synth_load, synthetic_site

AS_OF = dt.date(2026, 6, 30)


def test_loads_the_generated_cohort_into_one_site(site_a, clinician_a):
    cohort = synth_load(site_a, 200, seed=11, as_of=AS_OF)
    assert Patient.objects.filter(site=site_a).count() == 200
    assert JointEpisode.objects.filter(patient__site=site_a).count() == len(cohort.episodes)
    assert Encounter.objects.count() == len(cohort.encounters)
    assert set(Encounter.objects.values_list("clinician", flat=True)) == {clinician_a.pk}
    first = Patient.objects.get(mrn="SYN11-000000")
    assert first.family_name == cohort.patients.loc[0, "family_name"]
    assert first.episodes.count() == (cohort.episodes["patient"] == 0).sum()
    record = AccessRecord.objects.get(action=AccessAction.BULK_LOAD)
    assert "seed=11" in record.detail and "patients=200" in record.detail


def test_the_same_seed_twice_is_refused_and_adds_nothing(site_a):
    synth_load(site_a, 20, seed=5, as_of=AS_OF)
    with pytest.raises(SynthError, match="already has synthetic patients from seed 5"):
        synth_load(site_a, 20, seed=5, as_of=AS_OF)
    assert Patient.objects.count() == 20


def test_fake_patients_go_only_into_sites_marked_synthetic(site_b):
    with pytest.raises(SynthError, match="Site site-b is not marked synthetic"):
        synth_load(site_b, 20, seed=5, as_of=AS_OF)
    with pytest.raises(SynthError, match="Site site-b holds real patients' records"):
        synthetic_site("site-b", "Clinic B")
    assert synthetic_site("demo-c", "Clinic C").is_synthetic
    assert not Patient.objects.exists()


def test_a_stage_needs_the_stage_whose_records_it_continues(site_a):
    with pytest.raises(SynthError, match="The procedures stage needs the cellbank stage"):
        synth_load(site_a, 20, seed=5, as_of=AS_OF, stages=("procedures",))
    with pytest.raises(SynthError, match="Unknown stages"):
        synth_load(site_a, 20, seed=5, as_of=AS_OF, stages=("pharmacy",))
    assert not Patient.objects.exists()


def test_synth_command_refuses_bad_numbers(capsys):
    from orthoregen.cli import main

    with pytest.raises(SystemExit) as caught:
        main(["synth", "--patients", "-3"])
    assert caught.value.code == 2
    assert "'-3' is not a whole number of at least 1" in capsys.readouterr().err
