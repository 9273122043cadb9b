"""A whole-registry rebuild (registry-refresh without --site): same rows every time, no growth."""

import datetime as dt

import pytest
from django.db import IntegrityError, connection

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
    """Every index and foreign key of the fact tables, as the database states it."""
    tables = sorted(services.FACT_TABLES)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = ANY(%s::regclass[]) UNION ALL "
                "SELECT tablename, indexdef FROM pg_indexes WHERE tablename = ANY(%s)",
                [tables, tables])
        else:
            cursor.execute(f"SELECT tbl_name, sql FROM sqlite_master WHERE type = 'index' AND "
                           f"tbl_name IN ({', '.join(['%s'] * len(tables))})", tables)
        return set(cursor.fetchall())


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
