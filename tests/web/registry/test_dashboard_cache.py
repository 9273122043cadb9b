"""The dashboard's results cache and its whole-registry reads never show another cohort.

Cached results are keyed by the user's sites, the filters and the registry's data version,
so a cached dashboard is never served to someone who sees other sites, for another filter,
or after a refresh. The reads skip the per-row site check only when the registry holds no
joint of any other site, decided in the reads' own snapshot (data.fact_rows).
"""

import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse

from orthoregen.web.accounts.models import Site, User
from orthoregen.web.accounts.roles import Role
from orthoregen.web.registry import cohort as dashboard
from orthoregen.web.registry import data
from orthoregen.web.registry.models import EpisodeFact

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql",
                                     reason="the shared snapshot needs PostgreSQL")
AS_OF = dt.date(2026, 11, 1)


def shown(client, **params):
    response = client.get(reverse("registry:dashboard"), params)
    assert response.status_code == 200
    return response.context["summary"]


@pytest.mark.django_db
def test_a_cached_dashboard_is_shown_only_to_users_of_the_same_sites(as_user, site_a, site_b,
                                                                    clinician_b, cohort):
    cohort(site_a, 4, prefix="A")
    cohort(site_b, 3, prefix="B")
    both = User.objects.create_user("both_sites", password="x" * 14, role=Role.ANALYST)
    both.sites.set([site_a, site_b])
    assert shown(as_user(clinician_b)).n_patients == 3  # computed and cached for site B
    assert shown(as_user(both)).n_patients == 7
    assert shown(as_user(both), site=site_b.pk).n_patients == 3
    both.sites.set([site_a])  # membership withdrawn: the two-site result must not be reused
    assert shown(as_user(both)).n_patients == 4


@pytest.mark.django_db
def test_a_cached_dashboard_is_shown_only_for_its_filters(as_user, clinician_a, site_a, cohort):
    cohort(site_a, 5)  # left knees
    client = as_user(clinician_a)
    assert shown(client, joint="knee").n_patients == 5
    assert shown(client, joint="hip").n_patients == 0
    assert shown(client, joint="knee", measure="womac_lk31:function").measure.subscale \
        == "function"


@pytest.mark.django_db
def test_a_refresh_shows_at_once_even_when_the_number_of_joints_is_unchanged(
        as_user, clinician_a, site_a, cohort, frames_for):
    from orthoregen.web.clinic.models import JointEpisode
    from orthoregen.web.registry import services

    cohort(site_a, 25)
    client = as_user(clinician_a)
    before = shown(client).change
    episodes = JointEpisode.objects.filter(patient__site=site_a)
    # The same joints refreshed with other scores (another seed): same row counts.
    services.facts_replace(episodes, frames_for(list(episodes), seed=7), as_of=AS_OF)
    after = shown(client).change
    assert not after["mean_change"].equals(before["mean_change"])
    cohort(site_a, 3, prefix="C")  # and a refresh that adds patients
    assert shown(client).n_patients == 28


def test_whole_sites_only_when_no_filter_narrows_the_joints():
    every = dashboard.CohortFilter(site_ids=(1, 2))
    assert every.whole_sites([1, 2, 3]) == frozenset({1, 2})
    assert every.whole_sites([2]) == frozenset({2})
    for narrowed in ({"joint": "knee"}, {"grade": 0}, {"cell_source": "bmac"},
                     {"treated_from": dt.date(2025, 1, 1)}, {"protocol_version": "v1"}):
        assert dashboard.CohortFilter(site_ids=(1,), **narrowed).whole_sites([1]) is None
    # Mode narrows the scores, not the joints: the reads still filter it.
    assert dashboard.CohortFilter(site_ids=(1,), mode="portal").whole_sites([1]) \
        == frozenset({1})


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_whole_registry_reads_equal_the_scoped_reads(cohort, monkeypatch):
    site = Site.objects.create(code="whole", name="Only clinic")
    cohort(site, 30, arthroplasty_every=7)
    episodes = EpisodeFact.objects.filter(site=site)
    checks = []
    real = data.registry_sites
    monkeypatch.setattr(data, "registry_sites", lambda: checks.append(1) or real())
    whole = dashboard.cohort_summary(episodes, measure_key=None, joint=None, as_of=AS_OF,
                                     whole_sites=frozenset({site.pk}))
    assert checks, "the reads asked which sites the registry holds"
    scoped = dashboard.cohort_summary(episodes, measure_key=None, joint=None, as_of=AS_OF)
    assert whole.n_treated == scoped.n_treated == 30
    assert whole.change.equals(scoped.change)
    assert whole.oarsi.equals(scoped.oarsi)
    assert whole.follow_up.equals(scoped.follow_up)
    assert whole.survival.events == scoped.survival.events > 0
    assert whole.n_injections == scoped.n_injections


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_whole_site_reads_never_count_another_sites_joints(as_user, cohort):
    mine = Site.objects.create(code="mine", name="My clinic")
    other = Site.objects.create(code="other", name="Other clinic")
    cohort(mine, 4, prefix="M")
    cohort(other, 25, prefix="O")
    user = User.objects.create_user("mine_analyst", password="x" * 14, role=Role.ANALYST)
    user.sites.set([mine])
    assert data.registry_sites() == frozenset({mine.pk, other.pk})
    summary = shown(as_user(user))
    assert (summary.n_patients, summary.n_treated, summary.n_injections) == (4, 4, 4)
    assert int(summary.follow_up["n_scheduled"].sum()) == 4 * 4  # 3 visits done, 1 at 24 months
    episodes = EpisodeFact.objects.filter(site=mine)
    direct = dashboard.cohort_summary(episodes, measure_key=None, joint=None, as_of=AS_OF,
                                      whole_sites=frozenset({mine.pk}))
    assert direct.n_treated == 4
    assert int(direct.change["n_paired"].max()) == 4
