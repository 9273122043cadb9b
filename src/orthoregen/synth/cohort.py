"""Generate a synthetic clinic cohort: patients, treated joints and encounters.

Distributions follow docs/evidence.md#synthetic-cohort-parameters: age
Normal(57, 8) truncated to 40-80 (a private clinic's younger mean), 60 % female, BMI
Normal(28.5, 4.5) truncated to 19-40, joints knee 85 % / hip 10 % / shoulder 5 %, knee grade
KL1 10 %, KL2 35 %, KL3 40 %, KL4 15 %. Hip and shoulder grade mixes, second joints, symptom
durations and encounter timing are stated assumptions below. Everything is drawn from one
numpy Generator, so the same seed and as-of date give the same cohort.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from orthoregen.synth.names import FAMILY, FEMALE_GIVEN, MALE_GIVEN
from orthoregen.vocabulary import GradeScale

JOINTS = np.array(["knee", "hip", "shoulder"])
JOINT_SHARE = [0.85, 0.10, 0.05]  # assumption (docs/evidence.md#demographics)
KNEE_KL_SHARE = {1: 0.10, 2: 0.35, 3: 0.40, 4: 0.15}  # clinic mix (docs/evidence.md#demographics)
# Assumptions (no published anchor): hips graded 70 % KL (same mix as knees), 30 % Tönnis;
# shoulders Samilson-Prieto I 30 %, II 50 %, III 20 %.
HIP_TONNIS_SHARE = {1: 0.20, 2: 0.50, 3: 0.30}
SHOULDER_SP_SHARE = {1: 0.30, 2: 0.50, 3: 0.20}
SECOND_JOINT_SHARE = 0.15  # assumption: bilateral or second-joint treatment is common
PROCEDURE_SHARE = 0.80  # assumption: most consulted joints go on to injection
FOLLOW_UP_MONTHS = (3, 6, 12, 24)
FOLLOW_UP_ATTENDANCE = 0.70  # real-world loss about 30 % (docs/evidence.md#loss-to-follow-up)

# ICD-10-CM leaves (docs/standards.md#icd-10-cm) by joint, aetiology and side.
DIAGNOSIS = {
    ("knee", "primary"): {"right": "M17.11", "left": "M17.12"},
    ("knee", "post_traumatic"): {"right": "M17.31", "left": "M17.32"},
    ("knee", "secondary"): {"right": "M17.5", "left": "M17.5"},
    ("hip", "primary"): {"right": "M16.11", "left": "M16.12"},
    ("hip", "post_traumatic"): {"right": "M16.51", "left": "M16.52"},
    ("hip", "secondary"): {"right": "M16.7", "left": "M16.7"},
    ("shoulder", "primary"): {"right": "M19.011", "left": "M19.012"},
    ("shoulder", "post_traumatic"): {"right": "M19.111", "left": "M19.112"},
    ("shoulder", "secondary"): {"right": "M19.211", "left": "M19.212"},
}
AETIOLOGY_SHARE = {"primary": 0.85, "post_traumatic": 0.10, "secondary": 0.05}


@dataclass(frozen=True)
class Cohort:
    """Tables of a synthetic cohort; `patient` columns index rows of `patients`."""

    patients: pd.DataFrame
    episodes: pd.DataFrame
    encounters: pd.DataFrame


def truncated_normal(
    rng: np.random.Generator, mean: float, sd: float, low: float, high: float, size: int
) -> np.ndarray:
    """Draw from a normal distribution truncated to [low, high] by redrawing out-of-range values."""
    values = rng.normal(mean, sd, size)
    outside = (values < low) | (values > high)
    while outside.any():
        values[outside] = rng.normal(mean, sd, outside.sum())
        outside = (values < low) | (values > high)
    return values


def _pick(
    rng: np.random.Generator, shares: Mapping[int, float] | Mapping[str, float], size: int
) -> np.ndarray:
    keys = list(shares)
    return np.array(keys)[rng.choice(len(keys), size=size, p=list(shares.values()))]


def _days_before(as_of: dt.date, days: np.ndarray) -> np.ndarray:
    return np.datetime64(as_of, "D") - days.astype("timedelta64[D]")


def generate_patients(
    rng: np.random.Generator, n: int, as_of: dt.date, mrn_prefix: str
) -> pd.DataFrame:
    """Draw demographics for n patients (docs/evidence.md#demographics)."""
    female = rng.random(n) < 0.60
    age_days = (truncated_normal(rng, 57, 8, 40, 80, n) * 365.25).astype(int)
    given = np.where(female, np.array(FEMALE_GIVEN)[rng.integers(0, len(FEMALE_GIVEN), n)],
                     np.array(MALE_GIVEN)[rng.integers(0, len(MALE_GIVEN), n)])
    family = np.array(FAMILY)[rng.integers(0, len(FAMILY), n)]
    index = np.arange(n)
    return pd.DataFrame({
        "mrn": [f"{mrn_prefix}{i:06d}" for i in index],
        "family_name": family,
        "given_name": given,
        "date_of_birth": _days_before(as_of, age_days),
        "sex": np.where(female, "female", "male"),
        "bmi": truncated_normal(rng, 28.5, 4.5, 19, 40, n).round(1),
        "phone": [f"+44 7700 900{i % 1000:03d}" for i in index],  # Ofcom drama range
        "email": [f"{g.lower()}.{f.lower().replace(chr(39), '')}{i}@example.org"
                  for g, f, i in zip(given, family, index, strict=True)],
    })


def _grades(rng: np.random.Generator, joints: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = len(joints)
    scale = np.full(n, GradeScale.KELLGREN_LAWRENCE.value, dtype=object)
    grade = _pick(rng, KNEE_KL_SHARE, n).astype(int)
    hip_tonnis = (joints == "hip") & (rng.random(n) < 0.30)
    scale[hip_tonnis] = GradeScale.TONNIS.value
    grade[hip_tonnis] = _pick(rng, HIP_TONNIS_SHARE, hip_tonnis.sum())
    shoulder = joints == "shoulder"
    scale[shoulder] = GradeScale.SAMILSON_PRIETO.value
    grade[shoulder] = _pick(rng, SHOULDER_SP_SHARE, shoulder.sum())
    return scale, grade


def generate_episodes(
    rng: np.random.Generator, patients: pd.DataFrame, as_of: dt.date
) -> pd.DataFrame:
    """Draw one treated joint per patient, and a second for some (assumptions above)."""
    n = len(patients)
    second = np.flatnonzero(rng.random(n) < SECOND_JOINT_SHARE)
    owner = np.concatenate([np.arange(n), second])
    joints = JOINTS[rng.choice(3, size=len(owner), p=JOINT_SHARE)]
    sides = np.where(rng.random(len(owner)) < 0.55, "right", "left")
    # A second joint of the same kind is the other side (bilateral disease is common).
    repeat = np.arange(len(owner)) >= n
    same = repeat & (joints == joints[owner])
    sides[same] = np.where(sides[owner[same]] == "right", "left", "right")
    aetiology = _pick(rng, AETIOLOGY_SHARE, len(owner))
    scale, grade = _grades(rng, joints)
    consulted_days_ago = rng.integers(14, 3 * 365, len(owner))
    symptom_days = (rng.lognormal(np.log(3 * 365), 0.6, len(owner))).astype(int)
    return pd.DataFrame({
        "patient": owner,
        "joint": joints,
        "side": sides,
        "diagnosis_code": [DIAGNOSIS[(j, a)][s] for j, a, s in zip(joints, aetiology, sides,
                                                                      strict=True)],
        "grade_scale": scale,
        "grade": grade,
        "symptom_onset": _days_before(as_of, consulted_days_ago + symptom_days),
        "consulted_on": _days_before(as_of, consulted_days_ago),
    })


def generate_encounters(
    rng: np.random.Generator, episodes: pd.DataFrame, as_of: dt.date
) -> pd.DataFrame:
    """Draw consultation, procedure and follow-up encounters up to the as-of date."""
    consulted = episodes["consulted_on"].to_numpy()
    frames = [pd.DataFrame({"episode": episodes.index, "kind": "consultation",
                            "occurred_on": consulted})]
    treated = rng.random(len(episodes)) < PROCEDURE_SHARE
    procedure_on = consulted + rng.integers(14, 57, len(episodes)).astype("timedelta64[D]")
    treated &= procedure_on <= np.datetime64(as_of)
    frames.append(pd.DataFrame({"episode": episodes.index[treated], "kind": "procedure",
                                "occurred_on": procedure_on[treated]}))
    for months in FOLLOW_UP_MONTHS:
        due = procedure_on + np.timedelta64(round(months * 30.44), "D") \
            + rng.integers(-10, 11, len(episodes)).astype("timedelta64[D]")
        came = treated & (due <= np.datetime64(as_of)) & (rng.random(len(episodes))
                                                           < FOLLOW_UP_ATTENDANCE)
        frames.append(pd.DataFrame({"episode": episodes.index[came], "kind": "follow_up",
                                    "occurred_on": due[came]}))
    encounters = pd.concat(frames, ignore_index=True)
    return encounters.sort_values(["episode", "occurred_on"], kind="stable", ignore_index=True)


def generate_cohort(n: int, *, seed: int, as_of: dt.date, mrn_prefix: str = "SYN") -> Cohort:
    """Generate a synthetic cohort of n patients, deterministic for (seed, as_of)."""
    rng = np.random.default_rng(seed)
    patients = generate_patients(rng, n, as_of, mrn_prefix)
    episodes = generate_episodes(rng, patients, as_of)
    encounters = generate_encounters(rng, episodes, as_of)
    return Cohort(patients=patients, episodes=episodes, encounters=encounters)
