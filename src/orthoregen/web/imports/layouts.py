"""The column layout of each kind of import file, and a template per kind.

Every file is CSV (UTF-8, a byte-order mark allowed), one header row naming the columns, in
any order. Each row names the system it came from and its id there (``source_system``,
``source_id``): that pair is what makes an import idempotent. Rows are numbered as a
spreadsheet shows them: the header is row 1, the first record row 2.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from orthoregen.instruments import get_instrument
from orthoregen.web.imports.models import ImportKind


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    meaning: str
    example: str = ""


SOURCE = (
    Column("source_system", True, "the system the row comes from, at most 30 characters, "
                                  "e.g. old-emr", "old-emr"),
    Column("source_id", True, "the row's id in that system, at most 50 characters; unique "
                              "within the file", "P-1001"),
)
JOINT_OF_PATIENT = (
    Column("patient_mrn", True, "medical record number of a patient of the importing site",
           "A-1001"),
    Column("joint", True, "knee, hip or shoulder", "knee"),
    Column("side", True, "left or right; the patient must have one joint episode of that "
                         "joint and side", "left"),
)

LAYOUTS: dict[str, tuple[Column, ...]] = {  # keyed by ImportKind, a str
    ImportKind.PATIENTS: (
        *SOURCE,
        Column("mrn", True, "medical record number, unique at the site", "A-1001"),
        Column("family_name", True, "family name", "Lovelace"),
        Column("given_name", True, "given name", "Ada"),
        Column("date_of_birth", True, "YYYY-MM-DD, not in the future", "1960-05-17"),
        Column("sex", True, "female, male, other or unknown (the clinic's vocabulary)",
               "female"),
        Column("email", False, "email address", ""),
        Column("phone", False, "telephone number", ""),
        Column("address", False, "postal address", ""),
    ),
    ImportKind.EPISODES: (
        *SOURCE[:1], Column("source_id", True, SOURCE[1].meaning, "E-2001"),
        *JOINT_OF_PATIENT[:1],
        Column("joint", True, "knee, hip or shoulder", "knee"),
        Column("side", True, "left or right", "left"),
        Column("diagnosis_code", True, "ICD-10-CM osteoarthritis code fitting joint and side",
               "M17.12"),
        Column("grade_scale", True, "radiographic scale: kellgren_lawrence, tonnis or "
                                    "samilson_prieto (the clinic's vocabulary)",
               "kellgren_lawrence"),
        Column("grade", False, "grade within the scale's range", "3"),
        Column("symptom_onset", False, "YYYY-MM-DD, not in the future", "2019-04-01"),
    ),
    ImportKind.PROCEDURES: (
        *SOURCE[:1], Column("source_id", True, SOURCE[1].meaning, "INJ-3001"),
        *JOINT_OF_PATIENT,
        Column("performed_on", True, "YYYY-MM-DD, not in the future", "2024-02-12"),
        Column("operator", False, "user name of the clinician who injected (a user of the "
                                  "site); blank records the importing user", ""),
        Column("guidance", True, "ultrasound, fluoroscopy or landmark, as allowed for the "
                                 "joint", "ultrasound"),
        Column("approach", False, "injection approach of the joint, e.g. superolateral",
               "superolateral"),
        Column("landmark_reason", False, "why landmark guidance was used", ""),
        Column("image_reference", False, "required under image guidance: DICOM Study "
                                         "Instance UID or the clinic's image id", "IMG-77"),
        Column("needle_gauge", False, "needle gauge", "21"),
        Column("aspirate_volume_ml", False, "aspirated synovial fluid, mL", ""),
        Column("injectate_volume_ml", False, "injectate volume, mL", "4"),
        Column("indication", False, "indication", ""),
        Column("adjuncts", False, "e.g. PRP, hyaluronic acid", ""),
        Column("complications", False, "complications", ""),
        Column("notes", False, "notes on the session", ""),
    ),
    ImportKind.RESPONSES: (
        *SOURCE[:1], Column("source_id", True, SOURCE[1].meaning, "Q-4001"),
        *JOINT_OF_PATIENT,
        Column("instrument", True, "instrument id, e.g. koos, hoos, womac_lk31, nrs_pain",
               "koos"),
        Column("timepoint", True, "baseline or a follow-up visit id, e.g. month_6",
               "baseline"),
        Column("completed_on", True, "YYYY-MM-DD, not in the future", "2024-02-01"),
    ),
    ImportKind.SCORES: (
        *SOURCE[:1], Column("source_id", True, SOURCE[1].meaning, "S-5001"),
        *JOINT_OF_PATIENT,
        Column("instrument", True, "instrument id, e.g. koos", "koos"),
        Column("timepoint", True, "baseline or a follow-up visit id, e.g. month_6",
               "baseline"),
        Column("completed_on", True, "YYYY-MM-DD, not in the future", "2024-02-01"),
    ),
}
# Responses add one column per item of the row's instrument (named by item id: KOOS P1 …),
# scores one column per subscale (KOOS pain, symptoms …); see docs/imports.md.
OPEN_ENDED: dict[str, str] = {ImportKind.RESPONSES: "item", ImportKind.SCORES: "subscale"}


def template_csv(kind: str, instrument_id: str = "koos") -> str:
    """Return a template: the header and one example row (items/subscales of one instrument)."""
    columns = list(LAYOUTS[kind])
    header = [c.name for c in columns]
    example = [c.example for c in columns]
    if kind == ImportKind.RESPONSES:
        instrument = get_instrument(instrument_id)
        header += [item.id for item in instrument.items]
        example += ["" for _ in instrument.items]
        example[header.index("instrument")] = instrument_id
    elif kind == ImportKind.SCORES:
        instrument = get_instrument(instrument_id)
        header += [s.id for s in instrument.subscales]
        example += ["" for _ in instrument.subscales]
        example[header.index("instrument")] = instrument_id
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerow(example)
    return out.getvalue()
