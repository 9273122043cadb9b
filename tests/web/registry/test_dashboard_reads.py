"""The dashboard's lighter reads return what the general readers return.

The score reads are packed per group of labels (data.labelled_arrays), the visits counted
with a filtered count, and the filter choices and the fact tables' version come from one
grouped scan (views._registry_state): each is compared here with the plain form.
"""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from django.db.models import Count, Max

from orthoregen.web.accounts.access import scope
from orthoregen.web.accounts.models import User
from orthoregen.web.accounts.roles import Role
from orthoregen.web.registry import data, views
from orthoregen.web.registry.models import EpisodeFact, ScoreFact, VisitFact

TIMEPOINTS = ("baseline", "month_3", "month_6", "month_12", "month_24")


def plain_scores(instrument: str, subscales: list[str]) -> pd.DataFrame:
    rows = ScoreFact.objects.filter(instrument=instrument, subscale__in=subscales,
                                    timepoint__in=TIMEPOINTS, counts=True).order_by()
    fields = ["episode_id", "subscale", "timepoint", "value"]
    return data.frame_of(rows, fields, fields)


@pytest.mark.django_db
@pytest.mark.parametrize("subscales", [["pain_normalised", "function_normalised"], ["pain"]])
def test_the_score_read_returns_every_counted_score(site_a, site_b, cohort, subscales):
    cohort(site_a, 5, prefix="A")
    cohort(site_b, 3, prefix="B")
    read = data.cohort_scores(EpisodeFact.objects.all(), "womac_lk31", subscales, TIMEPOINTS)
    assert list(read.columns) == ["episode_id", "instrument", "subscale", "timepoint", "value"]
    assert read["episode_id"].dtype == np.int64 and read["value"].dtype == np.float64
    assert list(read["timepoint"].cat.categories) == list(TIMEPOINTS)
    assert list(read["subscale"].cat.categories) == subscales
    order = ["episode_id", "subscale", "timepoint"]
    got = read.assign(**{c: read[c].astype(str) for c in ("subscale", "timepoint")})
    got = got[[*order, "value"]].sort_values(order).reset_index(drop=True)
    expected = plain_scores("womac_lk31", subscales).sort_values(order).reset_index(drop=True)
    assert len(got) == 8 * 4 * len(subscales)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)


@pytest.mark.django_db
def test_a_score_read_of_nothing_has_the_columns_and_types(site_a, cohort):
    cohort(site_a, 2)
    read = data.cohort_scores(EpisodeFact.objects.none(), "womac_lk31",
                              ["pain_normalised", "function_normalised"], TIMEPOINTS)
    assert read.empty
    assert list(read.columns) == ["episode_id", "instrument", "subscale", "timepoint", "value"]
    assert read["episode_id"].dtype == np.int64


@pytest.mark.django_db
def test_visit_counts_count_every_visit_once(site_a, cohort):
    cohort(site_a, 6)
    as_of = dt.date(2026, 1, 1)  # some month_12 windows still open, month_24 all open
    counts = data.visit_counts(EpisodeFact.objects.all(), as_of)
    assert (counts["n"] > 0).all()
    got = {(t, d, c): n for t, d, c, n in counts.itertuples(index=False)}
    expected: dict[tuple, int] = {}
    for visit in VisitFact.objects.all():
        cell = (visit.timepoint, visit.window_closes < as_of, visit.completed)
        expected[cell] = expected.get(cell, 0) + 1
    assert got == expected


@pytest.mark.django_db
def test_one_scan_gives_the_choices_and_version_of_two(site_a, site_b, cohort):
    cohort(site_a, 3, prefix="A")
    cohort(site_b, 2, prefix="B")
    EpisodeFact.objects.filter(site=site_b).update(cell_source="svf", protocol_version="other")
    EpisodeFact.objects.filter(site=site_a).update(cell_source="bmac")
    user = User.objects.create_user("one_site", password="x" * 14, role=Role.ANALYST)
    user.sites.set([site_a])
    sources, versions, version = views._registry_state(user)
    pairs = scope(EpisodeFact.objects.all(), user).values_list("cell_source",
                                                               "protocol_version")
    assert sources == sorted({s for s, _ in pairs} - {""}) == ["bmac"]
    assert versions == sorted({v for _, v in pairs} - {""})
    assert version == EpisodeFact.objects.aggregate(n=Count("pk"), last=Max("refreshed_at"))


@pytest.mark.django_db
def test_an_empty_registry_has_no_choices_and_the_empty_version(site_a):
    user = User.objects.create_user("nobody", password="x" * 14, role=Role.ANALYST)
    user.sites.set([site_a])
    assert views._registry_state(user) == ([], [], {"n": 0, "last": None})


@pytest.mark.django_db
def test_the_events_denominator_is_the_injections_the_cohort_read_counts(site_a, site_b,
                                                                        cohort):
    cohort(site_a, 4, prefix="A")
    cohort(site_b, 2, prefix="B")
    EpisodeFact.objects.filter(site=site_b).update(injections=3)
    for episodes in (EpisodeFact.objects.all(), EpisodeFact.objects.filter(site=site_a),
                     EpisodeFact.objects.filter(site=site_b), EpisodeFact.objects.none()):
        expected = int(data.cohort_episodes(episodes)["injections"].sum())
        assert data.injection_count(episodes) == expected
    assert data.injection_count(EpisodeFact.objects.filter(site=site_b)) == 6
