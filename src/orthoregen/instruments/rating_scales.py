"""One-item rating scales the patient marks: a 100 mm VAS or an 11-point NRS, higher = worse.

Pain intensity (pain.py) and the patient global assessment (global_assessment.py) are the
same kind of instrument with different anchors: one item whose value is reported as
recorded, never rescaled, for any index joint. Tubach 2005 published the MCII and PASS of
both on the VAS in one cohort; the thresholds stay in each instrument's module.
"""

from __future__ import annotations

from orthoregen.instruments.definitions import (
    CompletedBy,
    Instrument,
    Item,
    Licence,
    Scale,
    Study,
    Subscale,
    Threshold,
    ThresholdKind,
)
from orthoregen.instruments.rules import Single

FREE = Licence(owner="generic instrument, no owner", terms="free to use", ships_wording=True)
JOINTS = ("knee", "hip", "shoulder")
TUBACH_MCII = "Tubach F et al., Ann Rheum Dis 2005;64:29–33, doi:10.1136/ard.2004.022905"
TUBACH_PASS = "Tubach F et al., Ann Rheum Dis 2005;64:34–37, PMC1755171"

# (kind, value, unit, joint, source, population): one published value per row.
ThresholdRow = tuple[ThresholdKind, float, str, str, str, str]


def vas_item(item_id: str, topic: str) -> Item:
    """Return a 100 mm line read in whole mm from the best anchor (0)."""
    return Item(
        id=item_id,
        topic=topic,
        options=(0.0, 100.0),
        scale=Scale(minimum=0, maximum=100, unit="mm"),
        higher_is_better=False,
    )


def nrs_item(item_id: str, topic: str) -> Item:
    """Return an 11-point numeric rating: whole numbers 0 (best) to 10 (worst)."""
    return Item(
        id=item_id,
        topic=topic,
        options=tuple(float(code) for code in range(11)),
        higher_is_better=False,
    )


def vas_thresholds(subscale: str, rows: tuple[ThresholdRow, ...]) -> tuple[Threshold, ...]:
    """Return verified thresholds from `rows`; higher is worse, so a PASS is at or below."""
    return tuple(
        Study(source=source, population=population, joint=joint).threshold(
            subscale,
            kind,
            value,
            unit=unit,
            note="PASS: at or below is acceptable" if kind is ThresholdKind.PASS else "",
        )
        for kind, value, unit, joint, source, population in rows
    )


def rating_scale(
    *,
    instrument_id: str,
    name: str,
    version: str,
    item: Item,
    subscale: tuple[str, str],
    maximum: float,
    loinc: str | None = None,
    recall_period: str,
    references: tuple[str, ...],
    thresholds: tuple[Threshold, ...],
    notes: tuple[str, ...],
) -> Instrument:
    """Build a one-item scale: `subscale` (id, name) reports the value as recorded, 0 = best."""
    subscale_id, subscale_name = subscale
    score = Subscale(
        id=subscale_id,
        name=subscale_name,
        items=(item.id,),
        rule=Single(),
        minimum=0,
        maximum=maximum,
        higher_is_better=False,
        decimals=0,
        loinc=loinc,
    )
    return Instrument(
        id=instrument_id,
        name=name,
        version=version,
        joints=JOINTS,
        completed_by=CompletedBy.PATIENT,
        recall_period=recall_period,
        licence=FREE,
        items=(item,),
        subscales=(score,),
        references=references,
        thresholds=thresholds,
        notes=notes,
    )
