"""HOOS (40 items), HOOS-PS and HOOS JR (docs/instruments.md#hoos).

Items coded 0 = no problem … 4 = extreme problem; subscales 0–100, 100 = no problems,
scored exactly as the KOOS (HOOS Scoring instructions, June 2013).
"""

from __future__ import annotations

from orthoregen.instruments.definitions import (
    Evidence,
    Instrument,
    OptionSpec,
    Recipe,
    Study,
    Threshold,
    ThresholdKind,
)
from orthoregen.instruments.family import (
    ADL_TOPICS,
    PS_DIRECTION,
    PS_MISSING,
    items_from_topics,
    joint_replacement,
    mdc_thresholds,
    profile,
    profile_rows,
    ps_thresholds,
    select_items,
    short_form,
)
from orthoregen.instruments.koos import JR_LICENCE, LICENCE

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
    # The KOOS ADL items; only A13 reads "bath or shower" on the HOOS form.
    "A": (*ADL_TOPICS[:12], "getting in/out of bath or shower", *ADL_TOPICS[13:]),
    "SP": ("squatting", "running", "twisting/pivoting on loaded leg", "walking on uneven surface"),
    "Q": (
        "how often aware of hip problem",
        "modified lifestyle",
        "lack of confidence in hip",
        "general difficulty with hip",
    ),
}
ITEMS = items_from_topics(TOPICS)
# Per subscale: LOINC, then the minimum answered items under HOOS Scoring 2013 (≥ 50 %) and
# under the superseded 2003 rule.
SUBSCALES = profile_rows(
    {
        "pain": ("72097-9", 5, 8),
        "symptoms": ("72096-1", 3, 3),
        "adl": ("72095-3", 9, 15),
        "sport_rec": ("72094-6", 2, 2),
        "qol": ("72093-8", 2, 2),
    }
)
GUIDES = {"2013": "HOOS Scoring instructions, June 2013", "2003": "HOOS 2003 rule, superseded"}
ARTHROPLASTY_2025 = "J Arthroplasty 2025, THA cohort (n=18,855)"
THA_2025 = Study(source=ARTHROPLASTY_2025, population="THA", joint="hip")


def build_hoos(missing_rule: str) -> Instrument:
    """Build the HOOS with the 2013 (default) or the superseded 2003 missing-item rule."""
    mdc = (("pain", 21.6), ("symptoms", 22.7), ("adl", 17.7), ("qol", 24.4))
    thresholds = mdc_thresholds(
        values=mdc, joint="hip", population="hip OA awaiting total hip arthroplasty"
    ) + (
        Threshold(
            subscale=None,
            kind=ThresholdKind.MCID,
            value=9.1,
            unit="points",
            joint="hip",
            population="THA (n=537)",
            source="PMC4709271, Clin Orthop Relat Res",
            evidence=Evidence.VERIFIED,
            note="distribution-based; the source does not state the subscale",
        ),
        THA_2025.threshold("pain", ThresholdKind.MCID, 8.35),
        THA_2025.threshold("pain", ThresholdKind.PASS, 80.6),
    )
    return profile(
        instrument_id="hoos",
        name="Hip disability and Osteoarthritis Outcome Score",
        joint="hip",
        licence=LICENCE,
        topics=TOPICS,
        rows=SUBSCALES,
        current_rule=missing_rule == "2013",
        guide=GUIDES[missing_rule],
        references=(
            "Nilsdotter AK et al., BMC Musculoskelet Disord 2003;4:10, doi:10.1186/1471-2474-4-10",
        ),
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
    items = select_items(ITEMS, HOOS_PS_ITEMS)
    thresholds = ps_thresholds(
        direction=table_direction,
        joint="hip",
        population="THA",
        source="J Arthroplasty 2025 (PMID 41016609)",
        changes=((ThresholdKind.MCID, 9.47),),
        states=((ThresholdKind.PASS, 83.6),),
        evidence=Evidence.SECONDARY,
    )
    return short_form(
        instrument_id="hoos_ps",
        name="HOOS Physical function Short form",
        joint="hip",
        licence=LICENCE,
        items=items,
        table=HOOS_PS_TABLE,
        direction=table_direction,
        max_missing=int(max_missing),
        source=source,
        thresholds=thresholds,
    )


# HSS conversion table (Lyman S et al., Clin Orthop Relat Res 2016;474:1472-82,
# doi:10.1007/s11999-016-4718-2); raw 6 and 11 corroborated by a second source
# (docs/instruments.md#hoos-jr).
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
    lyman = "Lyman S et al., Clin Orthop Relat Res 2018;476:2432–41"
    thresholds = (
        Threshold(
            subscale="interval_score",
            kind=ThresholdKind.SCB,
            value=22.0,
            unit="points",
            joint="hip",
            population="THA",
            source="CMS THA/TKA PRO-PM, as stated in J Arthroplasty 2025",
            evidence=Evidence.VERIFIED,
        ),
        THA_2025.threshold("interval_score", ThresholdKind.MCID, 7.76, note="distribution-based"),
        THA_2025.threshold("interval_score", ThresholdKind.PASS, 76.8),
        Threshold(
            subscale="interval_score",
            kind=ThresholdKind.MCID,
            value=18.0,
            unit="points",
            joint="hip",
            population="THA",
            source=lyman,
            evidence=Evidence.UNVERIFIED,
            note="anchor-based, as commonly quoted",
        ),
    )
    return joint_replacement(
        instrument_id="hoos_jr",
        name="HOOS JR",
        title="HOOS for Joint Replacement",
        joint="hip",
        licence=JR_LICENCE,
        items=select_items(ITEMS, HOOS_JR_ITEMS),
        table=HOOS_JR_TABLE,
        loinc="82323-7",
        thresholds=thresholds,
        notes=("Item ids are those of the parent HOOS; the JR form numbers them P1, P2, A1–A4.",),
    )


RECIPES = {
    "hoos": Recipe(
        build_hoos,
        (
            OptionSpec(
                name="missing_rule",
                choices=("2013", "2003"),
                default="2013",
                description="HOOS Scoring 2013 (≥50 % answered) or the superseded 2003 minimums",
            ),
        ),
    ),
    "hoos_ps": Recipe(build_hoos_ps, (PS_DIRECTION, PS_MISSING)),
    "hoos_jr": Recipe(build_hoos_jr),
}
