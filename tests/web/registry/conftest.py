"""Registry fixtures: outcome records built as frames, loaded through services.facts_replace.

The follow-up and cell-bank apps own the clinical records; these tests hand the registry
the frames their records would produce (sources.SourceFrames), so the registry's pages are
tested on known numbers without depending on how those apps store them.
"""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from orthoregen.web.clinic.models import JointEpisode, Patient
from orthoregen.web.registry import services
from orthoregen.web.registry.sources import SourceFrames

AS_OF = dt.date(2026, 11, 1)
TIMEPOINT_DAYS = {"baseline": -7, "month_3": 91, "month_6": 182, "month_12": 365}


def outcome_frames(episodes: list[JointEpisode], *, treated_on=dt.date(2025, 6, 2), seed=1,
                   arthroplasty_every=0) -> SourceFrames:
    """Return NRS pain and WOMAC scores, visits, one injection and AEs for each episode.

    Pain starts near 6/10 and falls by about 2 points (a stated synthetic pattern).
    """
    rng = np.random.default_rng(seed)
    scores, visits, injections, events, treatments = [], [], [], [], []
    for i, episode in enumerate(episodes):
        base_pain = float(rng.integers(5, 9))
        base_womac = float(rng.integers(8, 16))
        for timepoint, days in TIMEPOINT_DAYS.items():
            on = treated_on + dt.timedelta(days=days)
            gain = 0 if timepoint == "baseline" else float(rng.integers(0, 4))
            scores.append((episode.pk, "nrs_pain", "pain", timepoint, on, base_pain - gain))
            for sub, value in (("pain", base_womac - gain), ("function", 30 - 2 * gain),
                               ("pain_normalised", (base_womac - gain) * 5),
                               ("function_normalised", (30 - 2 * gain) * 100 / 68)):
                scores.append((episode.pk, "womac_lk31", sub, timepoint, on, value))
            if timepoint != "baseline":
                visits.append((episode.pk, timepoint, on + dt.timedelta(days=14), True))
        visits.append((episode.pk, "month_24", treated_on + dt.timedelta(days=760), False))
        injections.append((episode.pk, treated_on, "bmac", 40e6, f"administration:{i}"))
        if i % 3 == 0:
            events.append((episode.pk, f"administration:{i}", "post_injection_flare", 1, False,
                           treated_on + dt.timedelta(days=2)))
        replaced = arthroplasty_every and i % arthroplasty_every == 0
        treatments.append((episode.pk, None, None, "orthoregen-followup-2026.1", treated_on,
                           treated_on + dt.timedelta(days=300) if replaced else None, None))
    return SourceFrames(
        treatments=pd.DataFrame(treatments, columns=[
            "episode_id", "cell_source", "dose_cells", "protocol_version", "first_treated_on",
            "arthroplasty_on", "followed_until"]),
        scores=pd.DataFrame(scores, columns=["episode_id", "instrument", "subscale",
                                             "timepoint", "completed_on", "value"]),
        visits=pd.DataFrame(visits, columns=["episode_id", "timepoint", "window_closes",
                                             "completed"]),
        injections=pd.DataFrame(injections, columns=["episode_id", "administered_on",
                                                     "cell_source", "dose_cells", "source_ref"]),
        adverse_events=pd.DataFrame(events, columns=["episode_id", "injection_ref", "term",
                                                     "grade", "serious", "onset_on"]),
    )


def make_cohort(site, n: int, *, prefix: str = "R", arthroplasty_every=0) -> list[Patient]:
    """Create n patients at a site with one left-knee episode each and load their outcomes."""
    patients = Patient.objects.bulk_create([
        Patient(site=site, mrn=f"{prefix}-{i:04d}", family_name=f"Cohort{prefix}{i}",
                given_name="Sam", date_of_birth=dt.date(1960, 1, 1) + dt.timedelta(days=40 * i),
                sex="female" if i % 2 else "male") for i in range(n)])
    episodes = JointEpisode.objects.bulk_create([
        JointEpisode(patient=p, joint="knee", side="left", diagnosis_code="M17.12",
                     grade_scale="kellgren_lawrence",
                     grade=2 + i % 3) for i, p in enumerate(patients)])
    load(site_episodes(site), outcome_frames(episodes, arthroplasty_every=arthroplasty_every))
    return patients


def site_episodes(site):
    return JointEpisode.objects.filter(patient__site=site)


def load(episodes, frames: SourceFrames) -> None:
    services.facts_replace(episodes, frames, as_of=AS_OF)


@pytest.fixture(autouse=True)
def empty_dashboard_cache():
    """Each test starts without dashboards computed by another test."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def source_is_the_test(monkeypatch):
    """Report views refresh facts from the pathway apps; here the facts are the test's."""
    monkeypatch.setattr(services, "read_source", lambda episodes: SourceFrames(available=False))


@pytest.fixture
def treated_patient_a(patient_a):
    """patient_a's left knee with a year of scores, one injection and one flare."""
    load(JointEpisode.objects.filter(patient=patient_a),
         outcome_frames(list(patient_a.episodes.all())))
    return patient_a


@pytest.fixture
def cohort():
    """Return make_cohort (test modules cannot import conftest under importlib mode)."""
    return make_cohort


@pytest.fixture
def frames_for():
    return outcome_frames
