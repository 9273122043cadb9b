"""The user's site ids are read once per request and never outlive it (accounts.access)."""

import datetime as dt

import pytest
from django.utils import timezone

from orthoregen.web.accounts.access import request_cache, site_ids
from orthoregen.web.followup.models import ReviewTask
from orthoregen.web.followup.services import schedule_create

pytestmark = pytest.mark.django_db


def test_a_membership_change_is_seen_on_the_next_request(as_user, coordinator_a, patient_b,
                                                         site_b):
    schedule = schedule_create(patient_b.episodes.get(), administered_on=dt.date(2026, 1, 15))
    ReviewTask.objects.create(visit=schedule.visits.first(), kind="call_patient",
                              created_at=timezone.now())
    client = as_user(coordinator_a)
    assert client.get("/followup/").context["sections"]["calls"].total == 0
    coordinator_a.sites.add(site_b)
    assert client.get("/followup/").context["sections"]["calls"].total == 1
    coordinator_a.sites.remove(site_b)
    assert client.get("/followup/").context["sections"]["calls"].total == 0


def test_a_user_object_kept_outside_a_request_reads_its_sites_afresh(coordinator_a, site_a,
                                                                     site_b):
    assert site_ids(coordinator_a) == [site_a.pk]
    coordinator_a.sites.add(site_b)
    assert sorted(site_ids(coordinator_a)) == sorted([site_a.pk, site_b.pk])


def test_within_a_request_the_ids_are_read_once_until_a_membership_changes(
        coordinator_a, site_a, site_b, django_assert_num_queries):
    with request_cache():
        with django_assert_num_queries(1):
            assert site_ids(coordinator_a) == site_ids(coordinator_a) == [site_a.pk]
        coordinator_a.sites.add(site_b)  # a view that changes membership, then reads
        assert sorted(site_ids(coordinator_a)) == sorted([site_a.pk, site_b.pk])
    with django_assert_num_queries(1):  # the request is over: nothing is kept
        site_ids(coordinator_a)
