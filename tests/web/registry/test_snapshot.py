"""The dashboard's parallel reads: the same answers as one connection, in one snapshot.

These tests commit for real (transaction=True): worker connections cannot see rows of a
test transaction that was never committed, which is why, inside a transaction, the reads
run in order on the test's own connection (the first test).
"""

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from orthoregen.web.accounts.models import Site
from orthoregen.web.registry import cohort as dashboard
from orthoregen.web.registry import data, snapshot
from orthoregen.web.registry.models import EpisodeFact

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql",
                                     reason="worker connections need PostgreSQL")


@pytest.mark.django_db
def test_inside_a_transaction_reads_run_in_order_on_this_connection():
    threads = []
    result = snapshot.read_together({
        "a": lambda: threads.append(threading.get_ident()) or 1,
        "b": lambda: threads.append(threading.get_ident()) or 2,
    })
    assert result == {"a": 1, "b": 2}
    assert threads == [threading.get_ident()] * 2


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_parallel_dashboard_equals_the_one_connection_dashboard(cohort):
    site = Site.objects.create(code="snap", name="Snapshot clinic")
    cohort(site, 30, arthroplasty_every=7)
    episodes = EpisodeFact.objects.filter(site=site)
    as_of = dt.date(2026, 11, 1)
    assert snapshot.can_share_snapshot()
    parallel = dashboard.cohort_summary(episodes, measure_key=None, joint="knee", as_of=as_of)
    original = dashboard.read_together
    try:
        dashboard.read_together = snapshot._run_in_order
        in_order = dashboard.cohort_summary(episodes, measure_key=None, joint="knee", as_of=as_of)
    finally:
        dashboard.read_together = original
    assert parallel.n_treated == in_order.n_treated == 30
    assert parallel.change.equals(in_order.change)
    assert parallel.oarsi.equals(in_order.oarsi)
    assert parallel.follow_up.equals(in_order.follow_up)
    assert parallel.survival.events == in_order.survival.events > 0


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_workers_see_the_snapshot_not_a_refresh_that_commits_meanwhile(cohort):
    site = Site.objects.create(code="snap", name="Snapshot clinic")
    cohort(site, 5)
    episodes = EpisodeFact.objects.filter(site=site)

    def delete_on_another_connection():
        EpisodeFact.objects.filter(site=site).delete()  # autocommit: committed at once
        connections.close_all()

    with snapshot.shared_snapshot() as run:
        writer = threading.Thread(target=delete_on_another_connection)
        writer.start()
        writer.join()
        seen = run({"joints": lambda: len(data.cohort_episodes(episodes)),
                    "threads": lambda: threading.get_ident()})
    assert seen["joints"] == 5  # the snapshot predates the delete
    assert seen["threads"] != threading.get_ident()
    assert EpisodeFact.objects.filter(site=site).count() == 0
