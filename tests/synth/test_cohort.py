"""The synthetic cohort follows docs/evidence.md#synthetic-cohort-parameters and is
deterministic for a seed.
"""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from orthoregen.synth.cohort import generate_cohort

AS_OF = dt.date(2026, 6, 30)


@pytest.fixture(scope="module")
def cohort():
    return generate_cohort(20_000, seed=7, as_of=AS_OF)


def test_same_seed_same_cohort():
    first = generate_cohort(500, seed=3, as_of=AS_OF)
    second = generate_cohort(500, seed=3, as_of=AS_OF)
    pd.testing.assert_frame_equal(first.patients, second.patients)
    pd.testing.assert_frame_equal(first.encounters, second.encounters)
    assert not generate_cohort(500, seed=4, as_of=AS_OF).patients.equals(first.patients)


def test_demographics_follow_evidence_9_1(cohort):
    p = cohort.patients
    age = (np.datetime64(AS_OF) - p["date_of_birth"].to_numpy()).astype("timedelta64[D]") \
        .astype(int) / 365.25
    assert age.min() >= 40 and age.max() <= 80.01
    assert age.mean() == pytest.approx(57, abs=0.5)  # Normal(57, 8) truncated to 40-80
    assert (p["sex"] == "female").mean() == pytest.approx(0.60, abs=0.02)
    assert p["bmi"].between(19, 40).all()
    assert p["bmi"].mean() == pytest.approx(28.5, abs=0.3)


def test_joint_and_knee_grade_mix_follow_evidence_9_1(cohort):
    e = cohort.episodes
    share = e["joint"].value_counts(normalize=True)
    assert share["knee"] == pytest.approx(0.85, abs=0.02)
    assert share["hip"] == pytest.approx(0.10, abs=0.02)
    assert share["shoulder"] == pytest.approx(0.05, abs=0.01)
    kl = e.loc[e["joint"] == "knee", "grade"].value_counts(normalize=True)
    for grade, expected in {1: 0.10, 2: 0.35, 3: 0.40, 4: 0.15}.items():
        assert kl[grade] == pytest.approx(expected, abs=0.02)


def test_grades_use_the_joint_scales(cohort):
    e = cohort.episodes
    assert set(e.loc[e["joint"] == "knee", "grade_scale"]) == {"kellgren_lawrence"}
    assert set(e.loc[e["joint"] == "hip", "grade_scale"]) == {"kellgren_lawrence", "tonnis"}
    assert set(e.loc[e["joint"] == "shoulder", "grade_scale"]) == {"samilson_prieto"}
    assert e.loc[e["grade_scale"] != "kellgren_lawrence", "grade"].between(1, 3).all()


def test_diagnosis_codes_match_joint_and_side(cohort):
    from orthoregen.web.clinic.vocabulary import diagnosis_problems

    rows = cohort.episodes[["diagnosis_code", "joint", "side"]].drop_duplicates()
    assert all(not diagnosis_problems(*row) for row in rows.itertuples(index=False))


def test_nothing_happens_after_the_as_of_date(cohort):
    assert cohort.encounters["occurred_on"].max() <= pd.Timestamp(AS_OF)
    assert cohort.episodes["symptom_onset"].max() <= pd.Timestamp(AS_OF)
