"""WOMAC 3.1 in its Likert, numeric and visual analogue versions (docs/instruments.md#womac-31).

Higher = worse on every version. Scores are raw sums; the `*_normalised` subscales are
100 × raw / maximum with 100 = worst, the form OMERACT-OARSI and Tubach 2005 use.
"""

from __future__ import annotations

from orthoregen.instruments.definitions import (
    CompletedBy,
    Evidence,
    Instrument,
    Item,
    Licence,
    OptionSpec,
    Recipe,
    Rule,
    Scale,
    Subscale,
    Threshold,
    ThresholdBasis,
    ThresholdKind,
    codes,
    round_half_away,
)
from orthoregen.instruments.rules import MeanImputedSum, Parts, Rescaled

LICENCE = Licence(
    owner="Nicholas Bellamy; distributed by Mapi Research Trust (ePROVIDE)",
    terms="licensed; fees for commercial use; user guide and forms are licensed material",
    ships_wording=False,
)

PAIN_TOPICS = (
    "walking on flat surface",
    "going up or down stairs",
    "at night while in bed",
    "sitting or lying",
    "standing upright",
)
STIFFNESS_TOPICS = (
    "after first waking in the morning",
    "after sitting, lying or resting later in the day",
)
# Same order as KOOS/HOOS A1–A17 (KOOS and HOOS forms; F10 rising from bed, F12 lying in bed).
FUNCTION_TOPICS = (
    "descending stairs",
    "ascending stairs",
    "rising from sitting",
    "standing",
    "bending to floor",
    "walking on flat surface",
    "getting in/out of car",
    "going shopping",
    "putting on socks/stockings",
    "rising from bed",
    "taking off socks/stockings",
    "lying in bed",
    "getting in/out of bath",
    "sitting",
    "getting on/off toilet",
    "heavy domestic duties",
    "light domestic duties",
)

WHITEHOUSE = "Whitehouse SL et al., J Bone Joint Surg Br 2004;86-B(Supp IV):469"
OPTIONS = (
    OptionSpec(
        name="pain_missing",
        choices=("impute_one", "none"),
        default="impute_one",
        description=(
            "[S] one missing pain item replaced by the mean of the others "
            "(docs/instruments.md#womac-31)"
        ),
    ),
    OptionSpec(
        name="stiffness_missing",
        choices=("none", "impute_one"),
        default="none",
        description=(
            "[U] default no score if any stiffness item is missing "
            "(docs/instruments.md#womac-missing-items)"
        ),
    ),
)

# version id: (version label, item scale or None for 0–4 categories, item maximum)
VERSIONS = {
    "womac_lk31": ("LK3.1 (Likert 0–4)", None, 4),
    "womac_nrs31": ("NRS3.1 (0–10 per item)", None, 10),
    "womac_va31": ("VA3.1 (0–100 mm per item)", Scale(minimum=0, maximum=100, unit="mm"), 100),
}


def _items(scale: Scale | None, item_max: int) -> tuple[Item, ...]:
    options = (0.0, float(item_max)) if scale else codes(0, item_max)
    groups = (("P", PAIN_TOPICS), ("S", STIFFNESS_TOPICS), ("F", FUNCTION_TOPICS))
    return tuple(
        Item(
            id=f"{prefix}{number}",
            topic=topic,
            options=options,
            scale=scale,
            higher_is_better=False,
        )
        for prefix, topics in groups
        for number, topic in enumerate(topics, start=1)
    )


def _subscales(item_max: int, pain_missing: str, stiffness_missing: str) -> tuple[Subscale, ...]:
    pain = MeanImputedSum(
        max_missing=1 if pain_missing == "impute_one" else 0, source="WOMAC 3.1 convention [S]"
    )
    stiffness = MeanImputedSum(
        max_missing=1 if stiffness_missing == "impute_one" else 0,
        source="configurable; docs/instruments.md#womac-missing-items",
    )
    function = MeanImputedSum(max_missing=3, source=WHITEHOUSE)
    parts = (("Pain", 5, pain), ("Stiffness", 2, stiffness), ("Function", 17, function))
    total = Parts(parts)
    ids = [f"P{n}" for n in range(1, 6)] + ["S1", "S2"] + [f"F{n}" for n in range(1, 18)]
    spans = {"pain": ids[:5], "stiffness": ids[5:7], "function": ids[7:], "total": ids}
    rules: dict[str, Rule] = {
        "pain": pain,
        "stiffness": stiffness,
        "function": function,
        "total": total,
    }
    subscales = []
    for subscale_id, name in (
        ("pain", "Pain"),
        ("stiffness", "Stiffness"),
        ("function", "Function"),
        ("total", "Total"),
    ):
        maximum = item_max * len(spans[subscale_id])
        rule = rules[subscale_id]
        subscales.append(
            Subscale(
                id=subscale_id,
                name=name,
                items=tuple(spans[subscale_id]),
                rule=rule,
                minimum=0,
                maximum=maximum,
                higher_is_better=False,
            )
        )
        normalised = Rescaled(
            inner=rule,
            multiply=100,
            divide=maximum,
            description=f"100 × raw / {maximum} (100 = worst)",
        )
        subscales.append(
            Subscale(
                id=f"{subscale_id}_normalised",
                name=f"{name} (0–100)",
                items=tuple(spans[subscale_id]),
                rule=normalised,
                minimum=0,
                maximum=100,
                higher_is_better=False,
            )
        )
    return tuple(subscales)


TUBACH_MCII = "Tubach F et al., Ann Rheum Dis 2005;64:29–33, doi:10.1136/ard.2004.022905"
TUBACH_PASS = "Tubach F et al., Ann Rheum Dis 2005;64:34–37, PMC1755171"
TUBACH_COHORT = "knee or hip OA outpatients, 4-week NSAID cohort"
# No DOI was found for this 2000 J Rheumatol article; the PubMed id identifies it.
EHRICH = "Ehrich EW et al., J Rheumatol 2000;27(11):2635–41, PMID 11093446"
EHRICH_COHORT = "knee or hip OA, 6-week RCT of rofecoxib, ibuprofen or placebo"
EHRICH_NOTE = (
    "minimal perceptible clinical improvement: difference in mean change between patients "
    "rating their response 'poor' and 'none'; a group-level value"
)
# Ehrich 2000 MPCI on the 100 mm normalised WOMAC, as a magnitude: pain, stiffness, function.
EHRICH_MPCI = (("pain", 9.7), ("stiffness", 10.0), ("function", 9.3))
SUBSCALE_ITEMS = {"pain": 5, "stiffness": 2, "function": 17}


def _thresholds(version_id: str) -> tuple[Threshold, ...]:
    item_max = VERSIONS[version_id][2]
    # (subscale, kind, value, unit, joint)
    tubach = [
        ("function_normalised", ThresholdKind.MCII, -9.1, "points", "knee", TUBACH_MCII),
        ("function_normalised", ThresholdKind.MCII, -26.0, "%", "knee", TUBACH_MCII),
        ("function_normalised", ThresholdKind.MCII, -7.9, "points", "hip", TUBACH_MCII),
        ("function_normalised", ThresholdKind.MCII, -21.1, "%", "hip", TUBACH_MCII),
        ("function_normalised", ThresholdKind.PASS, 31.0, "points", "knee", TUBACH_PASS),
        ("function_normalised", ThresholdKind.PASS, 34.4, "points", "hip", TUBACH_PASS),
    ]
    thresholds = [
        Threshold(
            subscale=subscale,
            kind=kind,
            value=value,
            unit=unit,
            joint=joint,
            population=TUBACH_COHORT,
            source=source,
            evidence=Evidence.VERIFIED,
            basis=ThresholdBasis.PERCENTAGE if unit == "%" else ThresholdBasis.ABSOLUTE,
        )
        for subscale, kind, value, unit, joint, source in tubach
    ]
    thresholds += _ehrich_thresholds(item_max)
    if version_id == "womac_lk31":
        thresholds += _physiotherapy_pass()
    return tuple(thresholds)


def _ehrich_thresholds(item_max: int) -> list[Threshold]:
    """Return Ehrich 2000 MPCI per subscale: as published (0–100) and on the raw sums.

    The raw-sum values are the published ones × maximum / 100 (the normalisation is linear),
    so the dashboard can read them on the raw subscale; the note says so.
    """
    thresholds = []
    for subscale, magnitude in EHRICH_MPCI:
        maximum = item_max * SUBSCALE_ITEMS[subscale]
        for subscale_id, value, note in (
            (f"{subscale}_normalised", -magnitude, EHRICH_NOTE),
            (
                subscale,
                -round_half_away(magnitude * maximum / 100, 3),
                f"{EHRICH_NOTE}; converted from {magnitude:g} on the 0–100 normalised "
                f"scale (× {maximum} / 100)",
            ),
        ):
            thresholds.append(
                Threshold(
                    subscale=subscale_id,
                    kind=ThresholdKind.MCID,
                    value=value,
                    unit="points",
                    joint=None,
                    population=EHRICH_COHORT,
                    source=EHRICH,
                    evidence=Evidence.VERIFIED,
                    note=note,
                )
            )
    return thresholds


def _physiotherapy_pass() -> list[Threshold]:
    physio = "Rheumatol Int 2013;33:2773–82"
    population = "hip OA, 9 weeks after physiotherapy"
    return [
        Threshold(
            subscale=subscale,
            kind=ThresholdKind.PASS,
            value=value,
            unit="points",
            joint="hip",
            population=population,
            source=physio,
            evidence=Evidence.VERIFIED,
            note=note,
        )
        for subscale, value, note in (
            ("pain", 10.0, "at or below on 0–20"),
            ("function", 35.0, "at or below on 0–68"),
        )
    ]


def _recipe(version_id: str) -> Recipe:
    label, scale, item_max = VERSIONS[version_id]

    def build(pain_missing: str, stiffness_missing: str) -> Instrument:
        return Instrument(
            id=version_id,
            name=f"WOMAC {label}",
            version=label.split()[0],
            joints=("knee", "hip"),
            completed_by=CompletedBy.PATIENT,
            recall_period="last 48 hours",
            licence=LICENCE,
            items=_items(scale, item_max),
            subscales=_subscales(item_max, pain_missing, stiffness_missing),
            references=(
                "Bellamy N et al., J Rheumatol 1988;15:1833-40",
                "WOMAC 3.1 User Guide (licensed)",
                WHITEHOUSE,
                "docs/instruments.md#womac-31",
            ),
            thresholds=_thresholds(version_id),
            notes=("Always report the version and range; WOMAC totals range 0–96 to 0–2400.",),
        )

    build.__doc__ = f"Build WOMAC {label} with the chosen missing-item options."
    return Recipe(build, OPTIONS)


RECIPES = {version_id: _recipe(version_id) for version_id in VERSIONS}


# WOMAC items embedded in the KOOS and HOOS (docs/instruments.md#womac-inside-koos-and-hoos):
# WOMAC item id → parent id.
# The 0–4 coding is the same (4 = worst); the recall period is one week, not 48 hours.
FROM_PARENT = {
    "koos": {
        **{f"P{n}": f"P{n + 4}" for n in range(1, 6)},  # KOOS P5–P9 [V]
        "S1": "S6",
        "S2": "S7",
        **{f"F{n}": f"A{n}" for n in range(1, 18)},
    },
    "hoos": {
        **{f"P{n}": f"P{n + 3}" for n in range(1, 6)},  # HOOS P4–P8 [S]
        "S1": "S4",
        "S2": "S5",
        **{f"F{n}": f"A{n}" for n in range(1, 18)},
    },
}


def derive_womac_responses(
    parent_id: str, responses: dict[str, float | None]
) -> dict[str, float | None]:
    """Return the WOMAC LK3.x responses embedded in a KOOS or HOOS response.

    See docs/instruments.md#womac-inside-koos-and-hoos.

    Score the result as `womac_lk31`, and record that it was derived (LK3.0 in the KOOS,
    one-week recall).
    """
    mapping = FROM_PARENT[parent_id]
    return {womac_id: responses.get(parent_item) for womac_id, parent_item in mapping.items()}
