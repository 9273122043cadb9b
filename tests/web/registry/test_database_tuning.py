"""What the dashboard relies on from the database: no JIT, vacuumed facts, exact reads."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from django.db import connection

from orthoregen.web.clinic.models import JointEpisode, Patient
from orthoregen.web.registry import data, services
from orthoregen.web.registry.models import EpisodeFact, ScoreFact
from orthoregen.web.registry.sources import SourceFrames

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql",
                                     reason="a PostgreSQL setting")


@postgresql_only
@pytest.mark.django_db
def test_postgresql_connections_run_without_jit():
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


@pytest.mark.django_db
def test_vacuum_is_skipped_inside_a_transaction():
    assert services.vacuum_facts() is False


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_vacuum_marks_the_fact_tables_vacuumed():
    assert services.vacuum_facts() is True
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_user_tables WHERE relname LIKE "
                       "'registry_%%fact' AND last_vacuum IS NOT NULL")
        assert cursor.fetchone()[0] == len(services.FACT_MODELS)


@pytest.mark.django_db
def test_the_packed_reader_returns_what_the_row_reader_returns(site_a):
    """Missing dates, whole numbers and coded labels survive the binary packing exactly."""
    patient = Patient.objects.create(site=site_a, mrn="P-1", family_name="Pack", given_name="Al",
                                     date_of_birth=dt.date(1950, 3, 1), sex="female")
    treated, untreated = (JointEpisode.objects.create(
        patient=patient, joint="knee", side=side, diagnosis_code=code,
        grade_scale="kellgren_lawrence", grade=3)
        for side, code in (("left", "M17.12"), ("right", "M17.11")))
    scores = pd.DataFrame(
        [(treated.pk, "womac_lk31", "pain_normalised", "baseline", dt.date(2025, 1, 2), 55.0),
         (treated.pk, "womac_lk31", "function_normalised", "month_6", dt.date(2025, 7, 1),
          100 / 3)],
        columns=["episode_id", "instrument", "subscale", "timepoint", "completed_on", "value"])
    injections = pd.DataFrame([(treated.pk, dt.date(2025, 1, 9), "bmac", 2e7, "a:1")],
                              columns=["episode_id", "administered_on", "cell_source",
                                       "dose_cells", "source_ref"])
    services.facts_replace(JointEpisode.objects.all(),
                           SourceFrames(scores=scores, injections=injections),
                           as_of=dt.date(2026, 1, 1))
    facts = EpisodeFact.objects.all()

    episodes = data.cohort_episodes(facts).set_index("episode_id").sort_index()
    assert episodes.loc[treated.pk, "first_treated_on"] == pd.Timestamp(2025, 1, 9)
    assert pd.isna(episodes.loc[untreated.pk, "first_treated_on"])
    assert pd.isna(episodes.loc[treated.pk, "arthroplasty_on"])
    assert episodes["injections"].tolist() == [1, 0]

    read = data.cohort_scores(facts, "womac_lk31", ["pain_normalised", "function_normalised"],
                              ("baseline", "month_3", "month_6"))
    read = read.sort_values("value").reset_index(drop=True)
    assert read["subscale"].tolist() == ["function_normalised", "pain_normalised"]
    assert read["timepoint"].tolist() == ["month_6", "baseline"]
    assert read["value"].tolist() == [100 / 3, 55.0]  # full float8 precision
    assert read["episode_id"].dtype == np.int64
    assert ScoreFact.objects.filter(counts=True).count() == 2
