"""HOOS (40 items), HOOS-PS and HOOS JR (instruments.md 4).

Items coded 0 = no problem … 4 = extreme problem; subscales 0–100, 100 = no problems,
scored exactly as the KOOS (HOOS Scoring instructions, June 2013).
"""

from __future__ import annotations

from orthoregen.instruments.definitions import (
    CompletedBy,
    Evidence,
    Instrument,
    Item,
    OptionSpec,
    Recipe,
    Subscale,
    Threshold,
    ThresholdKind,
    codes,
)
from orthoregen.instruments.koos import JR_LICENCE, LICENCE
from orthoregen.instruments.rules import MeanTransformed, TableLookup
from orthoregen.instruments.shortforms import (
    PS_DIRECTION,
    PS_MISSING,
    ps_thresholds,
    ps_version,
    short_form,
)

TOPICS = {
    "S": (
        "grinding, clicking or noise",
        "difficulty spreading legs wide apart",
        "difficulty striding out when walking",
        "stiffness on first waking",
        "stiffness later in the day",
    ),
    "P": (
        "how often hip painful",
        "straightening hip fully",
        "bending hip fully",
        "walking on flat surface",
        "going up or down stairs",
        "at night in bed",
        "sitting or lying",
        "standing upright",
        "walking on a hard surface",
        "walking on an uneven surface",
    ),
    "A": (
        "descending stairs",
        "ascending stairs",
        "rising from sitting",
        "standing",
        "bending to floor/pick up an object",
        "walking on flat surface",
        "getting in/out of car",
        "going shopping",
        "putting on socks/stockings",
        "rising from bed",
        "taking off socks/stockings",
        "lying in bed",
        "getting in/out of bath or shower",
        "sitting",
        "getting on/off toilet",
        "heavy domestic duties",
        "light domestic duties",
    ),
    "SP": ("squatting", "running", "twisting/pivoting on loaded leg", "walking on uneven surface"),
    "Q": (
        "how often aware of hip problem",
        "modified lifestyle",
        "lack of confidence in hip",
        "general difficulty with hip",
    ),
}
ITEMS = tuple(
    Item(f"{prefix}{number}", topic, codes(0, 4), higher_is_better=False)
    for prefix, topics in TOPICS.items()
    for number, topic in enumerate(topics, start=1)
)
# (subscale id, name, item prefix, LOINC, minimum answered: 2013 rule, 2003 rule)
SUBSCALES = (
    ("pain", "Pain", "P", "72097-9", 5, 8),
    ("symptoms", "Symptoms", "S", "72096-1", 3, 3),
    ("adl", "ADL", "A", "72095-3", 9, 15),
    ("sport_rec", "Sport/Rec", "SP", "72094-6", 2, 2),
    ("qol", "QOL", "Q", "72093-8", 2, 2),
)
GUIDES = {"2013": "HOOS Scoring instructions, June 2013", "2003": "HOOS 2003 rule, superseded"}
ARTHROPLASTY_2025 = "J Arthroplasty 2025, THA cohort (n=18,855)"


def _item_ids(prefix: str) -> tuple[str, ...]:
    return tuple(f"{prefix}{n}" for n in range(1, len(TOPICS[prefix]) + 1))


def build_hoos(missing_rule: str) -> Instrument:
    """Build the HOOS with the 2013 (default) or the superseded 2003 missing-item rule."""
    subscales = tuple(
        Subscale(
            subscale_id,
            name,
            _item_ids(prefix),
            MeanTransformed(
                rule_2013 if missing_rule == "2013" else rule_2003, GUIDES[missing_rule]
            ),
            0,
            100,
            higher_is_better=True,
            loinc=loinc,
        )
        for subscale_id, name, prefix, loinc, rule_2013, rule_2003 in SUBSCALES
    )
    mdc = "BMC Musculoskelet Disord 2014;15:235"
    pre_tha = "hip OA awaiting total hip arthroplasty"
    thresholds = tuple(
        Threshold(
            subscale, ThresholdKind.MDC95, value, "points", "hip", pre_tha, mdc, Evidence.VERIFIED
        )
        for subscale, value in (("pain", 21.6), ("symptoms", 22.7), ("adl", 17.7), ("qol", 24.4))
    ) + (
        Threshold(
            None,
            ThresholdKind.MCID,
            9.1,
            "points",
            "hip",
            "THA (n=537)",
            "PMC4709271, Clin Orthop Relat Res",
            Evidence.VERIFIED,
            note="distribution-based; subscale not stated in instruments.md",
        ),
        Threshold(
            "pain",
            ThresholdKind.MCID,
            8.35,
            "points",
            "hip",
            "THA",
            ARTHROPLASTY_2025,
            Evidence.VERIFIED,
        ),
        Threshold(
            "pain",
            ThresholdKind.PASS,
            80.6,
            "points",
            "hip",
            "THA",
            ARTHROPLASTY_2025,
            Evidence.VERIFIED,
        ),
    )
    return Instrument(
        id="hoos",
        name="Hip disability and Osteoarthritis Outcome Score",
        version="LK2.0",
        joints=("hip",),
        completed_by=CompletedBy.PATIENT,
        recall_period="last week",
        licence=LICENCE,
        items=ITEMS,
        subscales=subscales,
        references=(GUIDES[missing_rule], "instruments.md 4.1"),
        thresholds=thresholds,
        notes=("No total score: the HOOS is reported as five subscales.",),
    )


# Davis AM et al., Osteoarthritis Cartilage 2008;16:551–9; koos.nu HOOS-PS guide Table 1a.
HOOS_PS_TABLE = (
    100.0,
    95.4,
    91.2,
    87.3,
    83.6,
    80.0,
    76.6,
    73.1,
    69.6,
    66.1,
    62.3,
    58.3,
    53.9,
    49.2,
    44.1,
    38.4,
    32.1,
    25.2,
    17.6,
    9.2,
    0.0,
)
HOOS_PS_ITEMS = ("A1", "A13", "A14", "SP2", "SP3")


def build_hoos_ps(table_direction: str, max_missing: str) -> Instrument:
    """Build HOOS-PS: raw sum 0–20 of 5 items through the Davis 2008 nomogram."""
    source = "Davis AM et al., Osteoarthritis Cartilage 2008;16:551–9"
    items = tuple(item for item_id in HOOS_PS_ITEMS for item in ITEMS if item.id == item_id)
    thresholds = ps_thresholds(
        table_direction,
        "hip",
        "THA",
        "J Arthroplasty 2025 (PMID 41016609)",
        ((ThresholdKind.MCID, 9.47),),
        ((ThresholdKind.PASS, 83.6),),
        Evidence.SECONDARY,
    )
    return short_form(
        "hoos_ps",
        "HOOS Physical function Short form",
        ps_version(source, table_direction),
        "hip",
        LICENCE,
        items,
        HOOS_PS_TABLE,
        table_direction,
        int(max_missing),
        source,
        thresholds,
    )


# HSS conversion table, instruments.md 4.3 (raw 6 and 11 corroborated by a second source).
HOOS_JR_TABLE = (
    100.000,
    92.340,
    85.257,
    80.550,
    76.776,
    73.472,
    70.426,
    67.516,
    64.664,
    61.815,
    58.930,
    55.985,
    52.965,
    49.858,
    46.652,
    43.335,
    39.902,
    36.363,
    32.735,
    29.009,
    25.103,
    20.805,
    15.633,
    8.104,
    0.000,
)
HOOS_JR_ITEMS = ("P5", "P10", "A3", "A5", "A12", "A14")  # form items P1, P2, A1–A4


def build_hoos_jr() -> Instrument:
    """Build HOOS JR: raw sum 0–24 of 6 HOOS items through the HSS interval-score table."""
    source = "HSS HOOS JR conversion table"
    items = tuple(item for item_id in HOOS_JR_ITEMS for item in ITEMS if item.id == item_id)
    subscale = Subscale(
        "interval_score",
        "HOOS JR interval score",
        HOOS_JR_ITEMS,
        TableLookup(HOOS_JR_TABLE, source),
        0,
        100,
        higher_is_better=True,
        decimals=3,
        loinc="82323-7",
    )
    lyman = "Lyman S et al., Clin Orthop Relat Res 2018;476:2432–41"
    thresholds = (
        Threshold(
            "interval_score",
            ThresholdKind.SCB,
            22.0,
            "points",
            "hip",
            "THA",
            "CMS THA/TKA PRO-PM, as stated in J Arthroplasty 2025",
            Evidence.VERIFIED,
        ),
        Threshold(
            "interval_score",
            ThresholdKind.MCID,
            7.76,
            "points",
            "hip",
            "THA",
            ARTHROPLASTY_2025,
            Evidence.VERIFIED,
            note="distribution-based",
        ),
        Threshold(
            "interval_score",
            ThresholdKind.PASS,
            76.8,
            "points",
            "hip",
            "THA",
            ARTHROPLASTY_2025,
            Evidence.VERIFIED,
        ),
        Threshold(
            "interval_score",
            ThresholdKind.MCID,
            18.0,
            "points",
            "hip",
            "THA",
            lyman,
            Evidence.UNVERIFIED,
            note="anchor-based, as commonly quoted",
        ),
    )
    return Instrument(
        id="hoos_jr",
        name="HOOS for Joint Replacement",
        version="HSS HOOS JR",
        joints=("hip",),
        completed_by=CompletedBy.PATIENT,
        recall_period="last week",
        licence=JR_LICENCE,
        items=items,
        subscales=(subscale,),
        references=(source, "instruments.md 4.3"),
        thresholds=thresholds,
        notes=("Item ids are those of the parent HOOS; the JR form numbers them P1, P2, A1–A4.",),
    )


RECIPES = {
    "hoos": Recipe(
        build_hoos,
        (
            OptionSpec(
                "missing_rule",
                ("2013", "2003"),
                "2013",
                "HOOS Scoring 2013 (≥50 % answered) or the superseded 2003 minimums",
            ),
        ),
    ),
    "hoos_ps": Recipe(build_hoos_ps, (PS_DIRECTION, PS_MISSING)),
    "hoos_jr": Recipe(build_hoos_jr),
}
