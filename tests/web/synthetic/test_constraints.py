"""A synthetic load builds its tables' indexes and checks their foreign keys after the rows
(PostgreSQL), and still fails whole: a row that breaks a key leaves nothing behind."""

import datetime as dt

import pytest
from django.db import IntegrityError, connection
from django.utils import timezone
from tests.web.table_definitions import has_foreign_key, table_definitions

from orthoregen.web.audit.models import AccessRecord
from orthoregen.web.clinic.models import Encounter, JointEpisode, Patient
from orthoregen.web.followup.models import QuestionnaireResponse, ScheduledVisit
from orthoregen.web.registry.models import ScoreFact
from orthoregen.web.synthetic import followup
from orthoregen.web.synthetic.clinic import synth_load

AS_OF = dt.date(2026, 6, 30)
RESPONSE_COLUMNS = ("episode_id", "visit_id", "timepoint", "instrument_id", "instrument_version",
                    "answers", "scores", "completed_on", "submitted_at", "source",
                    "idempotency_key")
LOADED = [Patient, JointEpisode, Encounter, ScheduledVisit, QuestionnaireResponse, ScoreFact]


def definitions() -> set[tuple[str, str]]:
    """Every index and constraint of the loaded tables."""
    return table_definitions([model._meta.db_table for model in LOADED])


def test_the_loaded_tables_keep_every_index_and_foreign_key(site_a, clinician_a):
    before = definitions()
    assert connection.vendor != "postgresql" or has_foreign_key(
        before, QuestionnaireResponse._meta.db_table)
    synth_load(site_a, 60, seed=3, as_of=AS_OF)
    assert QuestionnaireResponse.objects.exists() and ScoreFact.objects.exists()
    assert definitions() == before


# Outside a test's transaction, so that SQLite checks its deferred keys at the load's COMMIT.
@pytest.mark.django_db(transaction=True)
def test_a_row_that_breaks_a_foreign_key_fails_the_whole_load(site_a, clinician_a, monkeypatch):
    synthesise = followup.synth_followup

    def with_a_stray_answer(context):
        course = synthesise(context)
        context.insert_rows(QuestionnaireResponse, RESPONSE_COLUMNS, [
            (max(context.episode_ids) + 10_000, None, "baseline", "nrs_pain", "1", {"pain": 4},
             {"pain": 4.0}, AS_OF, timezone.now(), "synthetic", "stray")], "stray answer")
        return course

    monkeypatch.setattr(followup, "synth_followup", with_a_stray_answer)
    before = definitions()
    with pytest.raises(IntegrityError):
        synth_load(site_a, 30, seed=4, as_of=AS_OF)
    assert not Patient.objects.exists() and not QuestionnaireResponse.objects.exists()
    assert not ScoreFact.objects.exists() and not AccessRecord.objects.exists()
    assert definitions() == before
