"""The ICHOM Hip & Knee Osteoarthritis report: the set's measures at its time points.

The set (Rolfson O et al., Arthritis Care Res 2016;68:1631-9): pain by NRS, function by
KOOS-PS/HOOS-PS, quality of life by EQ-5D (or SF-12), satisfaction after treatment. The
cohorts are built as frames (conftest.outcome_frames: NRS pain and WOMAC at baseline, 3, 6
and 12 months after a first injection on 2 June 2025), so every count below is known.
"""

import csv
import datetime as dt
import io

import pandas as pd
import pytest
from django.urls import reverse

from orthoregen.web.clinic.models import JointEpisode
from orthoregen.web.registry import ichom
from orthoregen.web.registry.models import EpisodeFact
from orthoregen.web.registry.sources import SourceFrames

from .conftest import AS_OF, load, make_cohort, outcome_frames, site_episodes


def by_key(rows):
    return {(r.measure.domain, r.timepoint): r for r in rows}


@pytest.fixture
def knees_and_a_hip(site_a, patient_a):
    """Five knees with NRS pain; one hip with a full HOOS and an EQ-5D-5L at 12 months."""
    make_cohort(site_a, 5)
    hip = JointEpisode.objects.create(patient=patient_a, joint="hip", side="right",
                                      diagnosis_code="M16.11", grade_scale="kellgren_lawrence",
                                      grade=3)
    frames = outcome_frames([hip])
    on = dt.date(2026, 6, 2)
    extra = pd.DataFrame([(hip.pk, "hoos", "adl", "month_12", on, 70.0),
                          (hip.pk, "eq5d5l", "index", "month_12", on, 0.8)],
                         columns=frames.scores.columns)
    load(JointEpisode.objects.filter(pk=hip.pk),
         SourceFrames(treatments=frames.treatments, visits=frames.visits,
                      injections=frames.injections, adverse_events=frames.adverse_events,
                      scores=pd.concat([frames.scores, extra], ignore_index=True)))
    return hip


def test_completeness_per_measure_and_time_point(knees_and_a_hip):
    rows = by_key(ichom.completeness(EpisodeFact.objects.all(), as_of=AS_OF))
    pain = rows[("Joint pain", "baseline")]
    assert (pain.expected, pain.collected, pain.percent) == (6, 6, 100.0)
    function = rows[("Physical function", "month_12")]
    # Only the hip has the full HOOS, which holds every HOOS-PS item; no knee has KOOS(-PS).
    assert (function.expected, function.collected) == (6, 1)
    assert function.percent == pytest.approx(100 / 6)
    low, high = function.interval
    # Wilson 95 % interval for 1/6 (Newcombe 1998, method 3): 3.0 % to 56.4 %.
    assert (round(low, 1), round(high, 1)) == (3.0, 56.4)
    assert rows[("Health-related quality of life", "month_12")].collected == 1
    # 2-year windows close in July 2027: nothing is due yet, no percentage is invented.
    late = rows[("Joint pain", "month_24")]
    assert (late.expected, late.collected, late.percent, late.interval) == (0, 0, None, None)


def test_few_joints_are_flagged_as_too_few_to_judge(knees_and_a_hip):
    rows = ichom.completeness(EpisodeFact.objects.all(), as_of=AS_OF)
    assert all(r.too_few for r in rows if r.asked)  # 6 joints, fewer than 20


def test_satisfaction_is_not_asked_at_baseline_and_never_collected(knees_and_a_hip):
    rows = by_key(ichom.completeness(EpisodeFact.objects.all(), as_of=AS_OF))
    assert not rows[("Satisfaction with the result", "baseline")].asked
    after = rows[("Satisfaction with the result", "month_6")]
    assert after.asked and (after.expected, after.collected) == (6, 0)


def test_a_knee_score_of_a_hip_instrument_does_not_count(site_a):
    (patient,) = make_cohort(site_a, 1)
    episode = patient.episodes.get()
    frames = outcome_frames([episode])
    wrong = pd.DataFrame([(episode.pk, "hoos_ps", "physical_function", "month_6",
                           dt.date(2025, 12, 1), 40.0)], columns=frames.scores.columns)
    load(site_episodes(site_a), SourceFrames(
        treatments=frames.treatments, visits=frames.visits, injections=frames.injections,
        adverse_events=frames.adverse_events,
        scores=pd.concat([frames.scores, wrong], ignore_index=True)))
    rows = by_key(ichom.completeness(EpisodeFact.objects.all(), as_of=AS_OF))
    assert rows[("Physical function", "month_6")].collected == 0


def test_the_page_shows_only_the_users_sites(knees_and_a_hip, site_b, as_user, clinician_a):
    make_cohort(site_b, 4, prefix="B")
    client = as_user(clinician_a)
    page = client.get(reverse("registry:ichom"))
    assert page.status_code == 200
    rows = by_key(page.context["rows"])
    assert rows[("Joint pain", "baseline")].expected == 6
    assert "too few to judge completeness" in page.content.decode()
    knee_only = client.get(reverse("registry:ichom"), {"joint": "knee"})
    assert by_key(knee_only.context["rows"])[("Joint pain", "baseline")].expected == 5


def test_the_csv_download(knees_and_a_hip, as_user, clinician_a):
    response = as_user(clinician_a).get(reverse("registry:ichom-csv"))
    assert response.status_code == 200 and response["Content-Type"] == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert list(rows[0]) == [
        "Domain", "ICHOM measure", "Instruments in orthoregen", "Time point",
        "Patients expected (n)", "Patients with the measure (n)", "Completeness (%)",
        "Wilson 95% interval, low (%)", "Wilson 95% interval, high (%)",
        "Too few patients to judge", "Note"]
    pain = next(r for r in rows
                if r["Domain"] == "Joint pain" and r["Time point"] == "baseline")
    assert (pain["Patients expected (n)"], pain["Patients with the measure (n)"],
            pain["Completeness (%)"]) == ("6", "6", "100.0")
    assert pain["Too few patients to judge"] == "yes"
    satisfied = next(r for r in rows if r["Domain"] == "Satisfaction with the result"
                     and r["Time point"] == "baseline")
    assert satisfied["Note"] == "not asked at this time point"


def test_a_bad_filter_is_a_400_not_a_500(as_user, clinician_a):
    client = as_user(clinician_a)
    assert client.get(reverse("registry:ichom"), {"joint": "elbow"}).status_code == 400
    assert client.get(reverse("registry:ichom-csv"), {"site": "999"}).status_code == 400


@pytest.mark.parametrize("role", ["coordinator_a", "lab_a"])
def test_roles_without_registry_access_are_refused(request, as_user, role):
    user = request.getfixturevalue(role)
    client = as_user(user)
    assert client.get(reverse("registry:ichom")).status_code == 403
    assert client.get(reverse("registry:ichom-csv")).status_code == 403
