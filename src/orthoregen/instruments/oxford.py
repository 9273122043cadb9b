"""Oxford Knee, Hip and Shoulder Scores, 2007 scoring.

See docs/instruments.md#oxford-knee-hip-and-shoulder-scores.

Twelve items coded 0–4 with 4 = best; total 0–48, 48 = best. Legacy 1–5 scoring
(12–60, lower = better) is not accepted here: never mix the two.
"""

from __future__ import annotations

from orthoregen.instruments.definitions import (
    CompletedBy,
    Instrument,
    Item,
    Licence,
    OptionSpec,
    Recipe,
    Study,
    Subscale,
    Threshold,
    ThresholdKind,
    codes,
)
from orthoregen.instruments.rules import MeanImputedSum

LICENCE = Licence(
    owner="Oxford University Innovation (Clinical Outcomes)",
    terms=(
        "licence application always required; free for non-commercial academic use and publicly "
        "funded healthcare; fees otherwise"
    ),
    ships_wording=False,
)
MURRAY = (
    "Murray DW et al., J Bone Joint Surg Br 2007;89-B:1010–4, doi:10.1302/0301-620X.89B8.19424"
)
BEARD = "Beard DJ et al., J Clin Epidemiol 2015;68:73–9, doi:10.1016/j.jclinepi.2014.08.009"
PASS_2014 = "Bone Joint Res 2014;3:7–13"

TOPICS = {
    "oks": (
        "usual knee pain",
        "washing and drying",
        "car or public transport",
        "walking time before severe pain",
        "pain standing up from a chair after a meal",
        "limping",
        "kneel and get up",
        "pain in bed at night",
        "pain interfering with usual work",
        "knee giving way",
        "household shopping",
        "walking down a flight of stairs",
    ),
    # OHS and OSS order unconfirmed (docs/instruments.md#oxford-imputation-and-item-order);
    # totals do not depend on it.
    "ohs": (
        "usual hip pain",
        "washing and drying",
        "car or public transport",
        "putting on socks/stockings/tights",
        "household shopping",
        "walking time before severe pain",
        "climbing a flight of stairs",
        "pain standing up from a chair after a meal",
        "limping",
        "sudden severe pain",
        "pain interfering with usual work",
        "pain in bed at night",
    ),
    "oss": (
        "worst shoulder pain",
        "usual shoulder pain",
        "pain in bed at night",
        "pain interfering with usual work",
        "dressing",
        "car or public transport",
        "knife and fork",
        "household shopping",
        "carrying a tray",
        "combing hair",
        "hanging clothes",
        "washing under arms",
    ),
}
NAMES = {
    "oks": ("Oxford Knee Score", "knee"),
    "ohs": ("Oxford Hip Score", "hip"),
    "oss": ("Oxford Shoulder Score", "shoulder"),
}
# (MIC cohort, MIC individual ROC, MID between groups, MDC90, PASS) from Beard 2015 / 2014.
ARTHROPLASTY_THRESHOLDS = {"oks": (9.0, 7.0, 5.0, 4.0, 37.0), "ohs": (11.0, 8.0, 5.0, 5.0, 42.0)}


def _thresholds(instrument_id: str) -> tuple[Threshold, ...]:
    if instrument_id not in ARTHROPLASTY_THRESHOLDS:
        return ()  # OSS MCID not verified (docs/instruments.md#oxford-knee-hip-and-shoulder-scores)
    joint = NAMES[instrument_id][1]
    cohort, individual, between, mdc, acceptable = ARTHROPLASTY_THRESHOLDS[instrument_id]
    beard = Study(source=BEARD, population=f"NHS PROMs, {joint} arthroplasty", joint=joint)
    mid_term = f"mid-term after {joint} arthroplasty"
    pass_2014 = Study(source=PASS_2014, population=mid_term, joint=joint)
    return (
        beard.threshold(
            "total",
            ThresholdKind.MIC,
            cohort,
            note="within-person change, cohort level (approximate)",
        ),
        beard.threshold("total", ThresholdKind.MIC, individual, note="individual level, ROC"),
        beard.threshold("total", ThresholdKind.MID, between, note="between groups (approximate)"),
        beard.threshold("total", ThresholdKind.MDC90, mdc),
        pass_2014.threshold(
            "total",
            ThresholdKind.PASS,
            acceptable,
            note="at or above; not validated as an absolute threshold",
        ),
    )


def _recipe(instrument_id: str) -> Recipe:
    name, joint = NAMES[instrument_id]

    def build(imputed_rounding: str) -> Instrument:
        items = tuple(
            Item(id=f"Q{number}", topic=topic, options=codes(0, 4), higher_is_better=True)
            for number, topic in enumerate(TOPICS[instrument_id], start=1)
        )
        rule = MeanImputedSum(
            max_missing=2,
            source="OUI guidance as summarised by awell [S]",
            round_imputed=imputed_rounding == "whole_code",
        )
        total = Subscale(
            id="total",
            name=name,
            items=tuple(item.id for item in items),
            rule=rule,
            minimum=0,
            maximum=48,
            higher_is_better=True,
            decimals=0,
        )
        notes: tuple[str, ...] = (
            "Arthroplasty-derived thresholds are indicative only for injection cohorts.",
        )
        if instrument_id == "oks":
            notes += (
                "Display-only bands (not validated cut-offs): 0–19 severe, 20–29 "
                "moderate to severe, 30–39 mild to moderate, 40–48 satisfactory.",
            )
        return Instrument(
            id=instrument_id,
            name=name,
            version="2007 scoring (0–48)",
            joints=(joint,),
            completed_by=CompletedBy.PATIENT,
            recall_period="past 4 weeks",
            licence=LICENCE,
            items=items,
            subscales=(total,),
            references=(MURRAY, "docs/instruments.md#oxford-knee-hip-and-shoulder-scores"),
            thresholds=_thresholds(instrument_id),
            notes=notes,
        )

    build.__doc__ = f"Build the {name} with the chosen rounding of substituted answers."
    option = OptionSpec(
        name="imputed_rounding",
        choices=("none", "whole_code"),
        default="none",
        description=(
            "[U] keep the substituted mean unrounded unless the guide says so "
            "(docs/instruments.md#oxford-imputation-and-item-order)"
        ),
    )
    return Recipe(build, (option,))


RECIPES = {instrument_id: _recipe(instrument_id) for instrument_id in NAMES}
