"""The data dictionary of the registry export: each column in words, with its unit.

The export's own header keeps short machine names (``patient_id``, ``days_from_treatment``):
R, Stata and Python scripts address columns by them, and they are stable between versions.
A person who opens the file reads this dictionary beside it: the export page offers it as a
download next to the export (``registry:export-dictionary``). Values stay codes too
(``knee``, ``koos``, ``month_12``); the dictionary says what each column's codes mean
(docs/printing.md#words-in-exports).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from orthoregen.instruments.registry import instrument_ids
from orthoregen.scheduling.protocol import DEFAULT_VISITS
from orthoregen.vocabulary import GradeScale, Joint, Sex, Side
from orthoregen.web.cellbank.vocabulary import ProductClassChoices
from orthoregen.web.followup.models.questionnaires import ResponseSource
from orthoregen.web.registry.deidentify import DEIDENTIFIED_COLUMNS
from orthoregen.web.registry.export import ANALYSIS_COLUMNS
from orthoregen.web.registry.measures import BASELINE
from orthoregen.web.registry.services import DOSE_BANDS

HEADER = ["column", "meaning", "unit", "values"]


@dataclass(frozen=True)
class Column:
    meaning: str
    unit: str
    values: str


NO_UNIT = "none (a code or a label)"


def _codes(pairs: list[tuple[str, str]]) -> str:
    return "; ".join(f"{code} = {words}" for code, words in pairs)

IDENTIFIER = "none (an identifier)"

COLUMNS: dict[str, Column] = {
    "patient_id": Column("Patient's record id in orthoregen (not the MRN)", IDENTIFIER,
                         "a whole number, the same on every row of one patient"),
    "patient": Column("Patient pseudonym, valid within this one export only", IDENTIFIER,
                      "16 hexadecimal digits; another export gives another pseudonym"),
    "episode_id": Column("Joint episode's record id: one treated joint of one patient",
                         IDENTIFIER, "a whole number"),
    "joint_episode": Column("Joint episode pseudonym, valid within this one export only",
                            IDENTIFIER, "16 hexadecimal digits"),
    "site": Column("Clinic (site) code", NO_UNIT, "the site's short code, e.g. RJC"),
    "joint": Column("Joint treated", NO_UNIT, _codes([(j.value, j.label) for j in Joint])),
    "side": Column("Side of the body", NO_UNIT, _codes([(s.value, s.label) for s in Side])),
    "grade_scale": Column("Radiographic grading scale of the grade column", NO_UNIT,
                          _codes([(g.value, g.label) for g in GradeScale])),
    "grade": Column("Radiographic osteoarthritis grade recorded for the joint, on grade_scale",
                    "grade of that scale (Kellgren-Lawrence 0 to 4)", "a whole number"),
    "sex": Column("Patient's sex as recorded", NO_UNIT, _codes([(s.value, s.label) for s in Sex])),
    "age_at_treatment": Column("Age at the joint's first injection", "years (whole)",
                               "a whole number; blank when unknown"),
    "age_group": Column("Age at the joint's first injection, ages over 89 grouped",
                        "years (whole)", "a whole number, or 90+"),
    "cell_source": Column("Source of the cells injected into the joint", NO_UNIT,
                          _codes(ProductClassChoices)),
    "dose_cells": Column(
        "Cells injected into the joint (its treatment record, else its first injection)",
        "cells (count)", "a number, e.g. 50000000 for 50 million"),
    "dose_band": Column("Cells injected, in bands", "millions of cells (band)",
                        "; ".join(DOSE_BANDS)),
    "protocol_version": Column("Candidacy protocol version of the decision to treat", NO_UNIT,
                               "the protocol's version label"),
    "timepoint": Column("Follow-up visit the score belongs to", NO_UNIT,
                        _codes([(BASELINE, "before treatment")]
                               + [(v.visit_id, f"{v.label} after the first injection")
                                  for v in DEFAULT_VISITS])
                        + " (a clinic's own follow-up protocol may add others)"),
    "days_from_treatment": Column(
        "Days from the joint's first injection to the questionnaire", "days",
        "a whole number; negative for a baseline answered before the injection"),
    "instrument": Column("Outcome instrument (questionnaire or score)", NO_UNIT,
                         ", ".join(instrument_ids()) + " (docs/instruments.md)"),
    "subscale": Column("Subscale or total of the instrument", NO_UNIT,
                       "the instrument's own subscale name, e.g. pain, adl, total"),
    "value": Column("Score of that subscale", "points on the instrument's own scale "
                    "(KOOS and HOOS 0 to 100, 100 = no problems; see docs/instruments.md)",
                    "a number"),
    "mode": Column("How the questionnaire was answered (mode of administration)", NO_UNIT,
                   _codes([(r.value, str(r.label)) for r in ResponseSource])),
}


def dictionary_rows(*, deidentified: bool) -> list[list[str]]:
    """Return one row per column of the export, in the export's own column order."""
    columns = DEIDENTIFIED_COLUMNS if deidentified else ANALYSIS_COLUMNS
    return [[name, COLUMNS[name].meaning, COLUMNS[name].unit, COLUMNS[name].values]
            for name in columns]


def dictionary_csv(*, deidentified: bool) -> str:
    """Return the data dictionary as CSV with a header row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(dictionary_rows(deidentified=deidentified))
    return out.getvalue()
