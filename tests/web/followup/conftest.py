"""Follow-up fixtures: a knee episode of patient A with a schedule, a reachable patient with
a knee and a hip for the baseline tests, and helpers."""

import datetime as dt

import pytest

from orthoregen.web.clinic.models import JointEpisode
from orthoregen.web.followup.models import ScheduledVisit
from orthoregen.web.followup.services import schedule_create
from orthoregen.web.followup.sms import LocmemSmsBackend

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


@pytest.fixture
def knee(patient_a):
    """Patient A's knee, the patient reachable by email and text message (outbox emptied)."""
    patient_a.email, patient_a.phone = "ada@example.org", "+44 7700 900001"
    patient_a.save()
    LocmemSmsBackend.outbox = []
    return patient_a.episodes.get()


@pytest.fixture
def hip(knee):
    return JointEpisode.objects.create(patient=knee.patient, joint="hip", side="right",
                                       diagnosis_code="M16.11",
                                       grade_scale="kellgren_lawrence", grade=2)


def visit_of(schedule, timepoint: str) -> ScheduledVisit:
    return schedule.visits.get(timepoint=timepoint, kind="visit")
