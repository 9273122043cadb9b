"""The dashboard's numbers for a hand-built cohort, on whichever database runs the suite.

Expected values are worked by hand from the rows below (means of the listed changes), so
the PostgreSQL column-array reader and the SQLite row reader are held to the same answer.
"""

import datetime as dt

import pandas as pd
import pytest

from orthoregen.web.clinic.models import JointEpisode, Patient
from orthoregen.web.registry import cohort, services
from orthoregen.web.registry.models import EpisodeFact
from orthoregen.web.registry.sources import SourceFrames

pytestmark = pytest.mark.django_db

TREATED = dt.date(2025, 1, 6)
# NRS pain at baseline and 6 months: changes -2, -3, -3 and one joint with no 6-month score.
PAIN = [(6, 4), (7, 4), (8, 5), (5, None)]


@pytest.fixture
def four_joints(site_a):
    episodes = []
    for i in range(len(PAIN)):
        patient = Patient.objects.create(site=site_a, mrn=f"K-{i}", family_name=f"K{i}",
                                         given_name="Jo", date_of_birth=dt.date(1960, 1, 1),
                                         sex="male")
        episodes.append(JointEpisode.objects.create(patient=patient, joint="knee",
                                                    side="left", diagnosis_code="M17.12",
                                                    grade_scale="kellgren_lawrence", grade=3))
    scores, visits, injections = [], [], []
    for episode, (before, after) in zip(episodes, PAIN, strict=True):
        scores.append((episode.pk, "nrs_pain", "pain", "baseline", TREATED, before))
        # A second questionnaire in the same window: the earlier one counts.
        if after is not None:
            scores.append((episode.pk, "nrs_pain", "pain", "month_6",
                           TREATED + dt.timedelta(days=180), after))
            scores.append((episode.pk, "nrs_pain", "pain", "month_6",
                           TREATED + dt.timedelta(days=200), 0))
        visits.append((episode.pk, "month_6", TREATED + dt.timedelta(days=210),
                       after is not None))
        visits.append((episode.pk, "month_24", TREATED + dt.timedelta(days=790), False))
        injections.append((episode.pk, TREATED, "adipose_svf", 30e6, ""))
    frames = SourceFrames(
        scores=pd.DataFrame(scores, columns=["episode_id", "instrument", "subscale",
                                             "timepoint", "completed_on", "value"]),
        visits=pd.DataFrame(visits, columns=["episode_id", "timepoint", "window_closes",
                                             "completed"]),
        injections=pd.DataFrame(injections, columns=["episode_id", "administered_on",
                                                     "cell_source", "dose_cells",
                                                     "source_ref"]),
    )
    services.facts_replace(JointEpisode.objects.all(), frames, as_of=dt.date(2026, 1, 1))
    return episodes


def test_change_follow_up_and_survival_for_a_known_cohort(four_joints):
    summary = cohort.cohort_summary(EpisodeFact.objects.all(), measure_key=None, joint="knee",
                                    as_of=dt.date(2026, 1, 1))
    row = summary.change.set_index("timepoint").loc["month_6"]
    assert row["n_paired"] == 3 and row["n_baseline_only"] == 1
    assert row["mean_change"] == pytest.approx(-8 / 3)  # (-2 - 3 - 3) / 3
    assert bool(row["too_thin"])
    lost = summary.follow_up.set_index("timepoint")
    assert (lost.loc["month_6", "n_due"], lost.loc["month_6", "n_lost"]) == (4, 1)
    assert lost.loc["month_24", "n_not_yet_due"] == 4
    assert (summary.n_treated, summary.n_injections, summary.survival.events) == (4, 4, 0)
    facts = EpisodeFact.objects.get(episode=four_joints[0])
    assert (facts.dose_band, facts.cell_source, facts.age_at_treatment) == (
        "10 to 49 million", "adipose_svf", 65)


def test_filters_narrow_the_cohort(four_joints, site_a):
    filters = cohort.CohortFilter(site_ids=(site_a.pk,), dose_band="50 to 99 million")
    assert not filters.apply(EpisodeFact.objects.all()).exists()
    filters = cohort.CohortFilter(site_ids=(site_a.pk,), cell_source="adipose_svf", grade=3,
                                  treated_from=TREATED, treated_to=TREATED)
    assert filters.apply(EpisodeFact.objects.all()).count() == 4


def test_dashboard_reuses_results_until_the_facts_change(four_joints, as_user, clinician_a,
                                                         site_a, django_assert_max_num_queries):
    from django.urls import reverse

    client = as_user(clinician_a)
    first = client.get(reverse("registry:dashboard"))
    assert first.context["summary"].n_patients == 4
    # Session, user, choices, version, audit (three statements with its hash chain): no scores.
    with django_assert_max_num_queries(14):
        again = client.get(reverse("registry:dashboard"))
    assert again.context["summary"].n_patients == 4
    EpisodeFact.objects.filter(episode=four_joints[0]).delete()
    assert client.get(reverse("registry:dashboard")).context["summary"].n_patients == 3
