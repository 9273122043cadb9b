"""The registry's reading of the follow-up and cell-bank records, on a real synthetic load.

synth_load runs every pathway app's hook (follow-up creates schedules, visits,
questionnaire responses, adverse events and joint replacements); the registry's fact
tables must then hold exactly what those records say.
"""

import datetime as dt

import pytest
from django.urls import reverse

from orthoregen.web.clinic.models import JointEpisode
from orthoregen.web.clinic.synth_load import synth_load
from orthoregen.web.followup.models import (
    AdverseEvent,
    OutcomeEvent,
    QuestionnaireResponse,
    ScheduledVisit,
)
from orthoregen.web.registry import services, sources
from orthoregen.web.registry.models import (
    AdverseEventFact,
    EpisodeFact,
    ScoreFact,
    VisitFact,
)

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 6, 30)


@pytest.fixture
def synthetic_site(site_a, clinician_a):
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
