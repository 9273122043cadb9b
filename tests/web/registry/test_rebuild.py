"""A whole-registry rebuild (registry-refresh without --site): same rows every time, no growth."""

import datetime as dt

import pytest
from django.db import IntegrityError, connection
from tests.web.table_definitions import table_definitions

from orthoregen.web.clinic.models import JointEpisode
from orthoregen.web.registry import services
from orthoregen.web.registry.models import EpisodeFact, ScoreFact, VisitFact

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 11, 1)


@pytest.fixture
def records(monkeypatch, frames_for, cohort, site_a, site_b):
    """Two sites' patients whose records the rebuild reads (the same frames every time)."""
    cohort(site_a, 12, prefix="A")
    cohort(site_b, 5, prefix="B")
    monkeypatch.setattr(services, "read_source",
                        lambda episodes: frames_for(list(episodes.order_by("pk"))))


def snapshot() -> tuple[int, list, list]:
    scores = sorted(ScoreFact.objects.values_list(
        "episode__episode_id", "instrument", "subscale", "timepoint", "completed_on", "value",
        "counts"))
    episodes = sorted(EpisodeFact.objects.values_list(
        "episode_id", "site_id", "first_treated_on", "followed_until", "injections"))
    return VisitFact.objects.count(), scores, episodes


def test_two_rebuilds_give_the_same_rows(records):
    first_n = services.facts_rebuild(as_of=AS_OF)
    first = snapshot()
    second_n = services.facts_rebuild(as_of=AS_OF)
    # 17 joints x 4 visits x (NRS pain + 4 WOMAC subscales).
    assert first_n == second_n == 17 * 4 * 5
    assert snapshot() == first
    assert EpisodeFact.objects.count() == JointEpisode.objects.count() == 17


def test_a_rebuild_without_records_keeps_the_registry(monkeypatch, cohort, site_a):
    cohort(site_a, 3)
    before = ScoreFact.objects.count()
    assert services.facts_rebuild(as_of=AS_OF) == 0  # the module's stub: no records
    assert ScoreFact.objects.count() == before > 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="table files are PostgreSQL's")
def test_repeated_rebuilds_keep_the_score_table_size(records):
    def size() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_total_relation_size(%s)", [ScoreFact._meta.db_table])
            return cursor.fetchone()[0]

    services.facts_rebuild(as_of=AS_OF)
    once = size()
    services.facts_rebuild(as_of=AS_OF)
    services.facts_rebuild(as_of=AS_OF)
    assert size() == once


def fact_table_definitions() -> set[tuple[str, str]]:
    """Every index and constraint of the fact tables."""
    return table_definitions(sorted(services.FACT_TABLES))


def test_a_rebuild_keeps_every_index_and_key_of_the_fact_tables(records):
    before = fact_table_definitions()
    assert connection.vendor != "postgresql" or any("FOREIGN KEY" in d for _, d in before)
    services.facts_rebuild(as_of=AS_OF)
    assert fact_table_definitions() == before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the keys are dropped on PostgreSQL")
def test_a_rebuild_keeps_the_keys_into_the_clinic_tables_while_it_writes(records, monkeypatch):
    """The keys between fact tables are rebuilt after the rows; a key into a clinic table
    is never dropped, since dropping it would lock that table until the rebuild commits."""
    seen: list[set[str]] = []
    replace = services.facts_replace

    def watched(*args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT confrelid::regclass::text FROM pg_constraint "
                           "WHERE contype = 'f' AND conrelid = ANY(%s::regclass[])",
                           [sorted(services.FACT_TABLES)])
            seen.append({target for (target,) in cursor.fetchall()})
        return replace(*args, **kwargs)

    monkeypatch.setattr(services, "facts_replace", watched)
    services.facts_rebuild(as_of=AS_OF)
    assert seen == [{"clinic_jointepisode", "clinic_patient", "accounts_site"}]


SECONDARY_INDEXES = """SELECT count(*) FROM pg_index i WHERE i.indrelid = ANY(%s::regclass[])
    AND NOT i.indisprimary AND NOT EXISTS (SELECT 1 FROM pg_constraint k
                                           WHERE k.conindid = i.indexrelid)"""


@pytest.mark.skipif(connection.vendor != "postgresql", reason="indexes are dropped on PostgreSQL")
def test_a_rebuild_writes_the_rows_before_it_builds_the_secondary_indexes(records, monkeypatch):
    """The speed of the rebuild (bench/README.md, registry-refresh) comes from building each
    index with one sort after the rows are in, instead of updating it row by row."""
    counted: list[int] = []
    replace = services.facts_replace

    def watched(*args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute(SECONDARY_INDEXES, [sorted(services.FACT_TABLES)])
            counted.append(cursor.fetchone()[0])
        return replace(*args, **kwargs)

    with connection.cursor() as cursor:
        cursor.execute(SECONDARY_INDEXES, [sorted(services.FACT_TABLES)])
        declared = cursor.fetchone()[0]
    monkeypatch.setattr(services, "facts_replace", watched)
    services.facts_rebuild(as_of=AS_OF)
    assert declared > 0 and counted == [0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the keys are dropped on PostgreSQL")
def test_a_score_of_no_joint_fails_the_whole_rebuild(records, monkeypatch):
    services.facts_rebuild(as_of=AS_OF)
    before, definitions = snapshot(), fact_table_definitions()
    replace = services.facts_replace

    def with_a_stray_score(*args, **kwargs):
        n = replace(*args, **kwargs)
        with connection.cursor() as cursor:  # no key checks it now: the rebuild's check must
            cursor.execute("INSERT INTO registry_scorefact (episode_id, instrument, subscale, "
                           "timepoint, completed_on, value, counts, mode) "
                           "SELECT max(episode_id) + 1, 'nrs_pain', 'pain', 'baseline', "
                           "'2026-01-01', 1, true, '' FROM registry_episodefact")
        return n

    monkeypatch.setattr(services, "facts_replace", with_a_stray_score)
    with pytest.raises(IntegrityError):
        services.facts_rebuild(as_of=AS_OF)
    assert snapshot() == before
    assert fact_table_definitions() == definitions
