"""PROMIS Scale v1.2 – Global Health (PROMIS-10): Global Physical and Global Mental Health.

docs/instruments.md#promis-global-health. Ten items; eight form two 4-item summary scores
(Hays RD et al., Qual Life Res 2009;18:873–80): Global Physical Health = Global03 + Global06 +
Global07rc (the 0–10 pain rating recoded 0→5, 1–3→4, 4–6→3, 7–9→2, 10→1) + Global08r;
Global Mental Health = Global02 + Global04 + Global05 + Global10r. Each raw sum 4–20 is
looked up in the PROMIS scoring manual's T-score table (mean 50, SD 10 in the US general
population; higher = better). Global01 and Global09r are answered but enter neither score.
The "r" items are printed already reversed on the v1.2 form (5 = none/never), so every 1–5
code here has 5 = best.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from orthoregen.instruments.definitions import (
    CompletedBy,
    Instrument,
    Item,
    Licence,
    Recipe,
    Subscale,
    codes,
)
from orthoregen.instruments.rules import PointsSum, TableConverted

LICENCE = Licence(
    owner="PROMIS Health Organization (HealthMeasures)",
    terms=(
        "free to use unaltered under the PROMIS terms of use; whether software may "
        "reproduce the wording was not confirmed, so none is shipped"
    ),
    ships_wording=False,
)
TOPICS = (
    ("Global01", "general health"),
    ("Global02", "quality of life"),
    ("Global03", "physical health"),
    ("Global04", "mental health, mood and ability to think"),
    ("Global05", "satisfaction with social activities and relationships"),
    ("Global06", "carrying out everyday physical activities"),
    ("Global07rc", "average pain, 0–10 (recoded for the score)"),
    ("Global08r", "average fatigue (5 = none)"),
    ("Global09r", "carrying out usual social activities and roles"),
    ("Global10r", "bothered by emotional problems (5 = never)"),
)
# Raw 4–20 → T-score, PROMIS Global Health scoring tables (Hays 2009; PROMIS scoring
# manual). Not read from the manual here: four public implementations agree, one of them
# labelled v1.2 [S] (docs/instruments.md#promis-global-health).
PHYSICAL_T = (16.2, 19.9, 23.5, 26.7, 29.6, 32.4, 34.9, 37.4, 39.8, 42.3, 44.9, 47.7, 50.8,
              54.1, 57.7, 61.9, 67.7)  # fmt: skip
MENTAL_T = (21.2, 25.1, 28.4, 31.3, 33.8, 36.3, 38.8, 41.1, 43.5, 45.8, 48.3, 50.8, 53.3,
            56.0, 59.0, 62.5, 67.6)  # fmt: skip
MANUAL = "PROMIS Global Health scoring manual, raw-score to T-score tables"
HAYS = "Hays RD et al., Qual Life Res 2009;18:873–80"


def pain_points(rating: Any) -> Any:
    """Recode the 0–10 pain rating to 1–5 points: 0→5, 1–3→4, 4–6→3, 7–9→2, 10→1."""
    return 5 - np.ceil(np.asarray(rating, dtype=float) / 3)


def _items() -> tuple[Item, ...]:
    return tuple(
        Item(id=item_id, topic=topic, options=codes(0, 10), higher_is_better=False)
        if item_id == "Global07rc"
        else Item(id=item_id, topic=topic, options=codes(1, 5), higher_is_better=True)
        for item_id, topic in TOPICS
    )


def _summary(
    *, prefix: str, name: str, items: tuple[str, ...], raw: PointsSum, table: tuple[float, ...]
) -> tuple[Subscale, Subscale]:
    t_score = TableConverted(
        inner=raw, table=table, lowest=4, description=f"raw sum 4–20 looked up in the {MANUAL}"
    )
    loinc = {"gph": "71971-6", "gmh": "71969-0"}[prefix]
    return (
        Subscale(
            id=f"{prefix}_raw",
            name=f"{name} raw score",
            items=items,
            rule=raw,
            minimum=4,
            maximum=20,
            higher_is_better=True,
            decimals=0,
        ),
        Subscale(
            id=f"{prefix}_t",
            name=f"{name} T-score",
            items=items,
            rule=t_score,
            minimum=table[0],
            maximum=table[-1],
            higher_is_better=True,
            loinc=loinc,
        ),
    )


def build_promis_global() -> Instrument:
    """Build PROMIS Global Health v1.2 with its two raw sums and their T-scores."""
    physical_items = ("Global03", "Global06", "Global07rc", "Global08r")
    physical = PointsSum(
        points=(None, None, pain_points, None),
        description="Global03 + Global06 + Global07rc recoded (0→5 … 10→1) + Global08r",
    )
    mental_items = ("Global02", "Global04", "Global05", "Global10r")
    mental = PointsSum(points=(None,) * 4, description="Global02 + Global04 + Global05 + Global10r")
    subscales = (
        *_summary(
            prefix="gph",
            name="Global Physical Health",
            items=physical_items,
            raw=physical,
            table=PHYSICAL_T,
        ),
        *_summary(
            prefix="gmh",
            name="Global Mental Health",
            items=mental_items,
            raw=mental,
            table=MENTAL_T,
        ),
    )
    return Instrument(
        id="promis_global10",
        name="PROMIS Global Health (PROMIS-10)",
        version="PROMIS Scale v1.2 – Global Health",
        joints=("knee", "hip", "shoulder"),
        completed_by=CompletedBy.PATIENT,
        recall_period="in general; items 6–10 the past 7 days",
        licence=LICENCE,
        items=_items(),
        subscales=subscales,
        references=(HAYS, MANUAL, "docs/instruments.md#promis-global-health"),
        notes=(
            "Every item of a summary is required: no prorating (docs/instruments.md).",
            "Global01 and Global09r are recorded but enter neither summary score.",
        ),
    )


RECIPES = {"promis_global10": Recipe(build_promis_global)}
