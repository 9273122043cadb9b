"""schedule_create: the visits, windows and instruments an administration starts."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from orthoregen.scheduling.protocol import DEFAULT_PROTOCOL
from orthoregen.web.clinic.models import JointEpisode
from orthoregen.web.followup.models import FollowUpSchedule, ScheduledVisit
from orthoregen.web.followup.services import schedule_create

pytestmark = pytest.mark.django_db


def test_creates_six_visits_and_two_mri_from_the_active_protocol(episode_a):
    schedule = schedule_create(episode_a, administered_on=dt.date(2026, 1, 15))
    visits = list(schedule.visits.order_by("target", "kind"))
    assert [(v.timepoint, v.kind) for v in visits] == [
        ("week_6_8", "visit"), ("month_3", "visit"), ("month_6", "mri"), ("month_6", "visit"),
        ("month_12", "mri"), ("month_12", "visit"), ("month_24", "visit"),
        ("month_36", "visit")]
    assert schedule.protocol.version == DEFAULT_PROTOCOL.version
    month_3 = schedule.visits.get(timepoint="month_3", kind="visit")
    # 15 Jan + 3 calendar months = 15 Apr; window +-14 days (protocol DEFAULT_VISITS).
    assert (month_3.earliest, month_3.target, month_3.latest) == (
        dt.date(2026, 4, 1), dt.date(2026, 4, 15), dt.date(2026, 4, 29))
    # Knee defaults (docs/follow-up.md#instruments-per-joint): pain NRS, WOMAC, KOOS.
    assert month_3.instruments_due == ["nrs_pain", "womac_lk31", "koos"]
    # 6-8 weeks: day 49 (7 weeks) +-7 days = day 42..56, i.e. exactly weeks 6 to 8.
    week_6_8 = schedule.visits.get(timepoint="week_6_8")
    assert (week_6_8.earliest - schedule.administered_on).days == 42
    assert (week_6_8.latest - schedule.administered_on).days == 56


@pytest.mark.parametrize(("administered", "timepoint", "target"), [
    # Calendar-month arithmetic clips to the month's last day (dateutil relativedelta docs).
    (dt.date(2026, 1, 31), "month_3", dt.date(2026, 4, 30)),
    (dt.date(2025, 11, 30), "month_3", dt.date(2026, 2, 28)),
    (dt.date(2024, 2, 29), "month_12", dt.date(2025, 2, 28)),
    (dt.date(2024, 2, 29), "month_24", dt.date(2026, 2, 28)),
    (dt.date(2023, 2, 28), "month_12", dt.date(2024, 2, 28)),
    (dt.date(2026, 12, 31), "month_6", dt.date(2027, 6, 30)),
])
def test_targets_across_month_ends_and_29_february(episode_a, administered, timepoint, target):
    schedule = schedule_create(episode_a, administered_on=administered)
    assert schedule.visits.get(timepoint=timepoint, kind="visit").target == target


def test_an_evening_injection_counts_on_the_clinics_date(episode_a):
    # 23:30 UTC on 30 June is 00:30 on 1 July in London (BST, UTC+1).
    moment = dt.datetime(2026, 6, 30, 23, 30, tzinfo=ZoneInfo("UTC"))
    schedule = schedule_create(episode_a, administered_on=moment)
    assert schedule.administered_on == dt.date(2026, 7, 1)


def test_same_day_twice_returns_the_same_schedule(episode_a):
    first = schedule_create(episode_a, administered_on=dt.date(2026, 1, 15))
    again = schedule_create(episode_a, administered_on=dt.date(2026, 1, 15))
    assert first.pk == again.pk
    assert ScheduledVisit.objects.filter(schedule__episode=episode_a).count() == 8


def test_second_injection_starts_a_new_schedule_and_stops_the_old_ones_later_visits(episode_a):
    first = schedule_create(episode_a, administered_on=dt.date(2026, 1, 15))
    second = schedule_create(episode_a, administered_on=dt.date(2026, 5, 1))
    assert FollowUpSchedule.objects.filter(episode=episode_a).count() == 2
    assert second.visits.filter(status="pending").count() == 8
    # The first schedule keeps its visits before 1 May; those after are stopped.
    kept = set(first.visits.filter(status="pending").values_list("timepoint", flat=True))
    assert kept == {"week_6_8", "month_3"}
    assert first.visits.filter(status="stopped").count() == 6


def test_two_joints_have_independent_schedules(episode_a):
    right_knee = JointEpisode.objects.create(patient=episode_a.patient, joint="knee",
                                             side="right", diagnosis_code="M17.11",
                                             grade_scale="kellgren_lawrence", grade=2)
    schedule_create(episode_a, administered_on=dt.date(2026, 1, 15))
    other = schedule_create(right_knee, administered_on=dt.date(2026, 2, 20))
    assert episode_a.followup_schedules.get().visits.filter(status="pending").count() == 8
    assert other.visits.get(timepoint="month_3", kind="visit").target == dt.date(2026, 5, 20)


def test_hip_and_shoulder_get_their_own_instruments(patient_a):
    hip = JointEpisode.objects.create(patient=patient_a, joint="hip", side="left",
                                      diagnosis_code="M16.12",
                                      grade_scale="kellgren_lawrence", grade=2)
    shoulder = JointEpisode.objects.create(patient=patient_a, joint="shoulder", side="left",
                                           diagnosis_code="M19.012",
                                           grade_scale="samilson_prieto", grade=1)
    hip_visit = schedule_create(hip, administered_on=dt.date(2026, 1, 15)).visits.first()
    shoulder_visit = schedule_create(shoulder, administered_on=dt.date(2026, 1, 15)).visits.first()
    assert hip_visit.instruments_due == ["nrs_pain", "womac_lk31", "hoos", "hhs"]
    assert shoulder_visit.instruments_due == ["nrs_pain", "ases", "rom_shoulder"]


@settings(max_examples=25, deadline=None, derandomize=True)
@given(st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2035, 12, 31)))
@example(dt.date(2024, 2, 29))
@example(dt.date(2026, 3, 29))  # the night clocks go forward in London
def test_stored_windows_are_ordered_and_never_overlap(django_db_blocker, administered):
    with django_db_blocker.unblock():
        from orthoregen.web.accounts.models import Site
        from orthoregen.web.clinic.models import Patient

        site, _ = Site.objects.get_or_create(code="hyp", defaults={"name": "Hypothesis"})
        patient, _ = Patient.objects.get_or_create(
            site=site, mrn="H-1", defaults={"family_name": "H", "given_name": "Y",
                                            "date_of_birth": dt.date(1960, 1, 1), "sex": "male"})
        episode = JointEpisode.objects.create(patient=patient, joint="knee", side="left",
                                              diagnosis_code="M17.12",
                                              grade_scale="kellgren_lawrence", grade=2)
        visits = list(schedule_create(episode, administered_on=administered)
                      .visits.filter(kind="visit").order_by("target"))
        for visit in visits:
            assert visit.earliest <= visit.target <= visit.latest
        for before, after in zip(visits, visits[1:], strict=False):
            assert before.latest < after.earliest
