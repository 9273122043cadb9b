"""Portal fixtures: a pending 3-month visit of patient A (window open on 'today') and links."""

import datetime as dt

import pytest
import time_machine

from orthoregen.web.followup.questionnaires import invitation_create
from orthoregen.web.followup.services import schedule_create

ADMINISTERED = dt.date(2026, 1, 15)
TODAY = dt.datetime(2026, 4, 10, 12, 0, tzinfo=dt.UTC)  # inside month_3: 1-29 Apr 2026


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(TODAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def schedule_a(patient_a):
    return schedule_create(patient_a.episodes.get(), administered_on=ADMINISTERED)


@pytest.fixture
def visit_a(schedule_a):
    return schedule_a.visits.get(timepoint="month_3", kind="visit")


@pytest.fixture
def link_a(visit_a):
    invitation, token = invitation_create(visit_a)
    return invitation, f"/portal/q/{token}/"


@pytest.fixture
def visit_b(patient_b):
    schedule = schedule_create(patient_b.episodes.get(), administered_on=ADMINISTERED)
    return schedule.visits.get(timepoint="month_3", kind="visit")
