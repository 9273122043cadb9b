"""The registry's reading of the follow-up and cell-bank records, on a real synthetic load.

synth_load runs every pathway stage (follow-up creates schedules, visits,
questionnaire responses, adverse events and joint replacements); the registry's fact
tables must then hold exactly what those records say.
"""

import datetime as dt

import pytest
from django.urls import reverse

from orthoregen.web.clinic.models import JointEpisode
from orthoregen.web.followup.models import QuestionnaireResponse, ScheduledVisit
from orthoregen.web.registry import services, sources
from orthoregen.web.registry.models import (
    AdverseEventFact,
    EpisodeFact,
    ScoreFact,
    VisitFact,
)
from orthoregen.web.safety.models import AdverseEvent, OutcomeEvent
from orthoregen.web.synthetic.clinic import synth_load

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 6, 30)


@pytest.fixture
def synthetic_site(site_a, clinician_a):
    site_a.is_synthetic = True  # synthetic patients go only into synthetic sites
    site_a.save(update_fields=["is_synthetic"])
    synth_load(site_a, 60, seed=11, as_of=AS_OF)
    episodes = JointEpisode.objects.filter(patient__site=site_a)
    services.facts_replace(episodes, sources.read_source(episodes), as_of=AS_OF)
    return site_a


def numeric_scores() -> int:
    return sum(isinstance(v, (int, float)) and not isinstance(v, bool)
               for scores in QuestionnaireResponse.objects.values_list("scores", flat=True)
               for v in scores.values())


def test_fact_tables_hold_what_the_follow_up_records_say(synthetic_site):
    assert QuestionnaireResponse.objects.exists()
    assert ScoreFact.objects.count() == numeric_scores()
    assert VisitFact.objects.count() == ScheduledVisit.objects.filter(kind="visit").count()
    assert EpisodeFact.objects.count() == JointEpisode.objects.count()
    replaced = set(OutcomeEvent.objects.filter(kind="arthroplasty")
                   .values_list("episode_id", "occurred_on"))
    assert set(EpisodeFact.objects.exclude(arthroplasty_on=None)
               .values_list("episode_id", "arthroplasty_on")) == replaced
    assert AdverseEventFact.objects.count() == AdverseEvent.objects.count()
    serious = sum(bool(s) for s in AdverseEvent.objects.values_list("seriousness", flat=True))
    assert AdverseEventFact.objects.filter(serious=True).count() == serious


def test_a_real_patient_report_and_dashboard_render(synthetic_site, as_user, clinician_a):
    episode = EpisodeFact.objects.filter(scores__isnull=False).first()
    client = as_user(clinician_a)
    report = client.get(reverse("registry:patient-report", args=[episode.patient_id]))
    assert report.status_code == 200 and b"data:image/svg+xml" in report.content
    dashboard = client.get(reverse("registry:dashboard"))
    assert dashboard.status_code == 200
    assert dashboard.context["summary"].n_treated == EpisodeFact.objects.exclude(
        first_treated_on=None).count()


def test_the_earliest_questionnaire_in_a_window_is_the_one_that_counts(synthetic_site):
    """A patient who answers twice in one window: the refresh counts the earlier answer."""
    first = QuestionnaireResponse.objects.exclude(timepoint="").exclude(scores={}).first()
    earlier = QuestionnaireResponse.objects.get(pk=first.pk)
    earlier.pk = None
    earlier.idempotency_key = f"{first.idempotency_key}-earlier"
    earlier.completed_on = first.completed_on - dt.timedelta(days=1)
    earlier.scores = {k: (v + 1 if isinstance(v, (int, float)) else v)
                      for k, v in first.scores.items()}
    earlier.save()
    episodes = JointEpisode.objects.filter(patient__site=synthetic_site)
    services.facts_replace(episodes, sources.read_source(episodes), as_of=AS_OF)

    rows = ScoreFact.objects.filter(episode__episode=first.episode_id,
                                    instrument=first.instrument_id, timepoint=first.timepoint)
    counted = {r.subscale: r.value for r in rows.filter(counts=True)}
    assert counted == {k: v for k, v in earlier.scores.items() if isinstance(v, (int, float))}
    assert rows.filter(counts=False).count() == len(counted)  # the later answer: kept, not counted
    # Everywhere else exactly one score per episode, instrument, subscale and visit counts.
    keys = (ScoreFact.objects.exclude(timepoint="")
            .values_list("episode_id", "instrument", "subscale", "timepoint").distinct())
    assert ScoreFact.objects.filter(counts=True).count() == keys.count()
    assert not ScoreFact.objects.filter(timepoint="", counts=True).exists()


def test_the_frame_path_counts_the_same_way():
    import pandas as pd

    scores = pd.DataFrame(
        [(1, "nrs_pain", "pain", "month_6", dt.date(2025, 7, 9), 4.0),
         (1, "nrs_pain", "pain", "month_6", dt.date(2025, 7, 2), 5.0),
         (1, "nrs_pain", "pain", "month_6", dt.date(2025, 7, 2), 6.0),  # tie: first listed
         (1, "nrs_pain", "pain", "", dt.date(2025, 9, 1), 3.0),
         (2, "nrs_pain", "pain", "month_6", dt.date(2025, 7, 9), 2.0)],
        columns=["episode_id", "instrument", "subscale", "timepoint", "completed_on", "value"])
    assert services.counted(scores)["counts"].tolist() == [False, True, False, False, True]


def test_the_report_shows_todays_records_without_writing(synthetic_site, as_user, clinician_a,
                                                         monkeypatch):
    """The progress report reads the clinical records (not the autouse stub) in memory: it
    agrees with a refresh, shows a questionnaire newer than the last refresh, and a GET
    leaves the registry tables as they were."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from orthoregen.web.registry import data

    monkeypatch.setattr(services, "read_source", sources.read_source)
    response = QuestionnaireResponse.objects.exclude(timepoint="").exclude(scores={}).first()
    patient = response.episode.patient
    facts = EpisodeFact.objects.filter(patient=patient)
    in_memory = services.patient_frames(patient, facts, as_of=AS_OF)
    stored = data.registry_frames(facts)
    key = ["episode_id", "instrument", "subscale", "completed_on", "value"]
    assert (in_memory.scores[key].sort_values(key).reset_index(drop=True)
            .equals(stored.scores[key].sort_values(key).reset_index(drop=True)))
    columns = ["episode_id", "first_treated_on", "arthroplasty_on", "injections", "dose_band"]
    assert in_memory.episodes[columns].sort_values("episode_id").reset_index(drop=True).equals(
        stored.episodes[columns].sort_values("episode_id").reset_index(drop=True))
    assert len(in_memory.injections) == len(stored.injections)

    newer = QuestionnaireResponse.objects.get(pk=response.pk)
    newer.pk, newer.idempotency_key = None, f"{response.idempotency_key}-newer"
    newer.completed_on = dt.date(2026, 11, 20)
    newer.scores = {k: 7.25 for k in response.scores}
    newer.save()
    rows_before = ScoreFact.objects.count()
    with CaptureQueriesContext(connection) as queries:
        page = as_user(clinician_a).get(reverse("registry:patient-report", args=[patient.pk]))
    assert page.status_code == 200
    sections = [s for joint in page.context["joints"] for s in joint["measures"]]
    assert any(s["section"].latest == 7.25 for s in sections)
    writes = [q["sql"] for q in queries.captured_queries
              if q["sql"].split()[0] in ("INSERT", "UPDATE", "DELETE") and "registry_" in q["sql"]]
    assert writes == []
    assert ScoreFact.objects.count() == rows_before


def test_reports_of_joints_not_yet_injected_render_from_the_records(synthetic_site, as_user,
                                                                   clinician_a, monkeypatch):
    """Joints not yet injected, often beside a treated one (a NaT first date once gave a 500
    through the records path, which the autouse stub hides)."""
    monkeypatch.setattr(services, "read_source", sources.read_source)
    client = as_user(clinician_a)
    untreated = set(EpisodeFact.objects.filter(first_treated_on=None)
                    .values_list("patient_id", flat=True))
    assert untreated
    for patient_id in sorted(untreated)[:8]:
        for name in ("registry:patient-report", "registry:patient-report-pdf"):
            response = client.get(reverse(name, args=[patient_id]))
            assert response.status_code == 200, (name, patient_id)
