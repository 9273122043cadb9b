"""De-identify a registry export for pooling across clinics (method: DEIDENTIFICATION.md).

Method, after the HIPAA Safe Harbor list (45 CFR 164.514(b)(2)) as the reference:
1. Direct identifiers never enter the table: names, MRN, date of birth, email, phone,
   address and every free-text field are not selected from the database at all.
2. Record ids are replaced by pseudonyms: HMAC-SHA256 of the id under a 256-bit key drawn
   at random for each export and never stored, truncated to 16 hex digits. The same patient
   keeps one pseudonym within an export (joints and visits stay linked) but cannot be linked
   across exports or back to the clinic's records without the discarded key.
3. Dates are removed: only days from the joint's first injection remain.
4. Ages at first injection above 89 become the single group "90+" (Safe Harbor); other ages
   are kept in whole years.
5. Sex, site code, joint, grade, cell source, dose and the scores are kept: they are the
   analysis. Small cells (a rare cell source at a small site) can still single a patient
   out; the receiving registry must not publish cells under its own minimum count.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

import pandas as pd

DEIDENTIFIED_COLUMNS = ["patient", "joint_episode", "site", "joint", "side", "grade_scale",
                        "grade", "sex", "age_group", "cell_source", "dose_cells", "dose_band",
                        "protocol_version", "timepoint", "days_from_treatment", "instrument",
                        "subscale", "value", "mode"]
OLDEST_EXACT_AGE = 89


def age_group(ages: pd.Series) -> pd.Series:
    """Return ages as text, with every age above 89 as "90+" (unknown ages blank)."""
    numeric = pd.to_numeric(ages, errors="coerce")
    text = numeric.astype("Int64").astype("string")
    return text.where(numeric <= OLDEST_EXACT_AGE, "90+").where(numeric.notna(), "")


@dataclass(frozen=True)
class Deidentifier:
    """Pseudonymises ids under one secret key; make one per export (`for_one_export`)."""

    key: bytes

    @classmethod
    def for_one_export(cls) -> Deidentifier:
        """Return a deidentifier with a fresh random key that is never written anywhere."""
        return cls(secrets.token_bytes(32))

    def pseudonym(self, kind: str, ids: pd.Series) -> pd.Series:
        """Return the keyed-hash pseudonym of each id (kind keeps patients and joints apart)."""
        cache = {i: hmac.new(self.key, f"{kind}:{i}".encode(), hashlib.sha256).hexdigest()[:16]
                 for i in pd.unique(ids)}
        return ids.map(cache)

    def table(self, tidy: pd.DataFrame) -> pd.DataFrame:
        """Return the de-identified version of a `data.tidy_scores` table."""
        out = tidy.assign(
            patient=self.pseudonym("patient", tidy["patient_id"]),
            joint_episode=self.pseudonym("episode", tidy["episode_id"]),
            age_group=age_group(tidy["age_at_treatment"]),
        )
        return out[DEIDENTIFIED_COLUMNS]
