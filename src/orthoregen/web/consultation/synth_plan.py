"""Draw the synthetic consultation facts of a cohort's episodes, vectorised.

Shares are assumptions for a demonstration clinic (no published anchor;
docs/evidence.md#synthetic-cohort-parameters): most joints pass the default protocol; about
6 % had a corticosteroid injection into the joint less than 90 days before the consultation
(deferred), 3 % have a contraindication (not suitable) and 1 % lack the radiograph grade
(incomplete). Grades are the episode's own.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

CONTRAINDICATIONS = np.array(["active_infection", "inflammatory_arthritis", "malignancy_active",
                              "immunosuppressant", "avascular_necrosis"])
CARE = np.array(["physiotherapy", "oral_nsaid", "weight_loss", "paracetamol", "topical_nsaid"])


def draw_plan(rng: np.random.Generator, episodes: pd.DataFrame,
              patients: pd.DataFrame) -> pd.DataFrame:
    """Return one row of drawn facts per episode (columns named after intake fields)."""
    n = len(episodes)
    owner = episodes["patient"].to_numpy()
    joint = episodes["joint"].to_numpy()
    female = patients["sex"].to_numpy()[owner] == "female"
    height = np.clip(np.where(female, rng.normal(163, 7, n), rng.normal(177, 7, n)), 145, 200)
    bmi = patients["bmi"].to_numpy()[owner]
    contra = np.where(rng.random(n) < 0.03, CONTRAINDICATIONS[rng.integers(0, 4, n)], "")
    hip_contra = (joint == "hip") & (contra != "") & (rng.random(n) < 0.4)
    contra[hip_contra] = "avascular_necrosis"
    return pd.DataFrame({
        "height_cm": height.round(1),
        "weight_kg": (bmi * (height / 100) ** 2).round(1),
        "missing_grade": rng.random(n) < 0.01,
        "contraindication": contra,
        "steroid_recent_days": np.where(rng.random(n) < 0.06, rng.integers(10, 90, n), -1),
        "steroid_old_days": np.where(rng.random(n) < 0.20, rng.integers(120, 900, n), -1),
        "ha_recent_days": np.where(rng.random(n) < 0.03, rng.integers(20, 90, n), -1),
        "smoker": rng.random(n) < 0.12,
        "anticoagulant": rng.random(n) < 0.07,
        "nsaid_days": np.where(rng.random(n) < 0.35,
                               np.where(rng.random(n) < 0.3, rng.integers(1, 7, n),
                                        rng.integers(8, 60, n)), -1),
        "diabetes": rng.random(n) < 0.09,
        "hba1c": np.clip(rng.normal(7.0, 1.0, n), 5.5, 11).round(1),
        "alignment": np.where(joint != "knee", "",
                              np.array(["neutral", "varus", "valgus"])[
                                  rng.choice(3, n, p=[0.6, 0.3, 0.1])]),
        "alignment_degrees": np.abs(rng.normal(3, 2, n)).round(1) + 0.5,
        "mechanical": rng.random(n) < 0.05,
        "effusion": rng.random(n) < 0.2,
        "cuff": np.array(["intact", "partial_tear", "full_thickness_tear"])[
            rng.choice(3, n, p=[0.6, 0.25, 0.15])],
        "knee_mri": rng.random(n) < 0.6,
        "care_count": rng.choice([1, 2, 3], n, p=[0.08, 0.5, 0.42]),
        "care_first": rng.integers(0, len(CARE), n),
        "surgery_years": np.where((joint == "knee") & (rng.random(n) < 0.1),
                                  rng.integers(2, 15, n), -1),
        "remission_years": np.where(rng.random(n) < 0.03, rng.integers(6, 20, n), -1),
        "contraception": rng.random(n) < 0.95,
        "autologous": rng.random(n) < 0.65,
        "pain_nrs": rng.random(n) < 0.6,
        "pain_value": rng.integers(3, 10, n),
        "labs_days": rng.integers(1, 60, n),
        "consent_lead_days": rng.integers(0, 10, n),
        "withdraws": rng.random(n) < 0.25,
        "consents_untreated": rng.random(n) < 0.3,
    })
