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
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from orthoregen.instruments import get_instrument
from orthoregen.web.imports.models import ImportKind

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    meaning: StrOrPromise  # lazy: shown on the import page in the active language
    example: str = ""


SOURCE = (
    Column("source_system", True, _("the system the row comes from, at most 30 characters, "
                                     "e.g. old-emr"), "old-emr"),
    Column("source_id", True, _("the row's id in that system, at most 50 characters; unique "
                                 "within the file"), "P-1001"),
)
JOINT_OF_PATIENT = (
    Column("patient_mrn", True, _("medical record number of a patient of the importing site"),
           "A-1001"),
    Column("joint", True, _("knee, hip or shoulder"), "knee"),
    Column("side", True, _("left or right; the patient must have one joint episode of that "
                            "joint and side"), "left"),
)

LAYOUTS: dict[str, tuple[Column, ...]] = {  # keyed by ImportKind, a str
    ImportKind.PATIENTS: (
        *SOURCE,
        Column("mrn", True, _("medical record number, unique at the site"), "A-1001"),
        Column("family_name", True, _("family name"), "Lovelace"),
        Column("given_name", True, _("given name"), "Ada"),
        Column("date_of_birth", True, _("YYYY-MM-DD, not in the future"), "1960-05-17"),
        Column("sex", True, _("female, male, other or unknown (the clinic's vocabulary)"),
               "female"),
        Column("email", False, _("email address"), ""),
        Column("phone", False, _("telephone number"), ""),
        Column("address", False, _("postal address"), ""),
    ),
    ImportKind.EPISODES: (
        *SOURCE[:1], Column("source_id", True, SOURCE[1].meaning, "E-2001"),
        *JOINT_OF_PATIENT[:1],
        Column("joint", True, _("knee, hip or shoulder"), "knee"),
        Column("side", True, _("left or right"), "left"),
        Column("diagnosis_code", True, _("ICD-10-CM osteoarthritis code fitting joint and side"),
               "M17.12"),
        Column("grade_scale", True, _("radiographic scale: kellgren_lawrence, tonnis or "
                                       "samilson_prieto (the clinic's vocabulary)"),
               "kellgren_lawrence"),
        Column("grade", False, _("grade within the scale's range"), "3"),
        Column("symptom_onset", False, _("YYYY-MM-DD, not in the future"), "2019-04-01"),
    ),
    ImportKind.PROCEDURES: (
        *SOURCE[:1], Column("source_id", True, SOURCE[1].meaning, "INJ-3001"),
        *JOINT_OF_PATIENT,
        Column("performed_on", True, _("YYYY-MM-DD, not in the future"), "2024-02-12"),
        Column("operator", False, _("user name of the clinician who injected (a user of the "
                                     "site); blank records the importing user"), ""),
        Column("guidance", True, _("ultrasound, fluoroscopy or landmark, as allowed for the "
                                    "joint"), "ultrasound"),
        Column("approach", False, _("injection approach of the joint, e.g. superolateral"),
               "superolateral"),
        Column("landmark_reason", False, _("why landmark guidance was used"), ""),
        Column("image_reference", False, _("required under image guidance: DICOM Study "
                                            "Instance UID or the clinic's image id"), "IMG-77"),
        Column("needle_gauge", False, _("needle gauge"), "21"),
        Column("aspirate_volume_ml", False, _("aspirated synovial fluid, mL"), ""),
        Column("injectate_volume_ml", False, _("injectate volume, mL"), "4"),
        Column("indication", False, _("indication"), ""),
        Column("adjuncts", False, _("e.g. PRP, hyaluronic acid"), ""),
        Column("complications", False, _("complications"), ""),
        Column("notes", False, _("notes on the session"), ""),
    ),
    ImportKind.RESPONSES: (
        *SOURCE[:1], Column("source_id", True, SOURCE[1].meaning, "Q-4001"),
        *JOINT_OF_PATIENT,
        Column("instrument", True, _("instrument id, e.g. koos, hoos, womac_lk31, nrs_pain"),
               "koos"),
        Column("timepoint", True, _("baseline or a follow-up visit id, e.g. month_6"),
               "baseline"),
        Column("completed_on", True, _("YYYY-MM-DD, not in the future"), "2024-02-01"),
    ),
    ImportKind.SCORES: (
        *SOURCE[:1], Column("source_id", True, SOURCE[1].meaning, "S-5001"),
        *JOINT_OF_PATIENT,
        Column("instrument", True, _("instrument id, e.g. koos"), "koos"),
        Column("timepoint", True, _("baseline or a follow-up visit id, e.g. month_6"),
               "baseline"),
        Column("completed_on", True, _("YYYY-MM-DD, not in the future"), "2024-02-01"),
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
