"""The one bulk inserter: new ids in row order; dates, datetimes, JSON and NULL as the ORM.

Runs on whichever database the suite uses: executemany on SQLite, COPY on PostgreSQL.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from orthoregen.web.clinic.models import Patient
from orthoregen.web.consultation.models import CandidacyDecision
from orthoregen.web.consultation.protocols import protocol_current
from orthoregen.web.followup.models import QuestionnaireResponse
from orthoregen.web.synthetic import bulk
from orthoregen.web.synthetic.bulk import JsonText

RESPONSE_COLUMNS = ("episode_id", "visit_id", "timepoint", "instrument_id", "instrument_version",
                    "answers", "scores", "completed_on", "submitted_at", "source",
                    "idempotency_key")
# 09:30 in Tokyo on the day Europe changes its clocks: 00:30 UTC.
TOKYO_MORNING = dt.datetime(2026, 3, 29, 9, 30, tzinfo=ZoneInfo("Asia/Tokyo"))


def response(episode_id, submitted_at, key="k1"):
    return (episode_id, None, "baseline", "nrs_pain", "1", {"pain": 4},
            JsonText('{"pain": 4.0}'), dt.date(2026, 3, 29), submitted_at, "synthetic", key)


def test_objects_get_their_new_ids_in_row_order_across_batches(site_a, monkeypatch):
    monkeypatch.setattr(bulk, "BATCH", 2)  # five rows: three batches
    patients = [Patient(site=site_a, mrn=f"B-{i}", family_name=f"Family{i}", given_name="Ada",
                        date_of_birth=dt.date(1950, 1, 1 + i), sex="female") for i in range(5)]
    before = timezone.now()
    assert bulk.insert_objects(Patient, patients) is patients
    ids = [patient.pk for patient in patients]
    assert ids == sorted(ids) and len(set(ids)) == 5
    assert dict(Patient.objects.values_list("pk", "mrn")) == {p.pk: p.mrn for p in patients}
    stored = Patient.objects.get(pk=ids[3])
    assert stored.date_of_birth == dt.date(1950, 1, 4)
    assert stored.created_at >= before  # auto_now_add takes the time of the insert
    assert not patients[0]._state.adding


def test_json_dates_and_aware_datetimes_read_back_as_given(patient_a):
    episode = patient_a.episodes.get()
    [new_id] = bulk.insert_rows(QuestionnaireResponse, RESPONSE_COLUMNS,
                                [response(episode.pk, TOKYO_MORNING)])
    stored = QuestionnaireResponse.objects.get(pk=new_id)
    assert stored.visit is None
    assert (stored.answers, stored.scores) == ({"pain": 4}, {"pain": 4.0})
    assert stored.completed_on == dt.date(2026, 3, 29)
    assert stored.submitted_at == TOKYO_MORNING
    assert stored.submitted_at.astimezone(dt.UTC).time() == dt.time(0, 30)


def test_none_is_sql_null_in_a_json_column(patient_a):
    episode = patient_a.episodes.get()
    decision = CandidacyDecision(episode=episode, protocol=protocol_current(patient_a.site),
                                 kind="agree", outcome="suitable", assessed_on=dt.date(2026, 3, 2),
                                 rules_needing_reason=[], facts=None, assessment=None,
                                 computed_by="synthetic_bulk", decided_on=dt.date(2026, 3, 2))
    bulk.insert_objects(CandidacyDecision, [decision])
    assert CandidacyDecision.objects.filter(pk=decision.pk, facts__isnull=True,
                                            assessment__isnull=True).exists()
    assert CandidacyDecision.objects.get(pk=decision.pk).rules_needing_reason == []


def test_a_naive_datetime_is_refused_and_nothing_is_written(patient_a):
    episode = patient_a.episodes.get()
    rows = [response(episode.pk, TOKYO_MORNING, "k1"),
            response(episode.pk, dt.datetime(2026, 3, 29, 9, 30), "k2")]
    with pytest.raises(ValueError, match="naive datetime"):
        bulk.insert_rows(QuestionnaireResponse, RESPONSE_COLUMNS, rows)
    assert not QuestionnaireResponse.objects.exists()


def test_no_rows_insert_nothing(site_a):
    assert bulk.insert_objects(Patient, []) == []
    assert not Patient.objects.exists()
