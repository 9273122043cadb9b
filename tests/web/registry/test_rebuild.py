"""A whole-registry rebuild (registry-refresh without --site): same rows every time, no growth."""

import datetime as dt

import pytest
from django.db import connection

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
