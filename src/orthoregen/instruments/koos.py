"""KOOS (42 items), KOOS-PS and KOOS JR (docs/instruments.md#koos).

KOOS items are coded 0 = no problem … 4 = extreme problem (S4 and S5 have reversed
anchors on the form but the same codes). Subscales are 0–100 with 100 = no problems.
"""

from __future__ import annotations

from orthoregen.instruments.definitions import (
    Evidence,
    Instrument,
    Licence,
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

LICENCE = Licence(
    owner="Prof. Ewa Roos; managed by Mapi Research Trust (ePROVIDE) since October 2023",
    terms="permission always required; free for academic users; fee for clinics and commercial use",
    ships_wording=False,
)
JR_LICENCE = Licence(
    owner="Hospital for Special Surgery (developer Stephen Lyman)",
    terms=(
        "nonproprietary and free to use unaltered (HSS); items are KOOS items, so Mapi's "
        "confirmation is also needed (docs/instruments.md#licences-to-confirm)"
    ),
    ships_wording=False,
)

TOPICS = {
    "S": (
        "swelling",
        "grinding, clicking or noise",
        "catching or hanging up",
        "can straighten fully",
        "can bend fully",
        "stiffness on first waking",
        "stiffness later in the day",
    ),
    "P": (
        "how often pain",
        "twisting/pivoting",
        "straightening fully",
        "bending fully",
        "walking on flat surface",
        "going up or down stairs",
        "at night in bed",
        "sitting or lying",
        "standing upright",
    ),
    "A": ADL_TOPICS,
    "SP": ("squatting", "running", "jumping", "twisting/pivoting on injured knee", "kneeling"),
    "Q": (
        "how often aware of knee problem",
        "modified lifestyle",
        "lack of confidence in knee",
        "general difficulty with knee",
    ),
}
ITEMS = items_from_topics(TOPICS)
# Per subscale: LOINC, then the minimum answered items under KOOS Scoring 2012 (≥ 50 %) and
# under the superseded 1998 rule.
SUBSCALES = profile_rows(
    {
        "pain": ("72102-7", 5, 7),
        "symptoms": ("72101-9", 4, 5),
        "adl": ("72100-1", 9, 15),
        "sport_rec": ("72099-5", 3, 3),
        "qol": ("72098-7", 2, 2),
    }
)
GUIDES = {"2012": "KOOS Scoring, August 2012", "1998": "KOOS 1998 rule, superseded in 2012"}


# Minimal important change per subscale (pain, symptoms, ADL, sport/rec, QOL), from the
# abstracts named; listed non-surgical first, because the first MIC of a subscale is the one
# the registry dashboard shows (docs/instruments.md#koos-thresholds).
MIC_STUDIES = (
    (
        (11.3, 12.1, 10.2, 15.5, 13.2),
        "mild to moderate knee OA, non-surgical treatment in a 3-arm RCT (n = 131), 4 months; "
        "anchor-based predictive modelling",
        "PMID 41367621 (2025), secondary analysis of a three-arm RCT; DOI not retrieved",
    ),
    (
        (15.0, 12.5, 15.5, 17.5, 12.5),
        "knee OA, 4 weeks of physiotherapy (n = 146, Persian KOOS); ROC cut-off",
        "Mostafaee N et al., Physiother Theory Pract 2021; DOI not retrieved",
    ),
    (
        (16.7, 10.7, 18.4, 12.5, 15.6),
        "rehabilitation after total knee arthroplasty (n = 148); ROC cut-off (surgical)",
        "Monticone M et al., Am J Phys Med Rehabil 2013;92(10), doi:10.1097/PHM.0b013e31829f19d8",
    ),
)


def mic_thresholds() -> tuple[Threshold, ...]:
    """Return the published KOOS MIC values, each an improvement in points on 0–100."""
    return tuple(
        Study(source=source, population=population, joint="knee").threshold(
            subscale, ThresholdKind.MIC, value
        )
        for values, population, source in MIC_STUDIES
        for subscale, value in zip(
            ("pain", "symptoms", "adl", "sport_rec", "qol"), values, strict=True
        )
    )


def build_koos(missing_rule: str) -> Instrument:
    """Build the KOOS with the 2012 (default) or the superseded 1998 missing-item rule."""
    mdc = (("pain", 20.2), ("symptoms", 24.1), ("adl", 20.8), ("qol", 26.6))
    thresholds = (
        mic_thresholds()
        + mdc_thresholds(
            values=mdc, joint="knee", population="knee OA awaiting total knee arthroplasty"
        )
        + (
            Threshold(
                subscale=None,
                kind=ThresholdKind.MIC,
                value=8.0,
                unit="points",
                joint="knee",
                population="rule of thumb, any subscale",
                source="Roos EM, Lohmander LS, Health Qual Life Outcomes 2003;1:64",
                evidence=Evidence.UNVERIFIED,
                note="quoted as 8–10 points",
            ),
            Threshold(
                subscale="qol",
                kind=ThresholdKind.MCID,
                value=8.0,
                unit="points",
                joint="knee",
                population="knee OA outpatients (n=141)",
                source="PMC3943561 (ICOAP, KOOS-PS, HOOS-PS, KOOS/HOOS-QOL thresholds)",
                evidence=Evidence.VERIFIED,
            ),
        )
    )
    return profile(
        instrument_id="koos",
        name="Knee injury and Osteoarthritis Outcome Score",
        joint="knee",
        licence=LICENCE,
        topics=TOPICS,
        rows=SUBSCALES,
        current_rule=missing_rule == "2012",
        guide=GUIDES[missing_rule],
        references=(
            "Roos EM et al., J Orthop Sports Phys Ther 1998;28:88-96, "
            "doi:10.2519/jospt.1998.28.2.88",
            "KOOS User's Guide 2003",
        ),
        thresholds=thresholds,
        notes=(
            "No total score: the KOOS is reported as five subscales.",
            "Two boxes ticked: use the more severe answer; between boxes: the nearest.",
        ),
    )


# Perruccio AV et al., Osteoarthritis Cartilage 2008;16:542–50; docs/instruments.md#koos-ps
# (koos.nu Table 1a direction, 100 = no difficulty; raw 11 is 64.7, not the README's 67.7).
KOOS_PS_TABLE = (
    100.0,
    94.4,
    89.5,
    85.2,
    81.4,
    78.0,
    75.1,
    72.5,
    70.3,
    68.2,
    66.4,
    64.7,
    63.0,
    61.4,
    59.7,
    58.0,
    56.0,
    53.9,
    51.5,
    48.8,
    45.6,
    42.1,
    38.0,
    33.4,
    28.2,
    22.3,
    15.7,
    8.2,
    0.0,
)
KOOS_PS_ITEMS = ("A10", "A9", "A3", "A5", "SP4", "SP5", "SP1")


def build_koos_ps(table_direction: str, max_missing: str) -> Instrument:
    """Build KOOS-PS: raw sum 0–28 of 7 items through the Perruccio 2008 nomogram."""
    source = "Perruccio AV et al., Osteoarthritis Cartilage 2008;16:542–50"
    items = select_items(ITEMS, KOOS_PS_ITEMS)
    thresholds = ps_thresholds(
        direction=table_direction,
        joint="knee",
        population="knee OA outpatients (n=141)",
        source="PMC3943561 (ICOAP, KOOS-PS, HOOS-PS, KOOS/HOOS-QOL thresholds)",
        changes=((ThresholdKind.MCID, 2.2), (ThresholdKind.MODERATE_IMPROVEMENT, 15.0)),
        states=(),
    )
    return short_form(
        instrument_id="koos_ps",
        name="KOOS Physical function Short form",
        joint="knee",
        licence=LICENCE,
        items=items,
        table=KOOS_PS_TABLE,
        direction=table_direction,
        max_missing=int(max_missing),
        source=source,
        thresholds=thresholds,
    )


# HSS conversion table (Lyman S et al., Clin Orthop Relat Res 2016;474:1461-71,
# doi:10.1007/s11999-016-4719-1), identical in two independent implementations
# (docs/instruments.md#koos-jr).
KOOS_JR_TABLE = (
    100.000,
    91.975,
    84.600,
    79.914,
    76.332,
    73.342,
    70.704,
    68.284,
    65.994,
    63.776,
    61.583,
    59.381,
    57.140,
    54.840,
    52.465,
    50.012,
    47.487,
    44.905,
    42.281,
    39.625,
    36.931,
    34.174,
    31.307,
    28.251,
    24.875,
    20.941,
    15.939,
    8.291,
    0.000,
)
KOOS_JR_ITEMS = ("S6", "P2", "P3", "P6", "P9", "A3", "A5")  # form items S1, P1–P4, A1, A2


def build_koos_jr() -> Instrument:
    """Build KOOS JR: raw sum 0–28 of 7 KOOS items through the HSS interval-score table."""
    thresholds = (
        Threshold(
            subscale="interval_score",
            kind=ThresholdKind.SCB,
            value=20.0,
            unit="points",
            joint="knee",
            population="total knee arthroplasty",
            source="CMS THA/TKA PRO-PM",
            evidence=Evidence.SECONDARY,
        ),
        Threshold(
            subscale="interval_score",
            kind=ThresholdKind.MCID,
            value=14.0,
            unit="points",
            joint="knee",
            population="total knee arthroplasty",
            source="Lyman S et al., Clin Orthop Relat Res 2018;476:2432–41",
            evidence=Evidence.UNVERIFIED,
        ),
    )
    return joint_replacement(
        instrument_id="koos_jr",
        name="KOOS JR",
        title="KOOS for Joint Replacement",
        joint="knee",
        licence=JR_LICENCE,
        items=select_items(ITEMS, KOOS_JR_ITEMS),
        table=KOOS_JR_TABLE,
        loinc="82324-5",
        thresholds=thresholds,
        notes=(
            "Item ids are those of the parent KOOS; the JR form numbers them S1, P1–P4, A1, A2.",
            "The table is non-linear: raw 14 gives 52.465, not 50.",
        ),
    )


RECIPES = {
    "koos": Recipe(
        build_koos,
        (
            OptionSpec(
                name="missing_rule",
                choices=("2012", "1998"),
                default="2012",
                description="KOOS Scoring 2012 (≥50 % answered) or the superseded 1998 minimums",
            ),
        ),
    ),
    "koos_ps": Recipe(build_koos_ps, (PS_DIRECTION, PS_MISSING)),
    "koos_jr": Recipe(build_koos_jr),
}
