"""Follow-up fixtures: a knee episode of patient A with a schedule, and helpers."""

import datetime as dt

import pytest

from orthoregen.web.followup.models import ScheduledVisit
from orthoregen.web.followup.services import schedule_create

ADMINISTERED = dt.date(2026, 1, 15)


@pytest.fixture
def episode_a(patient_a):
    return patient_a.episodes.get()


@pytest.fixture
def episode_b(patient_b):
    return patient_b.episodes.get()


@pytest.fixture
def schedule_a(episode_a):
    return schedule_create(episode_a, administered_on=ADMINISTERED)


@pytest.fixture
def visit_a(schedule_a):
    """The 3-month questionnaire visit: window 2026-04-01 .. 2026-04-29, target 04-15."""
    return schedule_a.visits.get(timepoint="month_3", kind="visit")


def visit_of(schedule, timepoint: str) -> ScheduledVisit:
    return schedule.visits.get(timepoint=timepoint, kind="visit")
