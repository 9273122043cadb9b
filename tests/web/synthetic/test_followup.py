"""The synthetic follow-up: schedules from procedures, scored answers, attrition, safety."""

import datetime as dt

import pytest

from orthoregen.instruments import score
from orthoregen.web.clinic.models import Encounter
from orthoregen.web.followup.models import (
    FollowUpSchedule,
    Message,
    QuestionnaireResponse,
    ScheduledVisit,
)
from orthoregen.web.synthetic.clinic import synth_load

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 6, 1)


@pytest.fixture
def cohort(site_a, clinician_a):
    return synth_load(site_a, 300, seed=11, as_of=AS_OF)


def test_every_procedure_starts_one_schedule_of_eight_visits(cohort):
    procedures = Encounter.objects.filter(kind="procedure").count()
    assert FollowUpSchedule.objects.count() == procedures > 0
    assert ScheduledVisit.objects.count() == 8 * procedures


def test_stored_scores_equal_the_instruments_package_row_by_row(cohort):
    sample = QuestionnaireResponse.objects.order_by("?")[:60]
    for response in sample:
        expected = score(response.instrument_id, response.answers).values
        assert response.scores == pytest.approx(expected, nan_ok=True)


def test_responses_belong_to_completed_visits_of_their_own_time_point(cohort):
    follow_up = QuestionnaireResponse.objects.exclude(timepoint="baseline").select_related("visit")
    assert follow_up.exists()
    for response in follow_up[:200]:
        assert response.visit.status == "completed"
        assert response.visit.timepoint == response.timepoint
        assert response.visit.earliest <= response.completed_on <= AS_OF
    assert QuestionnaireResponse.objects.filter(timepoint="baseline", visit__isnull=True).exists()


def test_attrition_is_visible_and_the_worklist_has_work(cohort):
    month_3 = ScheduledVisit.objects.filter(timepoint="month_3", kind="visit",
                                            latest__lt=AS_OF).exclude(status="stopped")
    completed = month_3.filter(status="completed").count() / month_3.count()
    assert 0.6 < completed < 0.95  # about 80 % at 3 months, never everyone
    open_now = ScheduledVisit.objects.filter(status="pending", earliest__lte=AS_OF,
                                             latest__gte=AS_OF, kind="visit")
    assert open_now.exists()
    # Every reminder logged for an open visit is one the planner would have sent.
    assert set(Message.objects.values_list("step", flat=True)) <= {"email", "sms", "call_task"}


def test_pain_improves_on_average_but_not_for_everyone(cohort):
    def mean_pain(timepoint):
        rows = QuestionnaireResponse.objects.filter(instrument_id="womac_lk31",
                                                    timepoint=timepoint)
        values = [r.scores["pain_normalised"] for r in rows]
        return sum(values) / len(values), values

    baseline, _ = mean_pain("baseline")
    month_6, values = mean_pain("month_6")
    # docs/evidence.md#change-after-injection, realistic scenario: about -24 at 6 months (SD of
    # change 22).
    assert -35 < month_6 - baseline < -12
    assert max(values) > baseline  # some patients are worse


def test_every_schedule_visit_and_task_names_the_patients_site(cohort, site_a):
    # The bulk load writes the site copies itself (no save() runs): each must be the
    # patient's, which the check compares row by row.
    from orthoregen.web.followup.models import ReviewTask
    from orthoregen.web.followup.site_copies import site_copy_mismatches

    assert ReviewTask.objects.exists()
    assert site_copy_mismatches() == {"schedules": 0, "visits": 0, "tasks": 0}
    for model in (FollowUpSchedule, ScheduledVisit, ReviewTask):
        assert set(model.objects.values_list("site_id", flat=True)) == {site_a.pk}




def _loaded_since(episode_after, visit_after):
    """The questionnaires and visits loaded after these ids, ids counted from the load's first
    (PostgreSQL's sequences do not restart between tests)."""
    from orthoregen.web.clinic.models import JointEpisode

    episode_base = JointEpisode.objects.filter(pk__gt=episode_after).order_by("pk").first().pk
    visits = ScheduledVisit.objects.filter(pk__gt=visit_after).order_by("pk")
    visit_base = visits.first().pk
    responses = QuestionnaireResponse.objects.filter(episode_id__gte=episode_base).order_by("pk")
    return ([(episode - episode_base, None if visit is None else visit - visit_base, rest)
             for episode, visit, *rest in responses.values_list(
                 "episode_id", "visit_id", "timepoint", "instrument_id", "answers", "scores",
                 "completed_on", "idempotency_key")],
            list(visits.values_list("timepoint", "kind", "target", "status", "completed_on")))


def _last_ids():
    from orthoregen.web.clinic.models import JointEpisode

    last = [model.objects.order_by("pk").last() for model in (JointEpisode, ScheduledVisit)]
    return tuple(0 if row is None else row.pk for row in last)


def test_questionnaires_made_in_small_chunks_equal_those_made_whole(site_a, clinician_a,
                                                                    monkeypatch):
    # The questionnaires' JSON and rows are made RESPONSE_CHUNK rows at a time as the insert
    # reads them, BATCH rows per COPY: the cohort must not depend on either size.
    from orthoregen.web.synthetic import bulk, followup
    from orthoregen.web.synthetic.clinic import synthetic_site

    before = _last_ids()
    synth_load(site_a, 120, seed=5, as_of=AS_OF)
    whole = _loaded_since(*before)
    monkeypatch.setattr(followup, "RESPONSE_CHUNK", 7)
    monkeypatch.setattr(bulk, "BATCH", 11)
    before = _last_ids()
    synth_load(synthetic_site("chunked", "Chunked"), 120, seed=5, as_of=AS_OF)
    responses, visits = _loaded_since(*before)
    assert len(whole[0]) > 100 and len(whole[1]) > 100
    # The idempotency key names the site; everything else is equal.
    assert [(e, v, [*rest[:-1], rest[-1].replace("-chunked-", f"-{site_a.code}-")])
            for e, v, rest in responses] == whole[0]
    assert visits == whole[1]
