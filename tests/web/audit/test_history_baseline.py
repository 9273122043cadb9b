"""The first edit of a record loaded in bulk keeps the old value: a baseline history row."""

import datetime as dt

import pytest
from django.urls import reverse

from orthoregen.web.audit.history import BASELINE_REASON
from orthoregen.web.clinic.models import Encounter, JointEpisode, Patient
from orthoregen.web.synthetic.clinic import synth_load


@pytest.fixture
def loaded(site_a, clinician_a):
    site_a.is_synthetic = True
    site_a.save(update_fields=["is_synthetic"])
    synth_load(site_a, 3, seed=41, as_of=dt.date(2026, 6, 30), stages=())
    return Patient.objects.filter(site=site_a).order_by("pk").first()


def test_a_bulk_load_writes_no_history(loaded):
    assert not loaded.history.exists()


def test_the_first_edit_through_a_page_keeps_the_loaded_value(as_user, clinician_a, loaded):
    old_name = loaded.family_name
    as_user(clinician_a).post(reverse("patient-edit", args=[loaded.pk]), {
        "site": loaded.site_id, "mrn": loaded.mrn, "family_name": "Renamed",
        "given_name": loaded.given_name, "date_of_birth": loaded.date_of_birth.isoformat(),
        "sex": loaded.sex, "email": loaded.email, "phone": loaded.phone,
        "address": loaded.address})
    baseline, edit = loaded.history.order_by("history_date", "history_id")
    assert (baseline.history_type, baseline.history_user, baseline.history_change_reason) == \
        ("+", None, BASELINE_REASON)
    assert (edit.history_type, edit.history_user) == ("~", clinician_a)
    assert [(c.field, c.old, c.new) for c in edit.diff_against(baseline).changes] == [
        ("family_name", old_name, "Renamed")]


def test_the_baseline_is_written_once_and_for_any_tracked_model(loaded):
    encounter = Encounter.objects.filter(episode__patient=loaded).first()
    for note in ("first", "second"):
        encounter.notes = note
        encounter.save()
    assert list(encounter.history.order_by("history_date", "history_id")
                .values_list("history_type", "notes"))[0][0] == "+"
    assert encounter.history.count() == 3
    assert encounter.history.filter(history_change_reason=BASELINE_REASON).count() == 1


def test_a_record_made_through_save_gets_no_extra_baseline(patient_a):
    episode = JointEpisode.objects.get(patient=patient_a)
    episode.grade = 4
    episode.save()
    assert [h.history_type for h in episode.history.order_by("history_date")] == ["+", "~"]


def test_saving_a_loaded_record_unchanged_writes_one_row_not_a_baseline(loaded):
    loaded.save()  # as a service gives bulk-created rows their first history row
    assert [h.history_type for h in loaded.history.all()] == ["~"]
