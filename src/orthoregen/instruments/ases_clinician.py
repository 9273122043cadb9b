"""ASES Standardized Shoulder Assessment, physician (clinician) section (docs/instruments.md#ases).

Richards RR et al., J Shoulder Elbow Surg 1994;3:347–52, the physician assessment of the
ASES form: range of motion (active and passive), signs, strength (MRC grade) and instability.
The published section has NO summed score (the paper's 0–100 shoulder score is built from the
patient part only, ases.py), so none is computed here: the record is kept and shown item by
item. The "score" of a response is each item's value as recorded (one subscale per item) and
how many of the items were recorded ("items_recorded"), so an incomplete examination is seen.

Codes: the form's tenderness, translation and apprehension grades 0 = none, 1 = mild,
2 = moderate, 3 = severe (the distances of each translation grade are [U]); its yes/no boxes
are stored 0 = no (absent), 1 = yes (present); internal rotation is the highest posterior
landmark the thumb reaches, coded 1 (below the trochanter) to 21 (T1) [U]. Free-text parts
of the form (locations of scars and atrophy, other findings) and the demographic block are
not kept here. One record is for the treated side. Evidence of each part:
docs/instruments.md#ases-clinician-section.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from orthoregen.instruments.definitions import (
    CompletedBy,
    Instrument,
    Item,
    Licence,
    Recipe,
    Scale,
    Subscale,
    codes,
)
from orthoregen.instruments.rules import Single, Values

RICHARDS = "Richards RR et al., J Shoulder Elbow Surg 1994;3:347–52"
# Posterior landmarks reached by the thumb, in the form's order (code = position + 1). The
# numbering is [U]: no copy of the printed form was found to check it against.
SPINAL_LEVELS = (
    "below the trochanter", "trochanter", "gluteal", "sacrum",
    "L5", "L4", "L3", "L2", "L1",
    "T12", "T11", "T10", "T9", "T8", "T7", "T6", "T5", "T4", "T3", "T2", "T1",
)  # fmt: skip
NO_YES = (0.0, 1.0)
GRADE = codes(0, 3)  # none, mild, moderate, severe
# Medical Research Council grade, 0 = no contraction … 5 = normal power: the grades as the MRC
# defines them (Aids to the investigation of peripheral nerve injuries, Memorandum 45, 1976,
# pp 6-7) [V]; that the form grades its four strength items this way is [U]
# (docs/instruments.md#ases-clinician-section).
MRC = codes(0, 5)

# (id, what is measured, lowest, highest, unit); both active and passive are recorded.
# Rotation can stop short of neutral (an internal rotation contracture, common in
# glenohumeral OA), so the rotations go below 0; 180° elevation and 150° external rotation
# at 90° abduction are the ends of the human range, so more is a misreading.
MOTIONS = (
    ("forward_elevation_deg", "forward elevation (maximum arm–trunk angle)", 0, 180, "degrees"),
    ("er_side_deg", "external rotation, arm comfortably at the side", -60, 120, "degrees"),
    ("er_90_abduction_deg", "external rotation at 90° abduction", -60, 150, "degrees"),
    # Antecubital fossa to the opposite acromion: a distance, so centimetres, less = better.
    ("cross_body_adduction_cm", "cross-body adduction (antecubital fossa to opposite "
     "acromion)", 0, 60, "cm"),
)  # fmt: skip
SIGNS_GRADED = (
    ("tender_supraspinatus", "supraspinatus / greater tuberosity tenderness"),
    ("tender_ac_joint", "acromioclavicular joint tenderness"),
    ("tender_biceps", "biceps tendon tenderness (or rupture)"),
    ("tender_other", "other tenderness"),
)
SIGNS_PRESENT = (
    ("impingement_1", "impingement I (passive forward elevation in slight internal rotation)"),
    ("impingement_2", "impingement II (passive internal rotation at 90° flexion)"),
    ("impingement_3", "impingement III (painful arc on active abduction to 90°)"),
    ("subacromial_crepitus", "subacromial crepitus"),
    ("scars", "scars"),
    ("atrophy", "atrophy"),
    ("deformity", "deformity"),
)
STRENGTH = (
    ("strength_forward_elevation", "strength of forward elevation (MRC)"),
    ("strength_abduction", "strength of abduction (MRC)"),
    ("strength_external_rotation", "strength of external rotation, arm at the side (MRC)"),
    ("strength_internal_rotation", "strength of internal rotation, arm at the side (MRC)"),
)
INSTABILITY_GRADED = (
    ("translation_anterior", "anterior translation"),
    ("translation_posterior", "posterior translation"),
    ("translation_inferior", "inferior translation (sulcus sign)"),
    ("apprehension_anterior", "anterior apprehension"),
)
INSTABILITY_PRESENT = (
    ("apprehension_reproduces_symptoms", "apprehension reproduces the symptoms"),
    ("instability_voluntary", "voluntary instability"),
    ("relocation_positive", "relocation test positive"),
    ("ligamentous_laxity", "generalised ligamentous laxity"),
)


def _motion_items() -> tuple[Item, ...]:
    items = []
    for item_id, topic, low, high, unit in MOTIONS:
        for mode in ("active", "passive"):
            items.append(Item(
                id=f"{mode}_{item_id}", topic=f"{mode} {topic}", options=(),
                scale=Scale(minimum=low, maximum=high, unit=unit),
                higher_is_better=unit != "cm"))
        if item_id == "er_90_abduction_deg":  # the form lists internal rotation here
            items += [Item(id=f"{mode}_internal_rotation_level",
                           topic=f"{mode} internal rotation (highest posterior landmark reached "
                                 "by the thumb)",
                           options=codes(1, len(SPINAL_LEVELS)), higher_is_better=True)
                      for mode in ("active", "passive")]
    return tuple(items)


def _coded(rows: tuple[tuple[str, str], ...], options: tuple[float, ...],
           better_high: bool | None) -> tuple[Item, ...]:
    return tuple(Item(id=item_id, topic=topic, options=options, higher_is_better=better_high)
                 for item_id, topic in rows)


ITEMS = (
    *_motion_items(),
    *_coded(SIGNS_GRADED, GRADE, False),
    *_coded(SIGNS_PRESENT, NO_YES, False),
    *_coded(STRENGTH, MRC, True),
    Item(id="strength_affected_by_pain", topic="strength testing affected by pain",
         options=NO_YES, higher_is_better=False),
    *_coded(INSTABILITY_GRADED, GRADE, False),
    *_coded(INSTABILITY_PRESENT, NO_YES, False),
)


@dataclass(frozen=True)
class Recorded:
    """Count the items recorded: the completeness of an examination that has no total."""

    @property
    def formula(self) -> str:
        return "number of items recorded (no summed score is published)"

    @property
    def missing_rule(self) -> str:
        return "every item may be left unrecorded; the count shows how many were"

    def score_one(self, values: Values) -> tuple[float | None, str | None]:
        return float(sum(value is not None for value in values)), None

    def score_many(self, block: np.ndarray) -> np.ndarray:
        counts: np.ndarray = (~np.isnan(block)).sum(axis=1).astype(float)
        return counts


def _item_subscale(item: Item) -> Subscale:
    low, high = (item.scale.minimum, item.scale.maximum) if item.scale else (
        min(item.options), max(item.options))
    return Subscale(id=item.id, name=item.topic[0].upper() + item.topic[1:], items=(item.id,),
                    rule=Single(), minimum=low, maximum=high,
                    higher_is_better=bool(item.higher_is_better), decimals=0)


def build_ases_clinician() -> Instrument:
    """Build the ASES physician section: every item as recorded, plus how many were recorded."""
    recorded = Subscale(id="items_recorded", name="Items recorded",
                        items=tuple(item.id for item in ITEMS), rule=Recorded(), minimum=0,
                        maximum=len(ITEMS), higher_is_better=True, decimals=0)
    return Instrument(
        id="ases_clinician",
        name="ASES shoulder assessment (clinician section)",
        version="Richards 1994 physician assessment; no summed score",
        joints=("shoulder",),
        completed_by=CompletedBy.CLINICIAN,
        recall_period="at examination",
        licence=Licence(owner="ASES Research Committee",
                        terms="free; no licensing body identified", ships_wording=True),
        items=ITEMS,
        subscales=(*(_item_subscale(item) for item in ITEMS), recorded),
        references=(RICHARDS, "docs/instruments.md#ases-clinician-section"),
        notes=("The published physician section has no summed score; none is computed.",
               "Record the treated side; the form's free-text locations are not kept."),
    )


RECIPES = {"ases_clinician": Recipe(build_ases_clinician)}
